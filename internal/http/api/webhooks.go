package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/grimbots/grimbots/internal/http/reqctx"
	"github.com/grimbots/grimbots/internal/payments"
)

// maxWebhookBody bounds a gateway notification.
const maxWebhookBody = 1 << 20

// WebhookHandler serves POST /webhooks/{gateway}/{token}: gateway payment
// notifications, authenticated by the seller's unguessable token (and the
// gateway's signature where it has one). The answer is a small JSON status;
// its code tells the gateway whether to retry.
func WebhookHandler(svc *payments.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeWebhook(w, http.StatusRequestEntityTooLarge, "too_large")
			return
		} else if err != nil {
			writeWebhook(w, http.StatusBadRequest, "unreadable")
			return
		}
		res := svc.HandleWebhook(r.Context(), r.PathValue("gateway"), r.PathValue("token"), r.Header, body,
			reqctx.From(r.Context()).ClientIP)
		writeWebhook(w, res.HTTPStatus, res.Outcome)
	})
}

func writeWebhook(w http.ResponseWriter, status int, outcome string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"status":%q}`+"\n", outcome)
}
