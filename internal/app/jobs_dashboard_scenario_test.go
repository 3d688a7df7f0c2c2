package app_test

// The admins' job dashboard: River UI mounted at /admin/jobs/ on both
// engines, behind admin authentication and the cross-site protection, with
// its changes audited and its page free of inline script.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/grimbots/grimbots/internal/app/apptest"
	"github.com/grimbots/grimbots/internal/payments"
)

func init() {
	scenarios = append(scenarios,
		scenario{name: "jobs-dashboard/auth", run: testJobsDashboardAuth},
		scenario{name: "jobs-dashboard/failed-retry-cancel", run: testJobsDashboardRetryCancel},
		scenario{name: "jobs-dashboard/page", run: testJobsDashboardPage},
	)
}

const jobsUI = "/admin/jobs"

// sameOrigin is what a browser sends with the dashboard's own fetches.
var sameOrigin = []string{"Sec-Fetch-Site", "same-origin"}

type dashboardJob struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"max_attempts"`
	Queue       string    `json:"queue"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Errors      []struct {
		Attempt int    `json:"attempt"`
		Error   string `json:"error"`
	} `json:"errors"`
}

func dashboardJobGet(t *testing.T, c *apptest.Client, id int64) dashboardJob {
	t.Helper()
	res := c.Do("GET", path("%s/api/jobs/%d", jobsUI, id), nil).RequireStatus(t, http.StatusOK)
	var j dashboardJob
	if err := json.Unmarshal(res.Body, &j); err != nil {
		t.Fatalf("job %d: %v: %s", id, err, res)
	}
	return j
}

// waitJob polls the dashboard until job id satisfies done.
func waitJob(t *testing.T, c *apptest.Client, id int64, what string, done func(dashboardJob) bool) dashboardJob {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j := dashboardJobGet(t, c, id)
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never %s: %+v", id, what, j)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func dashboardList(t *testing.T, c *apptest.Client, query string) []dashboardJob {
	t.Helper()
	res := c.Do("GET", jobsUI+"/api/jobs?"+query, nil).RequireStatus(t, http.StatusOK)
	var out struct {
		Data []dashboardJob `json:"data"`
	}
	if err := json.Unmarshal(res.Body, &out); err != nil {
		t.Fatalf("job list: %v: %s", err, res)
	}
	return out.Data
}

func testJobsDashboardAuth(t *testing.T, h *apptest.Harness) {
	seller := h.RegisterSeller("maria")
	admin := h.CreateAdmin("root")
	_, sellerToken := seller.Client.CreateToken("script")
	_, adminToken := admin.Client.CreateToken("ops")
	paths := []struct{ method, path string }{
		{"GET", jobsUI + "/"},
		{"GET", jobsUI + "/jobs"},
		{"GET", jobsUI + "/api/jobs?state=discarded"},
		{"GET", jobsUI + "/api/queues"},
		{"GET", jobsUI + "/api/states"},
		{"POST", jobsUI + "/api/jobs/retry"},
		{"POST", jobsUI + "/api/jobs/cancel"},
		{"PUT", jobsUI + "/api/queues/default/pause"},
	}
	for _, p := range paths {
		body := map[string]any{"ids": []string{"1"}}
		res := h.NewClient().Do(p.method, p.path, body, sameOrigin...)
		requireProblem(t, res, http.StatusUnauthorized, "unauthorized")
		if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s: 401 without WWW-Authenticate", p.method, p.path)
		}
		requireProblem(t, seller.Client.Do(p.method, p.path, body, sameOrigin...), http.StatusForbidden, "forbidden")
		requireProblem(t, h.TokenClient(sellerToken).Do(p.method, p.path, body), http.StatusForbidden, "forbidden")
		requireProblem(t, h.SessionClient("not-a-session").Do(p.method, p.path, body, sameOrigin...),
			http.StatusUnauthorized, "unauthorized")
	}
	// Nothing the refused callers sent was audited.
	if entries, _ := audit(t, admin, "action=jobs.retry"); len(entries) != 0 {
		t.Fatalf("refused retries were audited: %v", entries)
	}

	// Admins get in with their session or an API token.
	res := admin.Client.Do("GET", jobsUI+"/", nil).RequireStatus(t, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("dashboard Content-Type %q", res.Header.Get("Content-Type"))
	}
	res = h.TokenClient(adminToken).Do("GET", jobsUI+"/api/queues", nil).RequireStatus(t, http.StatusOK)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("dashboard API Cache-Control %q, want no-store", res.Header.Get("Cache-Control"))
	}
	// The bare prefix leads to the dashboard.
	res = admin.Client.Do("GET", jobsUI, nil)
	if (res.Status != http.StatusMovedPermanently && res.Status != http.StatusTemporaryRedirect) || res.Header.Get("Location") != jobsUI+"/" {
		t.Fatalf("GET %s: %s (Location %q)", jobsUI, res, res.Header.Get("Location"))
	}
}

func testJobsDashboardRetryCancel(t *testing.T, h *apptest.Harness) {
	seller := h.RegisterSeller("maria")
	admin := h.CreateAdmin("root")
	ctx := context.Background()
	client := h.App.Jobs.Client()

	// A real worker with bad arguments: the sale job of a payment that does
	// not exist fails, and with one attempt allowed it is discarded.
	failing, err := client.Insert(ctx, payments.PaymentPaidJob{SellerID: seller.ID, PaymentID: 987654},
		&river.InsertOpts{MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Another, scheduled for later, to be cancelled before it runs.
	later, err := client.Insert(ctx, payments.PaymentPaidJob{SellerID: seller.ID, PaymentID: 987655},
		&river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	id := failing.Job.ID

	j := waitJob(t, admin.Client, id, "discarded", func(j dashboardJob) bool { return j.State == "discarded" })
	if j.Kind != "payment_paid" || j.Attempt != 1 || j.MaxAttempts != 1 || len(j.Errors) != 1 || j.Errors[0].Error == "" {
		t.Fatalf("failed job as the dashboard shows it: %+v", j)
	}
	failedWith := j.Errors[0].Error
	listed := dashboardList(t, admin.Client, "state=discarded&limit=50")
	if !slices.ContainsFunc(listed, func(l dashboardJob) bool { return l.ID == id && l.Kind == "payment_paid" }) {
		t.Fatalf("discarded list lacks job %d: %+v", id, listed)
	}
	res := admin.Client.Do("GET", jobsUI+"/api/states", nil).RequireStatus(t, http.StatusOK)
	if res.Int("discarded.count") < 1 || res.Int("scheduled.count") < 1 {
		t.Fatalf("state counts: %s", res)
	}
	res = admin.Client.Do("GET", jobsUI+"/api/queues", nil).RequireStatus(t, http.StatusOK)
	if !slices.ContainsFunc(res.List("data"), func(q any) bool { return q.(map[string]any)["name"] == "default" }) {
		t.Fatalf("queues: %s", res)
	}

	// A retry from another site, or by a seller, changes nothing.
	retry := map[string]any{"ids": []string{fmt.Sprint(id)}}
	requireProblem(t, admin.Client.Do("POST", jobsUI+"/api/jobs/retry", retry, "Sec-Fetch-Site", "cross-site"),
		http.StatusForbidden, "cross_site_refused")
	requireProblem(t, admin.Client.Do("POST", jobsUI+"/api/jobs/retry", retry, "Origin", "https://evil.example"),
		http.StatusForbidden, "cross_site_refused")
	requireProblem(t, seller.Client.Do("POST", jobsUI+"/api/jobs/retry", retry, sameOrigin...), http.StatusForbidden, "forbidden")
	if j := dashboardJobGet(t, admin.Client, id); j.State != "discarded" || j.Attempt != 1 {
		t.Fatalf("a refused retry changed the job: %+v", j)
	}

	// The admin retries it: it runs once more (and fails the same way).
	admin.Client.Do("POST", jobsUI+"/api/jobs/retry", retry, sameOrigin...).RequireStatus(t, http.StatusOK)
	j = waitJob(t, admin.Client, id, "retried", func(j dashboardJob) bool { return j.Attempt == 2 && j.State == "discarded" })
	if len(j.Errors) != 2 || j.Errors[1].Error != failedWith {
		t.Fatalf("retried job: %+v", j)
	}

	// The admin cancels the scheduled one.
	admin.Client.Do("POST", jobsUI+"/api/jobs/cancel", map[string]any{"ids": []string{fmt.Sprint(later.Job.ID)}}, sameOrigin...).
		RequireStatus(t, http.StatusOK)
	if j := dashboardJobGet(t, admin.Client, later.Job.ID); j.State != "cancelled" || j.Attempt != 0 {
		t.Fatalf("cancelled job: %+v", j)
	}
	if got := dashboardList(t, admin.Client, "state=cancelled"); !slices.ContainsFunc(got, func(l dashboardJob) bool { return l.ID == later.Job.ID }) {
		t.Fatalf("cancelled list lacks job %d: %+v", later.Job.ID, got)
	}
	// An unknown job is a 404, and is not audited.
	res = admin.Client.Do("POST", jobsUI+"/api/jobs/retry", map[string]any{"ids": []string{"99999999"}}, sameOrigin...)
	if res.Status != http.StatusNotFound {
		t.Fatalf("retrying an unknown job: %s", res)
	}

	// Pausing and resuming the queue work too.
	admin.Client.Do("PUT", jobsUI+"/api/queues/default/pause", nil, sameOrigin...).RequireStatus(t, http.StatusOK)
	admin.Client.Do("PUT", jobsUI+"/api/queues/default/resume", nil, sameOrigin...).RequireStatus(t, http.StatusOK)

	// Every change is in the audit log, by the admin, with what it touched.
	for action, want := range map[string]string{
		"jobs.retry":        fmt.Sprintf("job_ids:[%d]", id),
		"jobs.cancel":       fmt.Sprintf("job_ids:[%d]", later.Job.ID),
		"jobs.queue_pause":  "queue:default",
		"jobs.queue_resume": "queue:default",
	} {
		entries, total := audit(t, admin, "action="+action)
		if total != 1 {
			t.Fatalf("%s: %d audit entries: %v", action, total, entries)
		}
		e := entries[0]
		if num(e["actor_id"]) != admin.ID || e["ip"] == "" {
			t.Errorf("%s: audit entry %v", action, e)
		}
		if got := fmt.Sprint(e["details"]); !strings.Contains(strings.ReplaceAll(got, " ", ""), want) {
			t.Errorf("%s: audit details %s, want %s", action, got, want)
		}
	}
}

func testJobsDashboardPage(t *testing.T, h *apptest.Harness) {
	admin := h.CreateAdmin("root")
	res := admin.Client.Do("GET", jobsUI+"/", nil, "Accept", "text/html").RequireStatus(t, http.StatusOK)

	// The server's strict security headers hold here too.
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for d := range strings.SplitSeq(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	for name, want := range map[string]string{"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
		"object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'", "connect-src": "'self'"} {
		if directives[name] != want {
			t.Errorf("CSP %s %q, want %q (policy %q)", name, directives[name], want, csp)
		}
	}
	if strings.Contains(csp, "unsafe") || directives["style-src-elem"] != "" || directives["script-src-elem"] != "" || res.Header.Get("X-Frame-Options") != "DENY" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers: CSP %q, X-Frame-Options %q", csp, res.Header.Get("X-Frame-Options"))
	}

	// The document: every script is an external file of the dashboard's own
	// (or inert JSON data), with no inline style or event handler.
	var assets []string
	var config string
	dec := xml.NewDecoder(strings.NewReader(string(res.Body)))
	dec.Strict, dec.AutoClose, dec.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	inConfig := false
	var title string
	inTitle := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parsing the dashboard page: %v\n%s", err, res.Body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Name.Local)
				attrs[name] = a.Value
				if name == "style" || strings.HasPrefix(name, "on") {
					t.Errorf("inline %s attribute on <%s>", name, tok.Name.Local)
				}
			}
			switch strings.ToLower(tok.Name.Local) {
			case "style":
				t.Error("inline <style> element")
			case "script":
				switch {
				case attrs["type"] == "application/json":
					inConfig = true
				case attrs["src"] != "":
					assets = append(assets, attrs["src"])
				default:
					t.Errorf("inline script: %v", tok.Attr)
				}
			case "link":
				if attrs["rel"] == "stylesheet" {
					assets = append(assets, attrs["href"])
				}
			case "title":
				inTitle = true
			}
		case xml.CharData:
			if inConfig {
				config += string(tok)
			}
			if inTitle {
				title += string(tok)
			}
		case xml.EndElement:
			inConfig, inTitle = false, false
		}
	}
	if title == "" || len(assets) < 2 {
		t.Fatalf("dashboard page: title %q, assets %v\n%s", title, assets, res.Body)
	}
	var cfg struct {
		APIURL string `json:"apiUrl"`
		Base   string `json:"base"`
	}
	if err := json.Unmarshal([]byte(config), &cfg); err != nil || cfg.APIURL != jobsUI+"/api" || cfg.Base != jobsUI {
		t.Fatalf("dashboard config %q: %+v (%v)", config, cfg, err)
	}
	for _, src := range assets {
		if !strings.HasPrefix(src, jobsUI+"/assets/") {
			t.Errorf("asset %q is not served under %s", src, jobsUI)
			continue
		}
		a := admin.Client.Do("GET", src, nil).RequireStatus(t, http.StatusOK)
		ct := a.Header.Get("Content-Type")
		if len(a.Body) == 0 || !(strings.HasPrefix(ct, "text/javascript") || strings.HasPrefix(ct, "application/javascript") || strings.HasPrefix(ct, "text/css")) {
			t.Errorf("asset %s: Content-Type %q, %d bytes", src, ct, len(a.Body))
		}
		// Assets are the admins' too.
		requireProblem(t, h.NewClient().Do("GET", src, nil), http.StatusUnauthorized, "unauthorized")
	}
	// The same policy as everywhere else.
	if other := h.NewClient().Do("GET", "/healthz", nil).Header.Get("Content-Security-Policy"); other != csp {
		t.Errorf("dashboard CSP %q differs from the server's %q", csp, other)
	}
}
