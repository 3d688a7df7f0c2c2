package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

//go:embed static
var staticFiles embed.FS

// staticHashes maps each static file to a hash of its content, put in its
// URL so browsers may cache it for a year and still see every change.
var staticHashes = func() map[string]string {
	out := map[string]string{}
	entries, _ := staticFiles.ReadDir("static")
	for _, e := range entries {
		b, _ := staticFiles.ReadFile("static/" + e.Name())
		sum := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return out
}()

func staticURL(name string) string {
	return "/static/" + name + "?v=" + staticHashes[name]
}

func staticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("file")
		hash, ok := staticHashes[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := staticFiles.ReadFile("static/" + name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == hash {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
		w.Header().Set("ETag", `"`+hash+`"`)
		_, _ = w.Write(b)
	})
}

var templateFuncs = template.FuncMap{
	"t":      T,
	"static": staticURL,
	"money":  func(c int64) string { return grimbots.Cents(c).String() },
	"pct":    percent,
	"number": thousands,
	"datetime": func(loc *time.Location, t time.Time) string {
		return t.In(loc).Format("02/01/2006 15:04")
	},
	"date": func(loc *time.Location, t time.Time) string { return t.In(loc).Format("02/01/2006") },
	"deref": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"field": newField,
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"add":  func(a, b int) int { return a + b },
	"itoa": itoa,
	"list": func(items ...string) []string { return items },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

// percent formats basis points the Brazilian way: 1250 → "12,5%".
func percent(bps int64) string {
	whole, frac := bps/100, bps%100
	if frac == 0 {
		return strconv.FormatInt(whole, 10) + "%"
	}
	s := strconv.FormatInt(whole, 10) + "," + strconv.FormatInt(frac/10, 10)
	if frac%10 != 0 {
		s += strconv.FormatInt(frac%10, 10)
	}
	return s + "%"
}

// thousands formats an integer the Brazilian way: 12345 → "12.345".
func thousands(n int64) string {
	sign, v := "", uint64(n)
	if n < 0 {
		sign, v = "-", -v
	}
	digits := strconv.FormatUint(v, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formField is one labelled input with its submitted value and error.
type formField struct {
	Name, Type, Label, Value, Error, Help, Autocomplete string
	Required                                            bool
}

// newField describes an input for the "input" partial: field view name
// type labelKey [autocomplete]. Passwords are never filled in again.
func newField(v *view, name, typ, labelKey string, extra ...string) formField {
	f := formField{Name: name, Type: typ, Label: T(labelKey), Error: v.Errors[name], Required: true}
	if typ != "password" {
		f.Value = v.Form.Get(name)
	}
	if len(extra) > 0 {
		f.Autocomplete = extra[0]
	}
	if len(extra) > 1 {
		f.Help = T(extra[1])
	}
	return f
}

func asError(err error, target **grimbots.Error) bool { return errors.As(err, target) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
