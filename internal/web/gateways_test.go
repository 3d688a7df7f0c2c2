package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/payments"
)

const pushinToken = "pp_live_0123456789abcdefghij"

// fakePushinPay accepts pushinToken and refuses anything else.
func fakePushinPay(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer "+pushinToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"message":"Unauthenticated."}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Transação não encontrada"}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestGatewaysPage(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Env: map[string]string{"GATEWAY_BASE_URLS": "pushinpay=" + fakePushinPay(t)}})
	seller, other := h.RegisterSeller("gil"), h.RegisterSeller("hugo")

	// Every seller starts with the sandbox, active, with its webhook URL.
	d := get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireText("Sandbox", "ativo", "verificado")
	urls := d.all("code.webhook-url")
	if len(urls) != 1 || !strings.Contains(text(urls[0]), "/webhooks/sandbox/") {
		t.Fatalf("webhook URLs %d", len(urls))
	}
	copyBtn := d.one("button[data-copy]")
	if attr(copyBtn, "data-copy") != text(urls[0]) {
		t.Errorf("copy button copies %q", attr(copyBtn, "data-copy"))
	}

	// A bad token: the form comes back open with the error inline.
	res := post(t, seller.Client, "/gateways", form("kind", "pushinpay", "credentials.api_key", "short"))
	res.RequireStatus(t, http.StatusUnprocessableEntity)
	d = parse(t, res)
	d.one("details[open]")
	d.requireText("Formato inválido.")

	// A token the gateway refuses: added, not verified, with the reason.
	requireRedirect(t, post(t, seller.Client, "/gateways", form("kind", "pushinpay",
		"credentials.api_key", "pp_live_refused_refused_refused")), "/gateways")
	d = get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireText("Credenciais recusadas pelo gateway.")
	d.requireNoText("pp_live_refused_refused_refused")

	// A good one replaces it: verified, masked, then activated and
	// prioritised.
	views, err := h.App.Payments.Gateways(t.Context(), seller.ID)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, g := range views {
		if g.Account.Kind == "pushinpay" {
			id = g.Account.ID
		}
	}
	requireRedirect(t, post(t, seller.Client, "/gateways/"+itoa(id)+"/credentials", form("credentials.api_key", pushinToken)),
		"/gateways")
	d = get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireNoText(pushinToken)
	d.requireText("••••••ghij")
	d.one("form[action=/gateways/" + itoa(id) + "/activate]")
	requireRedirect(t, post(t, seller.Client, "/gateways/"+itoa(id)+"/activate", nil), "/gateways")
	requireRedirect(t, post(t, seller.Client, "/gateways/"+itoa(id)+"/priority", form("priority", "1")), "/gateways")
	d = get(t, seller.Client, "/gateways", http.StatusOK)
	d.one("form[action=/gateways/" + itoa(id) + "/deactivate]")
	first := d.all("section.gateway")[0]
	if attr(first, "id") != "gateway-"+itoa(id) {
		t.Errorf("the gateway with priority 1 is not listed first: %s", attr(first, "id"))
	}

	// Another seller can neither see nor touch it.
	d = get(t, other.Client, "/gateways", http.StatusOK)
	d.requireNoText("••••••ghij")
	if n := len(d.all("section.gateway")); n != 1 {
		t.Errorf("the other seller sees %d gateways, want only their sandbox", n)
	}
	res = post(t, other.Client, "/gateways/"+itoa(id)+"/delete", nil)
	res.RequireStatus(t, http.StatusNotFound)
	parse(t, res).requireText("Página não encontrada")

	requireRedirect(t, post(t, seller.Client, "/gateways/"+itoa(id)+"/delete", nil), "/gateways")
	get(t, seller.Client, "/gateways", http.StatusOK).requireNoText("••••••ghij")
}

// The seller plays the sandbox bank from the gateways page.
func TestSandboxChargesSettledFromTheGatewaysPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, apptest.SQLite)
	seller, other := w.h.RegisterSeller("rui"), w.h.RegisterSeller("sol")
	d := get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireText("Nenhum PIX de teste pendente.")
	p, err := w.h.App.Payments.Checkout(t.Context(), payments.CheckoutParams{SellerID: seller.ID, AmountCents: 4590,
		Description: "Mentoria teste"})
	if err != nil {
		t.Fatal(err)
	}
	d = get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireText("Mentoria teste", "R$ 45,90")
	pay := "/gateways/sandbox/" + itoa(p.ID) + "/paid"
	d.one("#pending-" + itoa(p.ID) + " form[action=" + pay + "]")
	get(t, other.Client, "/gateways", http.StatusOK).requireNoText("Mentoria teste")
	post(t, other.Client, pay, nil).RequireStatus(t, http.StatusNotFound)

	requireRedirect(t, post(t, seller.Client, pay, nil), "/gateways")
	d = get(t, seller.Client, "/gateways", http.StatusOK)
	d.requireText("venda foi confirmada", "Nenhum PIX de teste pendente.")
	get(t, seller.Client, "/dashboard", http.StatusOK).requireText("Mentoria teste", "R$ 45,90")
	// Paying twice is refused by the payment's state, not applied again.
	res := post(t, seller.Client, pay, nil)
	if res.Status == http.StatusSeeOther {
		get(t, seller.Client, "/dashboard", http.StatusOK).requireText("R$ 45,90")
	}
}
