package atomopay

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sync"
	"testing"
	"time"
)

const testToken = "tok_s3cr3t_atomo"

// Fixtures from the reference, §5.6.
const (
	fixtureProduct = `{"success": true, "data": {"hash": "prd_7f3a9c", "title": "Curso X", "offers": [{"hash": "ofr_19c0de", "title": "Oferta R$ 19.90", "price": 1990, "producer": {"hash": "pdc_4b2e91"}}]}}`
	fixtureOffer   = `{"success": true, "data": {"hash": "ofr_29d1ef", "title": "Oferta R$ 29.90", "price": 2990, "producer": {"hash": "pdc_4b2e91"}}}`
	fixtureNewProd = `{"success": true, "data": {"hash": "prd_7f3a9c", "title": "Curso X", "tangible": false}}`
	fixtureCreated = `{"success": true, "data": {"id": 987654, "hash": "trx_5e8c1a2b3c",
		"reference": "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c", "payment_method": "pix", "payment_status": "pending",
		"amount": 1990, "producer": {"hash": "pdc_4b2e91"},
		"pix": {"pix_qr_code": "00020101021226820014br.gov.bcb.pix2560pix.atomopay.example/qr/trx5e8c1a2b3c5204000053039865406019.905802BR5905ATOMO6009SAO PAULO62070503***6304ABCD",
			"pix_url": "https://pay.atomopay.example/pix/trx_5e8c1a2b3c.png",
			"pix_base64": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="}}}`
	fixtureRefused = `{"success": true, "data": {"id": 987655, "hash": "trx_refused01", "payment_status": "refused", "amount": 1990, "producer": {"hash": "pdc_4b2e91"}, "pix": {}}}`
	fixtureStatus  = `{"success": true, "data": {"id": 987654, "hash": "trx_5e8c1a2b3c", "payment_status": "paid", "amount": 1990, "reference": "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c", "producer": {"hash": "pdc_4b2e91"}}}`
	fixtureWebhook = `{"id": 987654, "hash": "trx_5e8c1a2b3c", "payment_status": "paid", "payment_method": "pix", "amount": 1990,
		"reference": "BOT12-1730000000-a1b2c3d4-1730000000123-9f8e7d6c", "producer": {"hash": "pdc_4b2e91"},
		"offer": {"hash": "ofr_19c0de", "producer": {"hash": "pdc_4b2e91"}},
		"items": [{"product_hash": "prd_7f3a9c", "offer_hash": "ofr_19c0de", "price": 1990, "quantity": 1}],
		"customer": {"name": "Cliente Bot 654321", "email": "pixBOT121730abcd1234@bot.digital", "phone_number": "11912345678"}}`
)

// call is one request the fake received.
type call struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// reply is the fake's answer to a route ("METHOD /path").
type reply struct {
	status int
	body   string
	delay  time.Duration
}

type fake struct {
	*httptest.Server
	t      *testing.T
	mu     sync.Mutex
	calls  []call
	routes map[string]reply
}

func newFake(t *testing.T, routes map[string]reply) *fake {
	f := &fake{t: t, routes: routes}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.calls = append(f.calls, call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body})
		rep, ok := f.routes[r.Method+" "+r.URL.Path]
		f.mu.Unlock()
		if !ok {
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusTeapot)
			return
		}
		if rep.delay > 0 {
			select {
			case <-time.After(rep.delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fake) Calls() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// client builds an adapter against the fake with the given credentials
// (api_token is always set).
func (f *fake) client(t *testing.T, creds map[string]string) *Client {
	t.Helper()
	c := map[string]string{"api_token": testToken}
	for k, v := range creds {
		c[k] = v
	}
	cl, err := newClient(configFor(f.URL+"/", c, 2*time.Second))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return cl
}

// assertJSON compares two JSON documents structurally, numbers exactly.
func assertJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	g, err1 := decode(got)
	w, err2 := decode([]byte(want))
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: decoding: %v / %v (got %s)", what, err1, err2, got)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, compact(want))
	}
}

func compact(s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return s
	}
	return b.String()
}

// assertAuth checks the headers and the api_token every call must carry.
func assertAuth(t *testing.T, c call, extra url.Values) {
	t.Helper()
	want := url.Values{"api_token": {testToken}}
	for k, v := range extra {
		want[k] = v
	}
	if !reflect.DeepEqual(c.Query, want) {
		t.Errorf("%s %s: query %v, want %v", c.Method, c.Path, c.Query, want)
	}
	if got := c.Header.Get("Accept"); got != "application/json" {
		t.Errorf("%s %s: Accept %q", c.Method, c.Path, got)
	}
	if len(c.Body) > 0 && c.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s %s: Content-Type %q", c.Method, c.Path, c.Header.Get("Content-Type"))
	}
}
