package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// keepForm puts the submitted values on the view, to show them again.
func keepForm(v *view, f url.Values) {
	for k := range f {
		v.Form.Set(k, f.Get(k))
	}
}

// wholeNumber reads an integer field of a form, def when it is empty; a
// bad one adds a field error.
func wholeNumber(f url.Values, field string, def int, fields *[]grimbots.FieldError) int {
	s := strings.TrimSpace(f.Get(field))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		*fields = append(*fields, grimbots.FieldError{Field: "body." + field, Message: "must be a whole number"})
	}
	return n
}
