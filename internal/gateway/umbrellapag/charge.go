package umbrellapag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// chargeBody is POST /user/transactions. Amounts are integer cents.
type chargeBody struct {
	Amount        int64    `json:"amount"`
	Currency      string   `json:"currency"`
	PaymentMethod string   `json:"paymentMethod"`
	Installments  int      `json:"installments"`
	Traceable     bool     `json:"traceable"`
	PostbackURL   string   `json:"postbackUrl,omitempty"`
	Metadata      string   `json:"metadata"` // a JSON document inside a string, as UmbrellaPag wants
	Customer      customer `json:"customer"`
	Shipping      shipping `json:"shipping"`
	Items         []item   `json:"items"`
	Pix           pixOpts  `json:"pix"`
	// The reference also sent "ip", inventing a public Brazilian IP when it
	// had none. We have no buyer IP and do not make one up.
}

type customer struct {
	Name        string   `json:"name"`
	Email       string   `json:"email"`
	Document    document `json:"document"`
	Phone       string   `json:"phone"`
	ExternalRef string   `json:"externalRef"`
	Address     address  `json:"address"`
}

type document struct {
	Number string `json:"number"`
	Type   string `json:"type"`
}

type shipping struct {
	Fee     int64   `json:"fee"`
	Address address `json:"address"`
}

type item struct {
	Title       string `json:"title"`
	UnitPrice   int64  `json:"unitPrice"`
	Quantity    int    `json:"quantity"`
	Tangible    bool   `json:"tangible"`
	ExternalRef string `json:"externalRef"`
}

type pixOpts struct {
	ExpiresInDays int `json:"expiresInDays"`
}

// defaultExpiryDays is what the reference always asked for.
const defaultExpiryDays = 3

// CreateCharge creates a PIX charge with POST /user/transactions. It fails
// with gateway.ErrRejected before any network call when the amount is out of
// range, the reference is missing, or no complete payer or address is
// available; the message names the fields to configure.
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	body, err := c.buildCharge(req)
	if err != nil {
		return nil, fmt.Errorf("umbrellapag: creating charge: %w", err)
	}
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.baseURL + "/user/transactions",
		Header: c.header(), Body: body}, nil)
	if err != nil {
		if errors.Is(err, gateway.ErrNotFound) {
			// A 404 on create means a wrong endpoint, not an unknown charge.
			err = fmt.Errorf("%w: %w", gateway.ErrRejected, err)
		}
		return nil, fmt.Errorf("umbrellapag: creating charge: %w", err)
	}
	ch, err := parseCharge(raw)
	if err != nil {
		return nil, fmt.Errorf("umbrellapag: creating charge: %w", err)
	}
	return ch, nil
}

func (c *Client) buildCharge(req gateway.ChargeRequest) (*chargeBody, error) {
	if req.AmountCents < Driver.MinAmountCents || req.AmountCents > maxAmountCents {
		return nil, fmt.Errorf("%w: amount %s is outside UmbrellaPag's range (R$ 0.01 to R$ 1000000.00)",
			gateway.ErrRejected, gateway.ReaisString(req.AmountCents))
	}
	if strings.TrimSpace(req.Reference) == "" {
		return nil, fmt.Errorf("%w: missing reference", gateway.ErrRejected)
	}
	// req.Split is ignored: UmbrellaPag has no split (Driver.SupportsSplit
	// is false), and the platform's commission ledger does not depend on it.
	p, err := payerFor(req.Payer, c.payer)
	if err != nil {
		return nil, err
	}
	if bad := c.address.missing(); len(bad) > 0 {
		return nil, fmt.Errorf("%w: UmbrellaPag requires the payer's address: configure %s", gateway.ErrRejected, strings.Join(bad, ", "))
	}
	desc := strings.TrimSpace(req.Description)
	meta, err := json.Marshal(struct {
		PaymentID   string `json:"payment_id"`
		Description string `json:"description"`
	}{req.Reference, string(truncateRunes(desc, 200))})
	if err != nil {
		return nil, fmt.Errorf("encoding metadata: %w", err)
	}
	title := fold(desc, 100)
	if title == "" {
		title = "Pagamento PIX"
	}
	days := defaultExpiryDays
	if req.ExpiresIn > 0 {
		// UmbrellaPag counts whole days; round up so the PIX never expires
		// before the platform expects.
		days = int((req.ExpiresIn + 24*time.Hour - 1) / (24 * time.Hour))
	}
	return &chargeBody{
		Amount: req.AmountCents, Currency: "BRL", PaymentMethod: "pix", Installments: 1, Traceable: true,
		PostbackURL: req.WebhookURL,
		Metadata:    string(meta),
		Customer: customer{Name: p.Name, Email: p.Email, Document: document{Number: p.Document, Type: p.documentType()},
			Phone: "+55" + p.Phone, ExternalRef: req.Reference, Address: c.address},
		Shipping: shipping{Fee: 0, Address: c.address},
		Items:    []item{{Title: title, UnitPrice: req.AmountCents, Quantity: 1, Tangible: false, ExternalRef: req.Reference}},
		Pix:      pixOpts{ExpiresInDays: days},
	}, nil
}

func truncateRunes(s string, n int) []rune {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return r
}

// parseCharge reads {status, message, data: {id, status, pix: {qrCode,
// qrCodeUrl, expirationDate}}}; the PIX fields are also accepted at the data
// level. A body whose own status is not 2xx, that carries an error, or whose
// transaction is refused is a failure even under HTTP 2xx.
func parseCharge(raw []byte) (*gateway.Charge, error) {
	root, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: answer is not a JSON object: %w", gateway.ErrUnavailable, err)
	}
	if reason := refusal(root); reason != "" {
		return nil, fmt.Errorf("%w: UmbrellaPag refused the charge: %s", gateway.ErrRejected, reason)
	}
	d := inner(root)
	rawStatus := word(d, "status")
	if st := mapStatus(rawStatus); st != gateway.StatusPending && st != gateway.StatusPaid {
		return nil, fmt.Errorf("%w: UmbrellaPag refused the charge: status %s: %s", gateway.ErrRejected, rawStatus,
			orDefault(text(d, "refusedReason"), "no reason given"))
	}
	pix, _ := d["pix"].(map[string]any)
	id := text(d, "id", "transactionId", "transaction_id")
	code := coalesce(text(pix, "qrCode", "qr_code", "code"), text(d, "qrCode", "qr_code", "code"))
	if id == "" || code == "" {
		return nil, fmt.Errorf("%w: answer has no transaction id or PIX code", gateway.ErrUnavailable)
	}
	ch := &gateway.Charge{TransactionID: id, PixCode: code, Status: gateway.StatusPending,
		QRCodeImage: coalesce(text(pix, "qrCodeUrl", "qr_code_url", "url"), text(d, "qrCodeUrl", "qr_code_url"))}
	if t, ok := expiry(text(pix, "expirationDate", "expiresAt")); ok {
		ch.ExpiresAt = &t
	}
	return ch, nil
}

// brasilia is Brasília time; Brazil has had no daylight saving since 2019.
var brasilia = time.FixedZone("BRT", -3*60*60)

// expiry reads an RFC 3339 time, or a bare date taken as the end of that day
// in Brasília, which is how a PIX due date reads to the payer.
func expiry(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, brasilia); err == nil {
		return d.Add(24*time.Hour - time.Second), true
	}
	return time.Time{}, false
}

// refusal returns why a 2xx root object is a failure, or "".
func refusal(root map[string]any) string {
	if code, ok := bodyStatus(root); ok && (code < 200 || code > 299) {
		return fmt.Sprintf("status %d: %s", code, orDefault(text(root, "message"), "no message"))
	}
	switch e := root["error"].(type) {
	case map[string]any:
		return orDefault(text(e, "refusedReason", "message"), orDefault(text(root, "message"), "error"))
	case string:
		if strings.TrimSpace(e) != "" {
			return orDefault(text(root, "message"), e)
		}
	case bool:
		if e {
			return orDefault(text(root, "message"), "error")
		}
	}
	if ok, isBool := root["success"].(bool); isBool && !ok {
		return orDefault(text(root, "message"), "success is false")
	}
	return ""
}

// bodyStatus is the HTTP-like numeric "status" UmbrellaPag repeats in its
// JSON bodies ({"status": 201, "message": …}).
func bodyStatus(root map[string]any) (int64, bool) {
	n, ok := root["status"].(json.Number)
	if !ok {
		return 0, false
	}
	code, err := n.Int64()
	return code, err == nil
}

// orDefault renders a provider message for an error, bounded in length.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return string(truncateRunes(s, 200))
}

// coalesce returns the first non-empty value, whole.
func coalesce(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
