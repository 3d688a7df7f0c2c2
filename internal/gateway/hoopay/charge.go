package hoopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// chargeBody is POST /charge. Every amount is reais with two decimals.
type chargeBody struct {
	Amount      gateway.Reais `json:"amount"`
	Customer    customer      `json:"customer"`
	Products    []product     `json:"products"`
	Payments    []payment     `json:"payments"`
	Data        *callback     `json:"data,omitempty"`
	Commissions []commission  `json:"commissions,omitempty"`
}

type customer struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Document string `json:"document"`
}

type product struct {
	Title    string        `json:"title"`
	Amount   gateway.Reais `json:"amount"`
	Quantity int           `json:"quantity"`
}

type payment struct {
	Amount gateway.Reais `json:"amount"`
	Type   string        `json:"type"`
}

// callback is HooPay's "data" object. The reference also sent a fixed
// private "ip"; we have no buyer IP and do not make one up, so it is omitted.
type callback struct {
	CallbackURL string `json:"callbackURL"`
}

// commission is one entry of HooPay's split. The reference sent both entries
// to one hard-coded organisation; here the platform's entry goes to the
// operator's account from the request and the remainder to the seller's own
// organisation.
type commission struct {
	UserID string        `json:"userId"`
	Type   string        `json:"type"`
	Amount gateway.Reais `json:"amount"`
}

// chargeAnswer is HooPay's answer to POST /charge. Error fields are kept
// loose (any) because their shape is not documented.
type chargeAnswer struct {
	OrderUUID string `json:"orderUUID"`
	Payment   struct {
		Status  string `json:"status"`
		Charges []struct {
			UUID       string `json:"uuid"`
			PixPayload string `json:"pixPayload"`
			PixQrCode  string `json:"pixQrCode"`
		} `json:"charges"`
	} `json:"payment"`
	Success *bool `json:"success"`
	Error   any   `json:"error"`
	Errors  any   `json:"errors"`
	Message any   `json:"message"`
}

// CreateCharge creates a PIX charge with POST /charge. It needs a complete
// payer (from the buyer or the seller's default payer) and, when a split is
// asked for, a valid split amount; it fails with gateway.ErrRejected before
// any network call otherwise.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := c.buildCharge(req)
	if err != nil {
		return nil, fmt.Errorf("hoopay: creating charge: %w", err)
	}
	var ans chargeAnswer
	_, err = gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.baseURL + "/charge",
		Header: c.header(), Body: body}, &ans)
	if err != nil {
		if errors.Is(err, gateway.ErrNotFound) {
			// A 404 on create means a wrong endpoint, not an unknown charge.
			err = fmt.Errorf("%w: %w", gateway.ErrRejected, err)
		}
		return nil, fmt.Errorf("hoopay: creating charge: %w", err)
	}
	ch, err := ans.charge()
	if err != nil {
		return nil, fmt.Errorf("hoopay: creating charge: %w", err)
	}
	return ch, nil
}

func (c *Client) buildCharge(req gateway.ChargeRequest) (*chargeBody, error) {
	if req.AmountCents < Driver.MinAmountCents {
		return nil, fmt.Errorf("%w: amount %s is below HooPay's minimum of R$ 0.50",
			gateway.ErrRejected, gateway.ReaisString(req.AmountCents))
	}
	payer, err := payerFor(req.Payer, c.payer)
	if err != nil {
		return nil, err
	}
	title := truncate(strings.TrimSpace(req.Description), 100)
	if title == "" {
		title = "Pagamento PIX"
	}
	amount := gateway.Reais(req.AmountCents)
	body := &chargeBody{
		Amount: amount,
		Customer: customer{Email: payer.Email, Name: truncate(payer.Name, 50), Phone: payer.Phone,
			Document: payer.Document},
		Products: []product{{Title: title, Amount: amount, Quantity: 1}},
		Payments: []payment{{Amount: amount, Type: "pix"}},
	}
	if req.WebhookURL != "" {
		body.Data = &callback{CallbackURL: req.WebhookURL}
	}
	if req.Split != nil {
		if body.Commissions, err = c.commissions(req); err != nil {
			return nil, err
		}
	}
	return body, nil
}

func (c *Client) commissions(req gateway.ChargeRequest) ([]commission, error) {
	s := req.Split
	account := strings.TrimSpace(s.AccountID)
	if account == "" {
		return nil, fmt.Errorf("%w: split without an account id", gateway.ErrRejected)
	}
	if s.AmountCents <= 0 || s.AmountCents >= req.AmountCents {
		return nil, fmt.Errorf("%w: split of %s must be more than zero and less than the charge (%s)",
			gateway.ErrRejected, gateway.ReaisString(s.AmountCents), gateway.ReaisString(req.AmountCents))
	}
	out := []commission{{UserID: account, Type: "platform", Amount: gateway.Reais(s.AmountCents)}}
	if c.orgID != "" {
		out = append(out, commission{UserID: c.orgID, Type: "organization", Amount: gateway.Reais(req.AmountCents - s.AmountCents)})
	}
	return out, nil
}

// charge turns a 2xx answer into a Charge, treating an answer that signals
// an error or a refused payment as a failure.
func (a *chargeAnswer) charge() (*gateway.Charge, error) {
	if reason := a.refusal(); reason != "" {
		return nil, fmt.Errorf("%w: HooPay refused the charge: %s", gateway.ErrRejected, reason)
	}
	if a.OrderUUID == "" || len(a.Payment.Charges) == 0 || a.Payment.Charges[0].PixPayload == "" {
		return nil, fmt.Errorf("%w: answer has no orderUUID or PIX payload", gateway.ErrUnavailable)
	}
	first := a.Payment.Charges[0]
	ch := &gateway.Charge{TransactionID: a.OrderUUID, Hash: first.UUID, PixCode: first.PixPayload, Status: gateway.StatusPending}
	if q := first.PixQrCode; q != "" {
		if strings.HasPrefix(q, "data:") || strings.HasPrefix(q, "http") {
			ch.QRCodeImage = q
		} else {
			ch.QRCodeImage = "data:image/png;base64," + q
		}
	}
	return ch, nil
}

// refusal returns why a 2xx answer is a failure, or "".
func (a *chargeAnswer) refusal() string {
	switch {
	case a.Success != nil && !*a.Success:
		return describe(a.Message, "success is false")
	case present(a.Error):
		return describe(a.Error, "error")
	case present(a.Errors):
		return describe(a.Errors, "errors")
	}
	if a.Payment.Status != "" {
		if st := mapStatus(a.Payment.Status); st != gateway.StatusPending && st != gateway.StatusPaid {
			return "payment status " + a.Payment.Status
		}
	}
	return ""
}

func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case bool:
		return x
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// describe renders a provider message for logs, bounded in length.
func describe(v any, fallback string) string {
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		s = fmt.Sprint(v)
		if v == nil || s == "" {
			s = fallback
		}
	}
	return truncate(s, 200)
}
