package telegram

import "context"

type turnKey struct{}

// WithTurn returns a context whose paced sends (messages, media, photo
// uploads, keyboard edits) call fn once their turn has come: after the
// limiter and any pause let them through, right before the request is
// made. An error from fn cancels that send, which returns the error
// unwrapped and calls nothing.
//
// It lets a sender record its intent durably at the last possible moment:
// a remarketing send claims its recipient in fn, so a crash while the send
// waits for its turn leaves the recipient unclaimed, to be sent by the next
// run, and only a crash during the request itself leaves it in doubt.
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
