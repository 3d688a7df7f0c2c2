package telegram

import "context"

type turnKey struct{}

// WithTurn returns a context whose paced sends (messages, media, photo
// uploads, keyboard edits) call fn once their turn has come: after the
// limiter and any pause let them through, right before the request is
// made. An error from fn cancels that send, which returns the error
// unwrapped and calls nothing.
//
// It tells a sender that its request is leaving: a remarketing runner lets
// the next send of the same bot start waiting for its turn then, so that
// one send at a time waits in the limiter, and knows whether a failed send
// could have reached Telegram.
func WithTurn(ctx context.Context, fn func(context.Context) error) context.Context {
	return context.WithValue(ctx, turnKey{}, fn)
}

// onTurn runs the context's turn hook, if any.
func onTurn(ctx context.Context) error {
	if fn, ok := ctx.Value(turnKey{}).(func(context.Context) error); ok && fn != nil {
		return fn(ctx)
	}
	return nil
}
