package config

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Redacted returns "NAME=value  # source" lines with secrets masked. URLs
// keep their scheme and host but lose their credentials.
func (c *Config) Redacted() []string {
	out := make([]string, 0, len(vars))
	for _, v := range vars {
		val := v.get(c)
		if v.secret && val != "" {
			if v.isURL {
				val = redactURLs(val)
			} else {
				val = "REDACTED"
			}
		}
		out = append(out, fmt.Sprintf("%s=%s  # %s", v.name, val, c.sources[v.name]))
	}
	return out
}

// redactURLs drops the credentials and query (which may hold passwords) of
// each comma-separated URL, keeping what an operator needs to recognise it.
func redactURLs(s string) string {
	var parts []string
	for _, item := range strings.Split(s, ",") {
		if u, err := url.Parse(item); err == nil && u.Scheme != "" {
			if u.User != nil {
				u.User = url.User("REDACTED")
			}
			u.RawQuery = ""
			parts = append(parts, u.String())
			continue
		}
		parts = append(parts, "REDACTED")
	}
	return strings.Join(parts, ",")
}

// WriteMarkdown writes the reference table of every variable.
func WriteMarkdown(w io.Writer) {
	fmt.Fprintln(w, "| Variable | Default | Description |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, v := range vars {
		def := v.def
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		name := "`" + v.name + "`"
		if v.file {
			name += " (or `" + v.name + "_FILE`)"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", name, def, v.doc)
	}
}
