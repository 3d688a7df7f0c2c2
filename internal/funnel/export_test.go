package funnel

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/grimbots/grimbots/internal/grimbots"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n%s", path, got)
	}
}

func TestExportGolden(t *testing.T) {
	for name, c := range map[string]*Config{"default.golden.json": Default("Loja"), "example.golden.json": exampleConfig()} {
		b, err := Export(c)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, b)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	for _, c := range []*Config{Default("Loja"), exampleConfig()} {
		b, err := Export(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Import(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Import(Export(c)) = %s", fieldErrors(err))
		}
		if want := c.normalized(); !reflect.DeepEqual(got, want) {
			t.Errorf("round trip changed the config:\n got %+v\nwant %+v", got, want)
		}
		again, _ := Export(got)
		if !bytes.Equal(again, b) {
			t.Errorf("second export differs:\n%s\n%s", b, again)
		}
	}
}

func TestExportDoesNotModifyItsArgument(t *testing.T) {
	c := exampleConfig()
	c.Offers[1].Bumps, c.URLButtons = nil, nil
	if _, err := Export(c); err != nil {
		t.Fatal(err)
	}
	if c.Offers[1].Bumps != nil || c.URLButtons != nil {
		t.Error("Export normalised its argument")
	}
}

func TestImportErrors(t *testing.T) {
	valid, _ := Export(exampleConfig())
	edit := func(old, repl string) string {
		if !bytes.Contains(valid, []byte(old)) {
			t.Fatalf("%q is not in the example", old)
		}
		return strings.Replace(string(valid), old, repl, 1)
	}
	tests := []struct {
		name, in string
		fields   []string
		detail   string
	}{
		{"empty", "", []string{"body"}, "is empty"},
		{"blank", " \n", []string{"body"}, "is empty"},
		{"too large", `{"schema": 1, "x": "` + strings.Repeat("a", MaxDocumentBytes) + `"}`, []string{"body"}, "256 KiB"},
		{"not UTF-8", "{\"schema\": \"\xff\"}", []string{"body"}, "UTF-8"},
		{"syntax", `{"schema": 1,}`, []string{"body"}, "at byte"},
		{"truncated", `{"schema": 1`, []string{"body"}, "ends too early"},
		{"two values", `{} {}`, []string{"body"}, "single JSON object"},
		{"trailing garbage", string(valid) + "x", []string{"body"}, "single JSON object"},
		{"array", `[]`, []string{"body"}, "must be a JSON object"},
		{"null", `null`, []string{"body"}, "must be a JSON object"},
		{"string", `"x"`, []string{"body"}, "must be a JSON object"},
		{"unknown field", edit(`"schema": 1,`, `"schema": 1, "main_buttons": [],`), []string{"main_buttons"}, "not a known field"},
		{"field name case", edit(`"schema": 1,`, `"Schema": 1,`), []string{"Schema"}, "not a known field"},
		{"nested unknown field", edit(`"id": "vip",`, `"id": "vip", "price": 19.97,`), []string{"offers[0].price"}, "not a known field"},
		{"float price", edit(`"price_cents": 1997`, `"price_cents": 19.97`), []string{"offers[0].price_cents"}, "whole number"},
		{"string price", edit(`"price_cents": 1997`, `"price_cents": "1997"`), []string{"offers[0].price_cents"}, "must be a number"},
		{"huge price", edit(`"price_cents": 1997`, `"price_cents": 1e30`), []string{"offers[0].price_cents"}, "whole number"},
		{"int overflow", edit(`"price_cents": 1997`, `"price_cents": 9223372036854775808`), []string{"offers[0].price_cents"}, "within range"},
		{"number as text", edit(`"id": "vip"`, `"id": 7`), []string{"offers[0].id"}, "must be a string"},
		{"object as list", `{"schema": 1, "offers": {}}`, []string{"offers"}, "must be a list"},
		{"null struct", `{"schema": 1, "welcome": null}`, []string{"welcome"}, "must not be null"},
		{"null string", `{"schema": null}`, []string{"schema"}, "must not be null"},
		{"list as object", `{"welcome": []}`, []string{"welcome"}, "must be an object"},
		{"bool", `{"schema": true}`, []string{"schema"}, "must be a number"},
		{"several", `{"schema": "1", "offers": [{"id": 1, "bumps": [{"x": 1}]}], "zz": 1, "aa": 2}`,
			[]string{"schema", "offers[0].id", "offers[0].bumps[0].x", "aa", "zz"}, ""},
		// A document that decodes is validated.
		{"invalid", edit(`"price_cents": 1997`, `"price_cents": 10`), []string{"offers[0].price_cents"}, "at least"},
		{"schema missing", `{"welcome": {"text": "oi"}}`, []string{"schema", "offers"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Import(strings.NewReader(tt.in))
			if c != nil {
				t.Errorf("Import returned a config with an error")
			}
			if got := fieldsOf(t, err); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %q, want %q; %s", got, tt.fields, fieldErrors(err))
			}
			if msg := err.(*grimbots.Error).Fields[0].Message; !strings.Contains(msg, tt.detail) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.detail)
			}
		})
	}
}

func TestImportAcceptsNullListsAndOmittedOptionals(t *testing.T) {
	in := `{"schema": 1, "welcome": {"text": "Oi, {nome}!"}, "offers": [{"id": "a", "button": "A", "price_cents": 50,
		"delivery": {"access_link": "https://t.me/+a"}, "bumps": null}], "downsells": null, "texts": {}}`
	c, err := Import(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Import = %s", fieldErrors(err))
	}
	if c.Offers[0].Bumps == nil || c.Downsells == nil || c.Upsells == nil || c.URLButtons == nil {
		t.Errorf("lists not normalised: %+v", c)
	}
}

func TestImportReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Import(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || grimbots.ErrorCode(err) != grimbots.EINTERNAL {
		t.Fatalf("Import = %v, want the read error", err)
	}
}

// FuzzImport: Import never panics, and whatever it accepts is valid and
// survives Export and Import unchanged.
func FuzzImport(f *testing.F) {
	for _, c := range []*Config{Default("Loja"), exampleConfig()} {
		b, _ := Export(c)
		f.Add(b)
	}
	f.Add([]byte(`{"schema": 1, "offers": [{"id": "a", "bumps": null}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Import(bytes.NewReader(in))
		if err != nil {
			if grimbots.ErrorCode(err) != grimbots.EINVALID {
				t.Fatalf("Import error %v is not EINVALID", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %s", fieldErrors(err))
		}
		out, err := Export(c)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Import(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-import failed: %s\n%s", fieldErrors(err), out)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("re-import differs:\n got %+v\nwant %+v", again, c)
		}
		if out2, _ := Export(again); !bytes.Equal(out2, out) {
			t.Fatalf("re-export differs:\n%s\n%s", out, out2)
		}
	})
}

// The seed corpus exercises both outcomes: documents in our schema are
// accepted, the reference v2.1 shape is rejected field by field.
func TestFuzzImportSeeds(t *testing.T) {
	seed := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzImport", name))
		if err != nil {
			t.Fatal(err)
		}
		_, lit, _ := strings.Cut(strings.TrimSpace(string(b)), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return []byte(s)
	}
	for _, name := range []string{"default", "example", "reference_minimal", "html_and_entities"} {
		if _, err := Import(bytes.NewReader(seed(name))); err != nil {
			t.Errorf("%s: Import = %s", name, fieldErrors(err))
		}
	}
	_, err := Import(bytes.NewReader(seed("reference_v21")))
	got := fieldsOf(t, err)
	for _, f := range []string{"main_buttons", "welcome_message", "access_link", "downsells[0].delay_minutes", "upsells[0].trigger_product"} {
		if !slices.Contains(got, f) {
			t.Errorf("reference_v21: fields = %q, want %q among them", got, f)
		}
	}
}
