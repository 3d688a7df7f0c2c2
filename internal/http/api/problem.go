package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/getsentry/sentry-go"

	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/http/reqctx"
)

// Problem is the error body of every API response (RFC 9457 problem details)
// plus a stable machine-readable code and the request id to quote to support.
type Problem struct {
	Type      string              `json:"type,omitempty" format:"uri" doc:"A URI reference for the problem type."`
	Title     string              `json:"title,omitempty" doc:"Short summary of the problem type."`
	Status    int                 `json:"status,omitempty" doc:"HTTP status code."`
	Detail    string              `json:"detail,omitempty" doc:"Explanation of this occurrence."`
	Code      string              `json:"code" doc:"Stable error code: invalid, unauthorized, forbidden, not_found, conflict, gone, rate_limited, too_large, bad_request, unavailable, internal."`
	RequestID string              `json:"request_id,omitempty" doc:"Request id (also in the X-Request-ID header)."`
	Errors    []*huma.ErrorDetail `json:"errors,omitempty" doc:"Field-level problems: location is the field (body.email), message says what is wrong."`
	headers   http.Header
}

func (p *Problem) Error() string           { return p.Detail }
func (p *Problem) GetStatus() int          { return p.Status }
func (p *Problem) GetHeaders() http.Header { return p.headers }
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// statusCodes maps domain error codes to HTTP statuses. It is the only place
// that does.
var statusCodes = map[string]int{
	grimbots.EINVALID:      http.StatusUnprocessableEntity,
	grimbots.EUNAUTHORIZED: http.StatusUnauthorized,
	grimbots.EFORBIDDEN:    http.StatusForbidden,
	grimbots.ENOTFOUND:     http.StatusNotFound,
	grimbots.ECONFLICT:     http.StatusConflict,
	grimbots.EGONE:         http.StatusGone,
	grimbots.ERATELIMIT:    http.StatusTooManyRequests,
	grimbots.EUNAVAILABLE:  http.StatusServiceUnavailable,
	grimbots.EINTERNAL:     http.StatusInternalServerError,
}

// codeForStatus names errors that huma itself raises (bad JSON, too large,
// schema validation) with the same vocabulary.
func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusUnprocessableEntity:
		return grimbots.EINVALID
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusNotAcceptable:
		return "not_acceptable"
	}
	for code, s := range statusCodes {
		if s == status {
			return code
		}
	}
	if status >= 500 {
		return grimbots.EINTERNAL
	}
	return "bad_request"
}

// installErrorModel makes huma produce Problem bodies for the errors it
// raises itself. 5xx details are dropped: internal text never reaches a
// client. (huma exposes this hook as a package variable.)
func installErrorModel() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return newProblem(context.Background(), status, msg, errs...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return newProblem(ctx, status, msg, errs...)
	}
}

func newProblem(ctx context.Context, status int, msg string, errs ...error) *Problem {
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: msg, Code: codeForStatus(status),
		RequestID: reqctx.From(ctx).RequestID}
	if status >= 500 {
		p.Detail = "Internal error. Quote the request id when contacting support."
		return p
	}
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(e, &d) {
			p.Errors = append(p.Errors, withoutSecrets(d.ErrorDetail()))
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: e.Error()})
		}
	}
	return p
}

// withoutSecrets drops the echoed value of an error about a whole object or
// the raw body (for a missing or unexpected property huma quotes the entire
// object, passwords included) or about a secret field: an error answer must
// not carry credentials back.
func withoutSecrets(d *huma.ErrorDetail) *huma.ErrorDetail {
	if d == nil || d.Value == nil {
		return d
	}
	loc := strings.ToLower(d.Location)
	_, isObject := d.Value.(map[string]any)
	_, isArray := d.Value.([]any)
	if isObject || isArray || loc == "body" ||
		strings.Contains(loc, "password") || strings.Contains(loc, "token") || strings.Contains(loc, "secret") {
		c := *d
		c.Value = nil
		return &c
	}
	return d
}

// errorMapper turns a handler's error into a Problem. Domain errors keep
// their message and fields; anything else is logged with the request id,
// reported, and answered with a generic 500.
type errorMapper struct {
	logger *slog.Logger
}

func (m errorMapper) problem(ctx context.Context, err error) *Problem {
	var de *grimbots.Error
	if !errors.As(err, &de) || de.Code == grimbots.EINTERNAL {
		m.logger.ErrorContext(ctx, "request failed", "request_id", reqctx.From(ctx).RequestID, "err", err)
		if hub := sentry.GetHubFromContext(ctx); hub != nil {
			hub.CaptureException(err)
		} else {
			sentry.CaptureException(err)
		}
		return newProblem(ctx, http.StatusInternalServerError, "")
	}
	status, ok := statusCodes[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := newProblem(ctx, status, de.Message)
	p.Code = de.Code
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, &huma.ErrorDetail{Location: f.Field, Message: f.Message, Value: f.Value})
	}
	if de.RetryAfterSeconds > 0 {
		p.headers = http.Header{"Retry-After": {strconv.Itoa(de.RetryAfterSeconds)}}
	}
	return p
}
