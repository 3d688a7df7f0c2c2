// Package reqctx carries request-scoped facts (request id, client address,
// authenticated user) through a context, for handlers, logs and audit.
package reqctx

import (
	"context"
	"sync/atomic"
)

// Info is what is known about the current request. UserID is filled in by
// authentication so the access log can name the user.
type Info struct {
	RequestID string
	ClientIP  string
	UserAgent string
	UserID    atomic.Int64
}

type key struct{}

// With returns ctx carrying info.
func With(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request's Info, or an empty one outside a request.
func From(ctx context.Context) *Info {
	if info, ok := ctx.Value(key{}).(*Info); ok {
		return info
	}
	return &Info{}
}
