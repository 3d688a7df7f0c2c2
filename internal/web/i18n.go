package web

import (
	"fmt"
	"strings"
)

// Texts are looked up by key in a catalog per language. Only pt-BR exists
// today; adding English means adding a catalog and choosing it per user
// (the templates and handlers already go through T).

// catalog maps message keys to texts; a text may hold fmt verbs filled by
// T's arguments.
type catalog map[string]string

// language is the dashboard's language.
const language = "pt-BR"

var catalogs = map[string]catalog{"pt-BR": ptBR}

// T returns the text of key, formatted with args. A missing key returns
// the key itself, so it shows up in review (and the catalog test fails).
func T(key string, args ...any) string {
	s, ok := catalogs[language][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func hasMessage(key string) bool {
	_, ok := catalogs[language][key]
	return ok
}

// Services report problems in English (the API's language). The dashboard
// shows the known ones in pt-BR; an unknown one is shown as is rather than
// lost. This only translates text for display: no decision depends on it.
var serviceMessages = map[string]map[string]string{"pt-BR": ptBRServiceMessages}

// translate returns the pt-BR text of a service message.
func translate(msg string) (string, bool) {
	s, ok := serviceMessages[language][msg]
	return s, ok
}

// fieldMessage is a field error's text in pt-BR. Messages carrying a
// detail after a colon ("unknown placeholder: {x}") are matched by their
// head.
func fieldMessage(msg string) string {
	if s, ok := translate(msg); ok {
		return s
	}
	if head, tail, ok := strings.Cut(msg, ":"); ok {
		if s, ok := translate(head); ok {
			return s + ":" + tail
		}
	}
	return msg
}

// messagesWithPrefix returns the catalog's texts whose keys start with
// prefix, keyed without it (for page scripts).
func messagesWithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range catalogs[language] {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}
