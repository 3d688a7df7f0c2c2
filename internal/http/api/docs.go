package api

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// The docs page is rendered on the server from the generated OpenAPI
// document: no CDN, no script, compatible with the strict CSP.

//go:embed docs.html
var docsHTML string

//go:embed docs.css
var docsCSS []byte

var docsTemplate = template.Must(template.New("docs").Parse(docsHTML))

type docsPage struct {
	Title       string
	Version     string
	Description string
	Groups      []docsGroup
}

type docsGroup struct {
	Tag string
	Ops []docsOp
}

type docsOp struct {
	ID, Method, Path, Summary, Description, Auth string
	Params                                       []docsField
	Body                                         []docsField
	Responses                                    []docsResponse
}

type docsField struct {
	Name, In, Type, Constraints, Doc string
	Required                         bool
}

type docsResponse struct {
	Status, Description string
	Fields              []docsField
}

func (a *API) docsHandler() http.Handler {
	var once sync.Once
	var page []byte
	var renderErr error
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/docs", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { page, renderErr = a.renderDocs() })
		if renderErr != nil {
			a.cfg.Logger.ErrorContext(r.Context(), "rendering API docs", "err", renderErr)
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	return mux
}

// DocsCSS serves the stylesheet of the docs page.
func DocsCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(docsCSS)
}

func (a *API) renderDocs() ([]byte, error) {
	oa := a.huma.OpenAPI()
	reg := oa.Components.Schemas
	groups := map[string]*docsGroup{}
	var order []string
	paths := make([]string, 0, len(oa.Paths))
	for p := range oa.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		item := oa.Paths[path]
		for _, mo := range []struct {
			m  string
			op *huma.Operation
		}{{"GET", item.Get}, {"POST", item.Post}, {"PUT", item.Put}, {"PATCH", item.Patch}, {"DELETE", item.Delete}} {
			if mo.op == nil || mo.op.Hidden {
				continue
			}
			tag := "Other"
			if len(mo.op.Tags) > 0 {
				tag = mo.op.Tags[0]
			}
			g := groups[tag]
			if g == nil {
				g = &docsGroup{Tag: tag}
				groups[tag] = g
				order = append(order, tag)
			}
			g.Ops = append(g.Ops, describeOp(reg, mo.m, path, mo.op))
		}
	}
	page := docsPage{Title: oa.Info.Title, Version: oa.Info.Version, Description: oa.Info.Description}
	for _, t := range order {
		page.Groups = append(page.Groups, *groups[t])
	}
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, page); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func describeOp(reg huma.Registry, method, path string, op *huma.Operation) docsOp {
	d := docsOp{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description, Auth: "public"}
	var schemes []string
	for _, req := range op.Security {
		for name := range req {
			schemes = append(schemes, name)
		}
	}
	if len(schemes) > 0 {
		d.Auth = strings.Join(schemes, " or ")
		if lvl, _ := op.Metadata["auth"].(string); lvl == authAdmin {
			d.Auth += " (admin)"
		}
	}
	for _, p := range op.Parameters {
		d.Params = append(d.Params, field(reg, p.Name, p.In, p.Schema, p.Required, p.Description))
	}
	if op.RequestBody != nil {
		if mt := op.RequestBody.Content["application/json"]; mt != nil && mt.Schema != nil {
			d.Body = fields(reg, mt.Schema)
		}
	}
	codes := make([]string, 0, len(op.Responses))
	for code := range op.Responses {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		r := op.Responses[code]
		dr := docsResponse{Status: code, Description: r.Description}
		if mt := r.Content["application/json"]; mt != nil && mt.Schema != nil {
			dr.Fields = fields(reg, mt.Schema)
		}
		d.Responses = append(d.Responses, dr)
	}
	return d
}

func deref(reg huma.Registry, s *huma.Schema) *huma.Schema {
	for s != nil && s.Ref != "" {
		s = reg.SchemaFromRef(s.Ref)
	}
	return s
}

// fields flattens an object schema into rows, nested objects as a.b.
func fields(reg huma.Registry, s *huma.Schema) []docsField {
	var out []docsField
	var walk func(prefix string, s *huma.Schema, depth int)
	walk = func(prefix string, s *huma.Schema, depth int) {
		s = deref(reg, s)
		if s == nil || depth > 4 {
			return
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			if n != "$schema" {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			p := s.Properties[n]
			out = append(out, field(reg, prefix+n, "body", p, slices.Contains(s.Required, n), ""))
			inner := deref(reg, p)
			if inner != nil && inner.Type == "array" {
				inner = deref(reg, inner.Items)
				if inner != nil && inner.Type == "object" {
					walk(prefix+n+"[].", inner, depth+1)
				}
			} else if inner != nil && inner.Type == "object" {
				walk(prefix+n+".", inner, depth+1)
			}
		}
	}
	walk("", s, 0)
	return out
}

func field(reg huma.Registry, name, in string, s *huma.Schema, required bool, doc string) docsField {
	f := docsField{Name: name, In: in, Required: required, Doc: doc}
	s = deref(reg, s)
	if s == nil {
		return f
	}
	if f.Doc == "" {
		f.Doc = s.Description
	}
	f.Type = s.Type
	if s.Type == "array" && s.Items != nil {
		if it := deref(reg, s.Items); it != nil {
			f.Type = "array of " + it.Type
		}
	}
	if s.Format != "" {
		f.Type += " (" + s.Format + ")"
	}
	var c []string
	if s.MinLength != nil {
		c = append(c, fmt.Sprintf("min length %d", *s.MinLength))
	}
	if s.MaxLength != nil {
		c = append(c, fmt.Sprintf("max length %d", *s.MaxLength))
	}
	if s.Minimum != nil {
		c = append(c, fmt.Sprintf("≥ %g", *s.Minimum))
	}
	if s.Maximum != nil {
		c = append(c, fmt.Sprintf("≤ %g", *s.Maximum))
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			if str := fmt.Sprint(v); str != "" {
				vals = append(vals, str)
			}
		}
		c = append(c, "one of "+strings.Join(vals, ", "))
	}
	if s.Default != nil {
		c = append(c, fmt.Sprintf("default %v", s.Default))
	}
	f.Constraints = strings.Join(c, "; ")
	return f
}
