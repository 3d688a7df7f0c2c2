package funnel

import "github.com/grimbots/grimbots/internal/grimbots"

// Checks of messages sent outside a configuration (remarketing campaigns),
// with the same rules as the configuration's own. Each returns the field
// errors found, with paths under the path given.

// CheckMessage checks a broadcast message: Telegram HTML with only the
// {nome} placeholder, at most 4096 characters, or with media an optional
// caption of at most 1024 characters and media as in a configuration.
func CheckMessage(path string, m Message) []grimbots.FieldError {
	var v validator
	v.message(path, m, varsWelcome)
	return v.errs
}

// CheckLinkButton checks a link button: a plain label of at most 64
// characters and an https:// or tg:// URL.
func CheckLinkButton(path, text, url string) []grimbots.FieldError {
	var v validator
	v.plain(path+".text", text, varsNone, maxButtonLength)
	v.link(path+".url", url, true)
	return v.errs
}

// CheckButtonText checks a button label: plain text of at most 64
// characters, without placeholders.
func CheckButtonText(path, text string) []grimbots.FieldError {
	var v validator
	v.plain(path, text, varsNone, maxButtonLength)
	return v.errs
}
