package atomopay

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

func TestCreateChargeRefusals(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		want   error
	}{
		"refused without PIX": {201, fixtureRefused, gateway.ErrRejected},
		"success false":       {201, `{"success": false, "message": "Oferta inválida"}`, gateway.ErrRejected},
		"error body":          {200, `{"error": "customer.document invalid"}`, gateway.ErrRejected},
		"pending without PIX": {201, `{"success": true, "data": {"id": 1, "hash": "trx_1", "payment_status": "pending", "pix": {}}}`, gateway.ErrUnavailable},
		"no id":               {201, `{"success": true, "data": {"pix": {"pix_qr_code": "000201"}}}`, gateway.ErrUnavailable},
		"timeout":             {201, "slow", gateway.ErrUnavailable},
		"401":                 {401, `{"message": "Unauthenticated."}`, gateway.ErrInvalidCredentials},
		"403":                 {403, `{"message": "Forbidden"}`, gateway.ErrInvalidCredentials},
		"422":                 {422, `{"message": "The amount field is invalid"}`, gateway.ErrRejected},
		"404":                 {404, `{"message": "Offer not found"}`, gateway.ErrRejected},
		"500":                 {500, `oops`, gateway.ErrUnavailable},
		"malformed JSON":      {201, `{"success": true, "data": {`, gateway.ErrUnavailable},
		"HTML login page 200": {200, `<!doctype html><html><body>Login</body></html>`, gateway.ErrUnavailable},
		"JSON array, not obj": {201, `[1,2]`, gateway.ErrUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			rep := reply{tc.status, tc.body, 0}
			if tc.body == "slow" {
				rep = reply{201, fixtureCreated, time.Second}
			}
			f := newFake(t, map[string]reply{"GET /products/prd_7f3a9c": {200, fixtureProduct, 0}, "POST /transactions": rep})
			c, err := newClient(configFor(f.URL, map[string]string{"api_token": testToken, "product_hash": "prd_7f3a9c"}, 200*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateCharge(context.Background(), chargeReq(1990))
			if !errors.Is(err, tc.want) || classes(err) != 1 {
				t.Fatalf("err = %v, want only %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "atomopay: creating charge: ") || strings.Contains(err.Error(), testToken) {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestCreateChargeRefusedBeforeAnyCall(t *testing.T) {
	f := newFake(t, map[string]reply{})
	c := f.client(t, map[string]string{"product_hash": "prd_7f3a9c"})
	noPhone := *buyer
	noPhone.Phone = ""
	for name, req := range map[string]gateway.ChargeRequest{
		"no payer":      {Reference: "r", AmountCents: 1990},
		"payer w/o tel": {Reference: "r", AmountCents: 1990, Payer: &noPhone},
		"below minimum": {Reference: "r", AmountCents: 49, Payer: buyer},
		"above maximum": {Reference: "r", AmountCents: 100_000_001, Payer: buyer},
	} {
		_, err := c.CreateCharge(context.Background(), req)
		if !errors.Is(err, gateway.ErrRejected) {
			t.Errorf("%s: err = %v", name, err)
		}
		if name == "payer w/o tel" && !strings.Contains(err.Error(), "payer phone") {
			t.Errorf("%s: error does not name the field: %v", name, err)
		}
	}
	if n := len(f.Calls()); n != 0 {
		t.Errorf("%d HTTP calls", n)
	}
}

func TestUnknownProductIsRejected(t *testing.T) {
	f := newFake(t, map[string]reply{"GET /products/prd_gone": {404, `{"success": false}`, 0}})
	_, err := f.client(t, map[string]string{"product_hash": "prd_gone"}).CreateCharge(context.Background(), chargeReq(1990))
	if !errors.Is(err, gateway.ErrRejected) {
		t.Errorf("err = %v", err)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	f := newFake(t, nil)
	c := f.client(t, map[string]string{"product_hash": "prd_7f3a9c"})
	f.Close() // connection refused: net/http reports the URL
	_, err := c.CreateCharge(context.Background(), chargeReq(1990))
	if !errors.Is(err, gateway.ErrUnavailable) || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v", err)
	}
	if err := c.VerifyCredentials(context.Background()); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v", err)
	}
}

// classes counts the gateway sentinels err wraps: callers branch on them,
// so an error must carry exactly one.
func classes(err error) int {
	n := 0
	for _, s := range []error{gateway.ErrInvalidCredentials, gateway.ErrNotSupported, gateway.ErrNotFound,
		gateway.ErrRejected, gateway.ErrUnavailable, gateway.ErrMalformed, gateway.ErrIgnored, gateway.ErrBadSignature} {
		if errors.Is(err, s) {
			n++
		}
	}
	return n
}
