package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/grimbots/grimbots/internal/app/apptest"
)

// doc is a rendered page, parsed.
type doc struct {
	t    testing.TB
	res  *apptest.Response
	root *html.Node
}

func parse(t testing.TB, res *apptest.Response) *doc {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatalf("%s: parsing the page: %v", res.Path, err)
	}
	d := &doc{t: t, res: res, root: root}
	d.requireStrictMarkup()
	return d
}

// get fetches a page and requires status want.
func get(t testing.TB, c *apptest.Client, path string, want int) *doc {
	t.Helper()
	res := c.Do("GET", path, nil)
	res.RequireStatus(t, want)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	return parse(t, res)
}

// post submits a form the way a browser on the same site does.
func post(t testing.TB, c *apptest.Client, path string, form url.Values) *apptest.Response {
	t.Helper()
	return c.Do("POST", path, []byte(form.Encode()), "Content-Type", "application/x-www-form-urlencoded",
		"Sec-Fetch-Site", "same-origin")
}

// form builds url.Values from name, value pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// requireRedirect checks a 303 to a location starting with prefix.
func requireRedirect(t testing.TB, res *apptest.Response, prefix string) {
	t.Helper()
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), prefix) {
		t.Fatalf("%s %s: want a redirect to %s, got %d %q", res.Method, res.Path, prefix, res.Status, res.Header.Get("Location"))
	}
}

// requireStrictMarkup fails on anything the strict CSP would block or that
// would need it relaxed: inline scripts, style elements and attributes,
// inline event handlers, javascript: URLs.
func (d *doc) requireStrictMarkup() {
	d.t.Helper()
	walk(d.root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "style" {
			d.t.Errorf("%s: inline <style> element", d.res.Path)
		}
		if n.Data == "script" && (attr(n, "src") == "" || text(n) != "") {
			d.t.Errorf("%s: inline <script>", d.res.Path)
		}
		for _, a := range n.Attr {
			switch {
			case a.Key == "style":
				d.t.Errorf("%s: style attribute on <%s>", d.res.Path, n.Data)
			case strings.HasPrefix(a.Key, "on"):
				d.t.Errorf("%s: inline event handler %s on <%s>", d.res.Path, a.Key, n.Data)
			case (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
				strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:"):
				d.t.Errorf("%s: javascript: URL on <%s>", d.res.Path, n.Data)
			}
		}
	})
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// matches reports whether n matches a simple selector: tag, #id, .class,
// [attr] or [attr=value], combined without spaces ("a.btn[href=/bots]").
func matches(n *html.Node, sel string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	i := strings.IndexAny(sel, "#.[")
	if i < 0 {
		i = len(sel)
	}
	if tag := sel[:i]; tag != "" && n.Data != tag {
		return false
	}
	for rest := sel[i:]; rest != ""; {
		kind := rest[0]
		var token string
		if kind == '[' {
			end := strings.IndexByte(rest, ']')
			token, rest = rest[1:end], rest[end+1:]
		} else {
			end := strings.IndexAny(rest[1:], "#.[")
			if end < 0 {
				end = len(rest) - 1
			}
			token, rest = rest[1:end+1], rest[end+1:]
		}
		ok := false
		switch kind {
		case '#':
			ok = attr(n, "id") == token
		case '.':
			for _, c := range strings.Fields(attr(n, "class")) {
				ok = ok || c == token
			}
		case '[':
			key, val, hasVal := strings.Cut(token, "=")
			for _, a := range n.Attr {
				ok = ok || (a.Key == key && (!hasVal || a.Val == strings.Trim(val, `"`)))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// all returns the elements matching sel, in document order. sel is simple
// selectors separated by spaces (descendants).
func (d *doc) all(sel string) []*html.Node {
	parts := strings.Fields(sel)
	var out []*html.Node
	walk(d.root, func(n *html.Node) {
		if !matches(n, parts[len(parts)-1]) {
			return
		}
		i := len(parts) - 2
		for a := n.Parent; a != nil && i >= 0; a = a.Parent {
			if matches(a, parts[i]) {
				i--
			}
		}
		if i < 0 {
			out = append(out, n)
		}
	})
	return out
}

// one returns the single element matching sel.
func (d *doc) one(sel string) *html.Node {
	d.t.Helper()
	list := d.all(sel)
	if len(list) != 1 {
		d.t.Fatalf("%s: %d elements match %q, want 1", d.res.Path, len(list), sel)
	}
	return list[0]
}

// text is the page's visible text.
func (d *doc) text() string {
	body := d.all("body")
	if len(body) == 0 {
		return ""
	}
	return text(body[0])
}

// requireText fails unless the page's text contains each of want.
func (d *doc) requireText(want ...string) {
	d.t.Helper()
	all := d.text()
	for _, w := range want {
		if !strings.Contains(all, w) {
			d.t.Errorf("%s: page text lacks %q:\n%s", d.res.Path, w, all)
		}
	}
}

// requireNoText fails if the page's text contains any of unwanted.
func (d *doc) requireNoText(unwanted ...string) {
	d.t.Helper()
	all := d.text()
	for _, w := range unwanted {
		if strings.Contains(all, w) {
			d.t.Errorf("%s: page text shows %q:\n%s", d.res.Path, w, all)
		}
	}
}
