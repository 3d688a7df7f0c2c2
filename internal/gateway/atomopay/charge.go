package atomopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

// catalogTimeout bounds product and offer calls, which the provider answers
// faster than transactions (the reference uses 10 s there, 15 s elsewhere).
const catalogTimeout = 10 * time.Second

type customer struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Document    string `json:"document,omitempty"`
}

type cartItem struct {
	Title         string `json:"title"`
	Price         int64  `json:"price"`
	Quantity      int    `json:"quantity"`
	OperationType int    `json:"operation_type"`
	Tangible      bool   `json:"tangible"`
	ProductHash   string `json:"product_hash"`
	OfferHash     string `json:"offer_hash"`
}

// transactionBody is POST /transactions. Amounts are integer cents. The
// documented checkoutUrl and tracking fields are left out: the platform has
// no per-payment checkout page and passes no UTM data to adapters.
type transactionBody struct {
	Amount            int64      `json:"amount"`
	PaymentMethod     string     `json:"payment_method"`
	Customer          customer   `json:"customer"`
	PostbackURL       string     `json:"postback_url,omitempty"`
	TransactionOrigin string     `json:"transaction_origin"`
	Description       string     `json:"description"`
	Reference         string     `json:"reference,omitempty"`
	Installments      int        `json:"installments"`
	Cart              []cartItem `json:"cart"`
	OfferHash         string     `json:"offer_hash"`
}

// CreateCharge finds (or creates) the product and the offer priced at the
// charge's amount, then creates the PIX transaction. Átomo Pay has no split,
// so req.Split is not sent (the Driver says SupportsSplit is false).
func (c *Client) CreateCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	ch, err := c.createCharge(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("atomopay: creating charge: %w", err)
	}
	return ch, nil
}

func (c *Client) createCharge(ctx context.Context, req gateway.ChargeRequest) (*gateway.Charge, error) {
	if req.AmountCents < minAmountCents || req.AmountCents > maxAmountCents {
		return nil, fmt.Errorf("amount of %d cents is outside R$ 0,50 to R$ 1.000.000,00: %w", req.AmountCents, gateway.ErrRejected)
	}
	payer, err := choosePayer(req.Payer, c.seller)
	if err != nil {
		return nil, err
	}
	product, fresh, err := c.ensureProduct(ctx, req.Description)
	if err != nil {
		return nil, err
	}
	offer, err := c.offerFor(ctx, product, req.AmountCents, fresh)
	if err != nil {
		return nil, err
	}
	title := truncate(req.Description, 100)
	if title == "" {
		title = "Produto Digital"
	}
	description := truncate(req.Description, 100)
	if description == "" {
		description = "Pagamento"
	}
	body := transactionBody{
		Amount:        req.AmountCents,
		PaymentMethod: "pix",
		Customer:      customer{Name: payer.Name, Email: payer.Email, PhoneNumber: payer.Phone},
		PostbackURL:   req.WebhookURL, TransactionOrigin: "api", Description: description,
		Reference: req.Reference, Installments: 1, OfferHash: offer,
		Cart: []cartItem{{Title: title, Price: req.AmountCents, Quantity: 1, OperationType: 1,
			ProductHash: product, OfferHash: offer}},
	}
	// The provider validates the CPF and takes no CNPJ here, so anything
	// else is left out rather than sent to be refused.
	if gateway.ValidCPF(payer.Document) {
		body.Customer.Document = payer.Document
	}
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + "/transactions", Body: body}, &raw); err != nil {
		return nil, rejectNotFound(err)
	}
	return parseCreated(raw)
}

// ensureProduct returns the product hash, creating a product when none is
// configured. fresh reports a product created by this call, which has no
// offers yet.
func (c *Client) ensureProduct(ctx context.Context, desc string) (hash string, fresh bool, err error) {
	if h := c.ProductHash(); h != "" {
		return h, false, nil
	}
	select {
	case c.create <- struct{}{}:
	case <-ctx.Done():
		return "", false, fmt.Errorf("waiting for product creation: %w: %w", gateway.ErrUnavailable, ctx.Err())
	}
	defer func() { <-c.create }()
	if h := c.ProductHash(); h != "" { // created by a concurrent sale while we waited
		return h, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	title := truncate(desc, 100)
	if title == "" {
		title = "Produto Digital"
	}
	body := map[string]any{"title": title, "description": truncate(desc, 500), "tangible": false}
	if body["description"] == "" {
		body["description"] = title
	}
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: c.base + "/products", Body: body}, &raw); err != nil {
		return "", false, fmt.Errorf("creating product: %w", rejectNotFound(err))
	}
	root, err := answer(raw)
	if err != nil {
		return "", false, fmt.Errorf("creating product: %w", err)
	}
	hash = str(unwrapData(root)["hash"])
	if hash == "" {
		return "", false, fmt.Errorf("creating product: %w: answer without a product hash", gateway.ErrUnavailable)
	}
	c.mu.Lock()
	c.productHash, c.created = hash, true
	c.mu.Unlock()
	return hash, true, nil
}

// offerFor returns the hash of the product's offer priced exactly at cents,
// creating the offer when none matches. Prices are compared as integers, so
// R$ 19,90 finds the 1990 offer (the reference's float truncation missed it).
func (c *Client) offerFor(ctx context.Context, product string, cents int64, freshProduct bool) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, catalogTimeout)
	defer cancel()
	productURL := c.base + "/products/" + url.PathEscape(product)
	if !freshProduct {
		var raw json.RawMessage
		if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: productURL}, &raw); err != nil {
			if errors.Is(err, gateway.ErrNotFound) {
				return "", fmt.Errorf("product %q does not exist in this Átomo Pay account: %w: %v", product, gateway.ErrRejected, err)
			}
			return "", fmt.Errorf("looking up product offers: %w", err)
		}
		root, err := answer(raw)
		if err != nil {
			return "", fmt.Errorf("looking up product offers: %w", err)
		}
		offers, _ := unwrapData(root)["offers"].([]any)
		for _, o := range offers {
			offer, _ := o.(map[string]any)
			if price, err := parseCents(offer["price"]); err == nil && price == cents && str(offer["hash"]) != "" {
				return str(offer["hash"]), nil
			}
		}
	}
	body := map[string]any{"title": "Oferta R$ " + gateway.ReaisString(cents), "price": cents}
	var raw json.RawMessage
	if _, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodPost, URL: productURL + "/offers", Body: body}, &raw); err != nil {
		return "", fmt.Errorf("creating offer: %w", rejectNotFound(err))
	}
	root, err := answer(raw)
	if err != nil {
		return "", fmt.Errorf("creating offer: %w", err)
	}
	hash := str(unwrapData(root)["hash"])
	if hash == "" {
		return "", fmt.Errorf("creating offer: %w: answer without an offer hash", gateway.ErrUnavailable)
	}
	return hash, nil
}

// parseCreated reads POST /transactions' answer. A refused transaction comes
// back as 2xx without a PIX code; it is a failure, never a pending charge.
func parseCreated(raw []byte) (*gateway.Charge, error) {
	root, err := answer(raw)
	if err != nil {
		return nil, err
	}
	data := unwrapData(root)
	txid, second := ids(data)
	if txid == "" {
		return nil, fmt.Errorf("%w: answer without a transaction id", gateway.ErrUnavailable)
	}
	rawStatus := firstString(data, "payment_status", "status")
	status := mapStatus(rawStatus)
	if status != gateway.StatusPending && status != gateway.StatusPaid {
		return nil, fmt.Errorf("transaction %s was %s: %w", txid, rawStatus, gateway.ErrRejected)
	}
	pix, _ := data["pix"].(map[string]any)
	code := firstNonEmpty(str(data["pix_code"]), str(pix["pix_qr_code"]), str(data["pix_copy_paste"]), str(data["copy_paste"]))
	if code == "" {
		return nil, fmt.Errorf("%w: transaction %s (%s) came without a PIX code", gateway.ErrUnavailable, txid, rawStatus)
	}
	return &gateway.Charge{TransactionID: txid, Hash: second, PixCode: code, QRCodeImage: qrImage(data, pix), Status: status}, nil
}

// qrImage picks an image URL, else builds a data: URL from the base64 PNG.
func qrImage(data, pix map[string]any) string {
	if u := str(pix["pix_url"]); u != "" {
		return u
	}
	if q := str(data["qr_code"]); strings.HasPrefix(q, "data:image") || strings.HasPrefix(q, "http") {
		return q
	}
	if u := firstString(data, "qr_code_url", "qr_code_image_url"); u != "" {
		return u
	}
	if b := str(pix["pix_base64"]); b != "" {
		if strings.HasPrefix(b, "data:") {
			return b
		}
		return "data:image/png;base64," + b
	}
	return ""
}

// answer decodes a 2xx body and refuses the ones that signal an error:
// {"success": false, ...}, or an "error" key without "success".
func answer(raw []byte) (map[string]any, error) {
	v, err := decode(raw)
	root, ok := v.(map[string]any)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: answer is not a JSON object", gateway.ErrUnavailable)
	}
	success, hasSuccess := root["success"]
	_, hasError := root["error"]
	if success == false || (hasError && !hasSuccess) {
		msg := firstNonEmpty(str(root["message"]), str(root["error"]), "no message")
		return nil, fmt.Errorf("provider refused the request (%s): %w", truncate(msg, 200), gateway.ErrRejected)
	}
	return root, nil
}

// rejectNotFound reclassifies a 404 on a creation call as a rejection: there
// the platform must not read it as "this charge does not exist".
func rejectNotFound(err error) error {
	if errors.Is(err, gateway.ErrNotFound) {
		return fmt.Errorf("%w: %v", gateway.ErrRejected, err)
	}
	return err
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}
