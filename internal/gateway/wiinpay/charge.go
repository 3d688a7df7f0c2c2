package wiinpay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// chargeBody is POST /payment/create. It carries the API key, so it is
// never logged.
type chargeBody struct {
	APIKey      string        `json:"api_key"`
	Value       gateway.Reais `json:"value"`
	Name        string        `json:"name"`
	Email       string        `json:"email"`
	Description string        `json:"description"`
	WebhookURL  string        `json:"webhook_url"`
	Metadata    metadata      `json:"metadata"`
	Split       *split        `json:"split,omitempty"`
}

// metadata is echoed back in webhooks; payment_id is our reference.
type metadata struct {
	PaymentID string `json:"payment_id"`
	Platform  string `json:"platform"`
}

// split sends the platform's part to the operator's WiinPay account.
type split struct {
	Percentage hundredths    `json:"percentage"`
	Value      gateway.Reais `json:"value"`
	UserID     string        `json:"user_id"`
}

// hundredths is a percentage in hundredths of a percent (402 = 4.02),
// marshalled as a decimal with two places without going through a float.
type hundredths int64

// MarshalJSON writes the percentage with exactly two decimals.
func (h hundredths) MarshalJSON() ([]byte, error) { return []byte(gateway.ReaisString(int64(h))), nil }

// CreateCharge creates a PIX charge with POST /payment/create. It fails with
// gateway.ErrRejected before any network call when the amount is under
// R$ 3,00, the reference or webhook URL is missing, no complete payer (name
// and e-mail) is available, or the split is inconsistent.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := c.buildCharge(req)
	if err != nil {
		return nil, fmt.Errorf("wiinpay: creating charge: %w", err)
	}
	// WiinPay answers 201 (documented) or 200 (seen at head); gateway.Do
	// accepts any 2xx, and the body decides success.
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.baseURL + "/payment/create", Body: body}, nil)
	if err != nil {
		if errors.Is(err, gateway.ErrNotFound) {
			// A 404 on create means a wrong endpoint, not an unknown charge.
			err = fmt.Errorf("%w: %w", gateway.ErrRejected, err)
		}
		return nil, fmt.Errorf("wiinpay: creating charge: %w", c.redact(err))
	}
	ch, err := parseCharge(raw, req.Reference)
	if err != nil {
		return nil, fmt.Errorf("wiinpay: creating charge: %w", c.redact(err))
	}
	return ch, nil
}

func (c *Client) buildCharge(req gateway.ChargeRequest) (*chargeBody, error) {
	if req.AmountCents < minAmountCents {
		return nil, fmt.Errorf("%w: amount %s is below WiinPay's minimum of R$ 3.00", gateway.ErrRejected, gateway.ReaisString(req.AmountCents))
	}
	if strings.TrimSpace(req.Reference) == "" {
		return nil, fmt.Errorf("%w: missing reference", gateway.ErrRejected)
	}
	// WiinPay only notifies the URL given with each charge; without one the
	// payment could never be confirmed by webhook.
	if u, err := url.Parse(req.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: WiinPay needs an absolute http(s) webhook URL", gateway.ErrRejected)
	}
	name, email, err := payerFor(req.Payer, c.payer)
	if err != nil {
		return nil, err
	}
	desc := strings.TrimSpace(req.Description)
	if desc == "" {
		desc = "Pagamento PIX"
	}
	body := &chargeBody{APIKey: c.apiKey, Value: gateway.Reais(req.AmountCents), Name: name, Email: email,
		Description: desc, WebhookURL: req.WebhookURL, Metadata: metadata{PaymentID: req.Reference, Platform: "grimbots"}}
	if req.Split != nil {
		if body.Split, err = c.split(req); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// split builds the split from the operator's request. When the seller's own
// key belongs to the split account (the operator selling), it returns nil:
// WiinPay refuses with 422 a split to the receiving account itself.
func (c *Client) split(req gateway.ChargeRequest) (*split, error) {
	s := req.Split
	account := strings.TrimSpace(s.AccountID)
	if account == "" {
		return nil, fmt.Errorf("%w: split without an account id", gateway.ErrRejected)
	}
	if s.AmountCents <= 0 || s.AmountCents >= req.AmountCents {
		return nil, fmt.Errorf("%w: split of %s must be more than zero and less than the charge (%s)",
			gateway.ErrRejected, gateway.ReaisString(s.AmountCents), gateway.ReaisString(req.AmountCents))
	}
	if keyAccount(c.apiKey) == account {
		return nil, nil
	}
	pct := (s.AmountCents*10000 + req.AmountCents/2) / req.AmountCents
	return &split{Percentage: hundredths(pct), Value: gateway.Reais(s.AmountCents), UserID: account}, nil
}

// keyAccount reads the userId claim of a WiinPay key when the key is a JWT.
// The signature is not checked and need not be: WiinPay itself refuses a
// forged key, and the claim is only used to skip a split to oneself.
func keyAccount(key string) string {
	parts := strings.Split(key, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return ""
	}
	return text(claims, "userId", "user_id")
}

// parseCharge turns a 2xx answer, flat or wrapped in "data", into a Charge.
// An answer that signals an error or a refusal is a failure.
func parseCharge(raw []byte, reference string) (*gateway.Charge, error) {
	root, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: answer is not a JSON object: %w", gateway.ErrUnavailable, err)
	}
	m := root
	if d, ok := root["data"].(map[string]any); ok {
		m = d
	}
	for _, obj := range []map[string]any{root, m} {
		if reason := refusal(obj); reason != "" {
			return nil, fmt.Errorf("%w: WiinPay refused the charge: %s", gateway.ErrRejected, reason)
		}
	}
	id := text(m, "paymentId", "id", "transaction_id", "uuid")
	if id == "" {
		// payment_id is their id only if it is not our own reference echoed.
		if p := text(m, "payment_id"); p != reference {
			id = p
		}
	}
	code := text(m, "qr_code", "pix_code", "brcode", "emv", "qrCode", "qrcode")
	if id == "" || code == "" {
		return nil, fmt.Errorf("%w: answer has no payment id or PIX code", gateway.ErrUnavailable)
	}
	ch := &gateway.Charge{TransactionID: id, PixCode: code, Status: gateway.StatusPending,
		QRCodeImage: text(m, "qr_code_url", "qrcode_url", "qrCodeUrl")}
	if ch.QRCodeImage == "" {
		if b := text(m, "qr_code_base64", "qrcode_base64", "qrCodeBase64"); b != "" {
			if !strings.HasPrefix(b, "data:") {
				b = "data:image/png;base64," + b
			}
			ch.QRCodeImage = b
		}
	}
	if t, err := time.Parse(time.RFC3339, text(m, "expires_at", "expiresAt")); err == nil {
		ch.ExpiresAt = &t
	}
	return ch, nil
}

// refusal returns why a 2xx object is a failure, or "".
func refusal(m map[string]any) string {
	if ok, isBool := m["success"].(bool); isBool && !ok {
		return orDefault(text(m, "message", "error"), "success is false")
	}
	if e := m["error"]; e != nil && e != false && e != "" {
		return orDefault(text(m, "error", "message"), "error")
	}
	if e, ok := m["errors"]; ok && e != nil {
		if l, isList := e.([]any); !isList || len(l) > 0 {
			return orDefault(text(m, "message"), "errors")
		}
	}
	if n, ok := m["status"].(json.Number); ok {
		if code, err := n.Int64(); err == nil && (code < 200 || code > 299) {
			return orDefault(text(m, "message"), "status "+n.String())
		}
	}
	if w := word(m, "status"); w != "" {
		switch strings.ToLower(w) {
		case "error", "erro":
			return orDefault(text(m, "message"), "status "+w)
		}
		if st := mapStatus(w); st != gateway.StatusPending && st != gateway.StatusPaid {
			return "status " + w
		}
	}
	return ""
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200])
	}
	return s
}
