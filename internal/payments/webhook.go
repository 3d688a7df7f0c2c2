package payments

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
	"github.com/grimbots/grimbots/internal/grimbots"
)

// WebhookResult is the answer to a gateway and what was recorded.
type WebhookResult struct {
	HTTPStatus int
	Outcome    string
}

// headersKept are the request headers stored with a webhook (signatures and
// content type; never cookies or authorization).
var headersKept = []string{"Content-Type", "User-Agent", "X-Webhook-Secret", "X-Signature", "X-Hub-Signature-256", "X-Request-Id"}

// HandleWebhook authenticates, records and applies one gateway webhook. The
// URL token names the seller's gateway; the payment is matched by exact id
// within that seller; the state is re-read from the gateway's API where one
// exists and only then applied. Every webhook is stored, whatever its fate.
func (s *Service) HandleWebhook(ctx context.Context, kind, token string, header http.Header, body []byte, remoteIP string) WebhookResult {
	ev := &grimbots.WebhookEvent{GatewayKind: kind, RemoteIP: remoteIP, Body: string(body), ReceivedAt: s.now(), Headers: map[string]string{}}
	for _, h := range headersKept {
		if v := header.Get(h); v != "" {
			ev.Headers[h] = v
		}
	}
	res := s.handleWebhook(ctx, kind, token, header, body, ev)
	ev.Outcome = res.Outcome
	if err := s.store.RecordWebhook(ctx, ev); err != nil {
		s.logger.ErrorContext(ctx, "recording webhook", "gateway", kind, "err", err)
		return WebhookResult{HTTPStatus: http.StatusServiceUnavailable, Outcome: grimbots.WebhookError}
	}
	s.metrics.webhooks.WithLabelValues(metricKind(s, kind), res.Outcome).Inc()
	return res
}

func metricKind(s *Service, kind string) string {
	if _, ok := s.drivers[gateway.Kind(kind)]; ok {
		return kind
	}
	return "unknown"
}

func (s *Service) handleWebhook(ctx context.Context, kind, token string, header http.Header, body []byte, ev *grimbots.WebhookEvent) WebhookResult {
	d, ok := s.drivers[gateway.Kind(kind)]
	if !ok || token == "" {
		ev.Detail = "unknown gateway or token"
		return WebhookResult{http.StatusNotFound, grimbots.WebhookUnknownToken}
	}
	acct, err := s.store.GatewayAccountByWebhook(ctx, kind, token)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		ev.Detail = "no gateway account with this token"
		return WebhookResult{http.StatusNotFound, grimbots.WebhookUnknownToken}
	} else if err != nil {
		ev.Detail = "looking up the token failed"
		s.logger.ErrorContext(ctx, "webhook token lookup", "err", err)
		return WebhookResult{http.StatusServiceUnavailable, grimbots.WebhookError}
	}
	ev.SellerID, ev.GatewayID = &acct.SellerID, &acct.ID
	if d.VerifyWebhook != nil {
		creds, err := s.openCredentials(acct)
		if err == nil {
			err = d.VerifyWebhook(header, body, creds)
		}
		if err != nil {
			ev.Detail = "signature or shared secret did not match"
			return WebhookResult{http.StatusUnauthorized, grimbots.WebhookBadSignature}
		}
	}
	parsed, err := d.ParseWebhook(header, body)
	switch {
	case errors.Is(err, gateway.ErrIgnored):
		return WebhookResult{http.StatusOK, grimbots.WebhookIgnored}
	case err != nil:
		ev.Detail = truncateString(err.Error(), 300)
		return WebhookResult{http.StatusBadRequest, grimbots.WebhookMalformed}
	}
	ev.TransactionID, ev.ParsedStatus = parsed.TransactionID, string(parsed.Status)
	p, err := s.store.PaymentByTransaction(ctx, acct.SellerID, kind, parsed.TransactionID, parsed.Hash, parsed.Reference)
	if grimbots.ErrorCode(err) == grimbots.ENOTFOUND {
		// Possibly a charge whose creation answer we are still storing:
		// a 404 makes the gateway try again.
		ev.Detail = "no payment of this seller matches"
		return WebhookResult{http.StatusNotFound, grimbots.WebhookUnknownTx}
	} else if err != nil {
		s.logger.ErrorContext(ctx, "webhook payment lookup", "err", err)
		return WebhookResult{http.StatusServiceUnavailable, grimbots.WebhookError}
	}
	ev.PaymentID = &p.ID
	if parsed.Status == gateway.StatusPending {
		return WebhookResult{http.StatusOK, grimbots.WebhookIgnored}
	}
	status, raw := parsed.Status, parsed.RawStatus
	fetched, err := s.fetch(ctx, p)
	switch {
	case err == nil:
		if fetched.Status != parsed.Status {
			ev.Detail = "the gateway's API reports " + string(fetched.Status)
			// Trust the API; the reconciler will look again.
			if fetched.Status == gateway.StatusPending {
				return WebhookResult{http.StatusOK, grimbots.WebhookMismatch}
			}
		}
		status, raw = fetched.Status, fetched.RawStatus
	case errors.Is(err, errAmountMismatch):
		ev.Detail = "the gateway's API reports another amount"
		return WebhookResult{http.StatusOK, grimbots.WebhookAmount}
	case errors.Is(err, gateway.ErrNotSupported):
		// No status API: the authenticated webhook is the only word.
		if status == gateway.StatusPaid && parsed.AmountCents != 0 && parsed.AmountCents != p.AmountCents {
			ev.Detail = "the webhook reports another amount"
			return WebhookResult{http.StatusOK, grimbots.WebhookAmount}
		}
	case errors.Is(err, gateway.ErrNotFound):
		ev.Detail = "the gateway's API does not know this charge"
		return WebhookResult{http.StatusOK, grimbots.WebhookMismatch}
	default:
		ev.Detail = "could not confirm with the gateway's API"
		s.logger.WarnContext(ctx, "re-reading a webhook's status", "payment_id", p.ID, "err", err)
		return WebhookResult{http.StatusServiceUnavailable, grimbots.WebhookError}
	}
	changed, _, err := s.apply(ctx, p, status, grimbots.SourceWebhook, raw)
	if err != nil {
		s.logger.ErrorContext(ctx, "applying a webhook", "payment_id", p.ID, "err", err)
		return WebhookResult{http.StatusServiceUnavailable, grimbots.WebhookError}
	}
	if !changed {
		return WebhookResult{http.StatusOK, grimbots.WebhookDuplicate}
	}
	return WebhookResult{http.StatusOK, grimbots.WebhookAccepted}
}

func truncateString(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) > n {
		return s[:n]
	}
	return s
}
