package funnel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// MaxDocumentBytes bounds an imported document. A document at every limit
// with long texts stays far below it.
const MaxDocumentBytes = 256 << 10

// maxFieldErrors bounds the field errors of one answer; a hostile document
// could otherwise produce thousands.
const maxFieldErrors = 100

// Export returns c as an indented JSON document: fields in a fixed order,
// lists always present, HTML left unescaped so that a seller can read and
// edit it. Import(Export(c)) equals c.
func Export(c *Config) ([]byte, error) {
	if c == nil {
		return nil, errors.New("funnel: exporting a nil configuration")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c.normalized()); err != nil {
		return nil, fmt.Errorf("funnel: exporting the configuration: %w", err)
	}
	return b.Bytes(), nil
}

// Import reads a JSON document and returns it as a valid Config. It is
// strict: at most MaxDocumentBytes of UTF-8, exactly one JSON object, no
// unknown fields (names match exactly), integers where integers belong.
// Every problem is an EINVALID *grimbots.Error naming the field by its JSON
// path ("offers[0].price_cents"), or "body" for the document as a whole; a
// document that decodes is then checked with Validate. Only a read error
// from r is returned as is.
func Import(r io.Reader) (*Config, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("funnel: reading the configuration: %w", err)
	}
	c, err := decode(b)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func decode(b []byte) (*Config, error) {
	body := func(message string) error {
		return grimbots.Invalid("funnel configuration is invalid", grimbots.FieldError{Field: "body", Message: message})
	}
	if len(b) > MaxDocumentBytes {
		return nil, body(fmt.Sprintf("must be at most %d KiB", MaxDocumentBytes>>10))
	}
	if !utf8.Valid(b) {
		return nil, body("must be UTF-8 text")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.Is(err, io.EOF):
			return nil, body("is empty")
		case errors.As(err, &syntax):
			return nil, body(fmt.Sprintf("is not valid JSON: %s (at byte %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset))
		default:
			return nil, body("is not valid JSON: it ends too early")
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, body("must hold a single JSON object")
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, body("must be a JSON object")
	}
	var v validator
	v.shape("", reflect.TypeFor[Config](), doc)
	if err := v.err("funnel configuration is invalid"); err != nil {
		return nil, err
	}
	var c Config
	strict := json.NewDecoder(bytes.NewReader(b))
	strict.DisallowUnknownFields()
	if err := strict.Decode(&c); err != nil {
		// The shape check accepts only what decodes; this is a safety net.
		return nil, body(strings.TrimPrefix(err.Error(), "json: "))
	}
	return c.normalized(), nil
}

// shape checks that the decoded JSON value val fits the Go type t, field by
// field, so that each mismatch is reported at its JSON path. Unlike
// encoding/json it matches field names exactly.
func (v *validator) shape(path string, t reflect.Type, val any) {
	if len(v.errs) >= maxFieldErrors {
		return
	}
	if val == nil {
		if t.Kind() != reflect.Pointer && t.Kind() != reflect.Slice {
			v.add(path, "must not be null")
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		v.shape(path, t.Elem(), val)
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			v.add(path, "must be an object")
			return
		}
		names := make([]string, 0, t.NumField())
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			names = append(names, name)
			if fv, ok := m[name]; ok {
				v.shape(child(path, name), t.Field(i).Type, fv)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !slices.Contains(names, k) {
				v.add(child(path, k), "is not a known field")
			}
		}
	case reflect.Slice:
		a, ok := val.([]any)
		if !ok {
			v.add(path, "must be a list")
			return
		}
		for i, e := range a {
			v.shape(index(path, i), t.Elem(), e)
		}
	case reflect.String:
		if _, ok := val.(string); !ok {
			v.add(path, "must be a string")
		}
	case reflect.Int, reflect.Int64:
		n, ok := val.(json.Number)
		if !ok {
			v.add(path, "must be a number")
		} else if _, err := strconv.ParseInt(n.String(), 10, t.Bits()); err != nil {
			v.add(path, "must be a whole number within range")
		}
	default:
		panic("funnel: no shape check for " + t.String())
	}
}

func child(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
