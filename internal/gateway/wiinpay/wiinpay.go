// Package wiinpay is the PIX adapter for WiinPay (https://api-v2.wiinpay.com.br).
//
// WiinPay authenticates with the API key inside the request itself (the JSON
// body on POST /payment/create, the query string on GET /payment/{id}); there
// is no auth header. Amounts are reais. It documents no refund endpoint and
// no webhook signature.
package wiinpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/grimbots/grimbots/internal/gateway"
)

// Kind is WiinPay's gateway kind.
const Kind gateway.Kind = "wiinpay"

// DefaultBaseURL is WiinPay's current (v2) production API root.
const DefaultBaseURL = "https://api-v2.wiinpay.com.br"

// minAmountCents is WiinPay's minimum charge, R$ 3,00.
const minAmountCents = 300

var apiKeyPattern = regexp.MustCompile(`^\S{10,}$`)

// Driver describes WiinPay to the platform.
var Driver = gateway.Driver{
	Kind:           Kind,
	Name:           "WiinPay",
	DefaultBaseURL: DefaultBaseURL,
	Fields: append([]gateway.Field{
		{Name: "api_key", Label: "Chave de API", Secret: true, Required: true, Pattern: apiKeyPattern.String(),
			Help: "Chave de API do painel WiinPay."},
	}, gateway.PayerFieldsDeclared("name", "email")...),
	MinAmountCents: minAmountCents,
	// WiinPay's create call carries a payer name and e-mail and nothing else
	// about the payer; the reference always filled both.
	PayerFields:    []string{"name", "email"},
	HasStatusAPI:   true,
	SupportsRefund: false,
	SupportsSplit:  true,
	New:            New,
	ParseWebhook:   ParseWebhook,
}

// Client is a WiinPay client bound to one seller's credentials.
type Client struct {
	baseURL string
	http    *http.Client
	apiKey  string
	payer   *gateway.Payer // the seller's default payer; nil if not configured
}

// New validates the credentials' shape (no network) and returns a client.
// It returns an error wrapping gateway.ErrInvalidCredentials that names the
// faulty field, never its value.
func New(cfg gateway.Config) (gateway.Gateway, error) {
	key := strings.TrimSpace(cfg.Credentials["api_key"])
	if key == "" {
		return nil, fmt.Errorf("wiinpay: configuring: %w: api_key is required", gateway.ErrInvalidCredentials)
	}
	if !apiKeyPattern.MatchString(key) {
		return nil, fmt.Errorf("wiinpay: configuring: %w: api_key must be at least 10 characters without spaces", gateway.ErrInvalidCredentials)
	}
	payer := gateway.PayerFromCredentials(cfg.Credentials)
	if payer != nil && payer.Email != "" && !validEmail(payer.Email) {
		return nil, fmt.Errorf("wiinpay: configuring: %w: payer_email is not a valid e-mail address", gateway.ErrInvalidCredentials)
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: gateway.DefaultTimeout}
	}
	return &Client{baseURL: base, http: hc, apiKey: key, payer: payer}, nil
}

// get performs an authenticated GET /payment/{id}. The key travels in the
// query string because that is the only way WiinPay takes it on a GET.
func (c *Client) get(ctx context.Context, id string) ([]byte, error) {
	u := c.baseURL + "/payment/" + url.PathEscape(id) + "?" + url.Values{"api_key": {c.apiKey}}.Encode()
	raw, err := gateway.Do(ctx, c.http, gateway.Request{Method: http.MethodGet, URL: u}, nil)
	return raw, c.redact(err)
}

// ChargeStatus queries GET /payment/{id}?api_key=…, which the reference
// assumed answers in the webhook's shape. It returns gateway.ErrNotFound for
// an unknown charge.
func (c *Client) ChargeStatus(ctx context.Context, transactionID string) (*gateway.Event, error) {
	if strings.TrimSpace(transactionID) == "" {
		return nil, fmt.Errorf("wiinpay: querying charge: %w: empty transaction id", gateway.ErrRejected)
	}
	raw, err := c.get(ctx, transactionID)
	if err != nil {
		return nil, fmt.Errorf("wiinpay: querying charge: %w", err)
	}
	ev, err := ParseWebhook(nil, raw)
	if err != nil {
		// A 2xx answer we cannot read says nothing about the charge.
		return nil, fmt.Errorf("wiinpay: querying charge: %w: %w", gateway.ErrUnavailable, err)
	}
	if ev.TransactionID == "" {
		ev.TransactionID = transactionID
	}
	return ev, nil
}

// verifyProbe is a well-formed payment id (WiinPay ids are 24 hex digits)
// that no real payment has.
const verifyProbe = "000000000000000000000000"

// VerifyCredentials makes an authenticated read. WiinPay documents no
// account endpoint; the only read is the payment query, so it queries a
// payment that cannot exist: 401/403 means the key is refused, while 404 (or
// any 2xx) means WiinPay accepted the key and only failed to find the
// payment. The payment query is itself undocumented upstream, so a 404 there
// is weaker evidence than a dedicated endpoint would give.
func (c *Client) VerifyCredentials(ctx context.Context) error {
	_, err := c.get(ctx, verifyProbe)
	if err == nil || errors.Is(err, gateway.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("wiinpay: verifying credentials: %w", err)
}

// Refund returns gateway.ErrNotSupported: WiinPay documents no refund API.
func (c *Client) Refund(ctx context.Context, transactionID string, amountCents int64) error {
	return fmt.Errorf("wiinpay: refunding: %w", gateway.ErrNotSupported)
}

// redact keeps the API key out of error text. net/http puts the request URL
// (with the key in its query) into transport errors, and a provider may echo
// request fields (the key is one) in an error body. The result unwraps to
// the same gateway classification, but not to the leaking error itself, so
// nothing walking the chain (an error reporter) can print the key.
func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range []string{c.apiKey, url.QueryEscape(c.apiKey)} {
		clean = strings.ReplaceAll(clean, s, "[redacted]")
	}
	if clean == msg {
		return err
	}
	r := &redactedError{msg: clean}
	for _, kind := range []error{gateway.ErrInvalidCredentials, gateway.ErrNotFound, gateway.ErrRejected,
		gateway.ErrUnavailable, context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, kind) {
			r.kinds = append(r.kinds, kind)
		}
	}
	return r
}

type redactedError struct {
	msg   string
	kinds []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.kinds }
