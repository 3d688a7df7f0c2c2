package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/gateway"
)

func TestParseReaisIsExact(t *testing.T) {
	for in, want := range map[any]int64{
		json.Number("19.90"): 1990, json.Number("19.9"): 1990, "19,90": 1990, 19.9: 1990, 19.99: 1999, 0.29: 29,
		json.Number("1234.5"): 123450, "0.005": 1, "0.004": 0, json.Number("10"): 1000, 3: 300, nil: 0, "-1.50": -150,
	} {
		got, err := gateway.ParseReais(in)
		if err != nil || got != want {
			t.Errorf("ParseReais(%#v) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"abc", json.Number("1e3"), []any{}, "1.2.3"} {
		if _, err := gateway.ParseReais(bad); !errors.Is(err, gateway.ErrMalformed) {
			t.Errorf("ParseReais(%#v) err = %v", bad, err)
		}
	}
	for cents, want := range map[int64]string{1990: "19.90", 5: "0.05", 100000: "1000.00", -150: "-1.50"} {
		if got := gateway.ReaisString(cents); got != want {
			t.Errorf("ReaisString(%d) = %s, want %s", cents, got, want)
		}
		b, _ := json.Marshal(struct{ V gateway.Reais }{gateway.Reais(cents)})
		if string(b) != `{"V":`+want+`}` {
			t.Errorf("Reais(%d) marshals as %s", cents, b)
		}
	}
}

func TestDocuments(t *testing.T) {
	for doc, ok := range map[string]bool{"12345678909": true, "52998224725": true, "12345678900": false, "11111111111": false,
		"1234567890": false, "1234567890a": false} {
		if gateway.ValidCPF(doc) != ok {
			t.Errorf("ValidCPF(%s) != %v", doc, ok)
		}
	}
	for doc, ok := range map[string]bool{"11222333000181": true, "11222333000180": false, "00000000000000": false} {
		if gateway.ValidCNPJ(doc) != ok {
			t.Errorf("ValidCNPJ(%s) != %v", doc, ok)
		}
	}
	if p := gateway.PayerFromCredentials(gateway.Credentials{"api_key": "x"}); p != nil {
		t.Errorf("payer from credentials without payer fields: %+v", p)
	}
	p := gateway.PayerFromCredentials(gateway.Credentials{"payer_document": "123.456.789-09", "payer_name": " Loja "})
	if p == nil || p.Document != "12345678909" || p.Name != "Loja" {
		t.Errorf("payer = %+v", p)
	}
}

func TestDoClassifiesFailures(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte(`{"id":"tx1"}`))
		case "/html":
			_, _ = w.Write([]byte(`<html>login</html>`))
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			code := map[string]int{"/401": 401, "/403": 403, "/404": 404, "/422": 422, "/429": 429, "/500": 500, "/502": 502}[r.URL.Path]
			w.WriteHeader(code)
			_, _ = w.Write([]byte(`{"error":"nope"}`))
		}
	}))
	defer srv.Close()
	client := &http.Client{Timeout: 100 * time.Millisecond}
	var out struct{ ID string }
	if _, err := gateway.Do(context.Background(), client, gateway.Request{Method: "GET", URL: srv.URL + "/ok"}, &out); err != nil || out.ID != "tx1" {
		t.Fatalf("ok: %v %+v", err, out)
	}
	for path, want := range map[string]error{"/401": gateway.ErrInvalidCredentials, "/403": gateway.ErrInvalidCredentials,
		"/404": gateway.ErrNotFound, "/422": gateway.ErrRejected, "/429": gateway.ErrUnavailable, "/500": gateway.ErrUnavailable,
		"/502": gateway.ErrUnavailable, "/html": gateway.ErrUnavailable, "/slow": gateway.ErrUnavailable} {
		_, err := gateway.Do(context.Background(), client, gateway.Request{Method: "POST", URL: srv.URL + path, Body: map[string]int{"a": 1}}, &out)
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", path, err, want)
		}
	}
}
