package funnel

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Telegram's HTML subset: tags and the attributes each accepts.
var formattingTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "tg-spoiler": true,
}

// namedEntities are the only named entities Telegram decodes.
var namedEntities = []struct {
	name string
	r    rune
}{{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}}

// htmlTag is a parsed start or end tag.
type htmlTag struct {
	name    string
	closing bool
	attrs   map[string]string
}

// checkHTML checks that s is Telegram HTML that Telegram accepts: only the
// supported tags and attributes, balanced, with <, > and & escaped outside
// tags. It returns the length of the visible text in UTF-16 code units (the
// unit of Telegram's length limits), with each entity counting as the
// character it stands for and placeholders counting as written. The error
// message is short and meant for the seller.
func checkHTML(s string) (int, error) {
	var open []string
	n := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			t, end, err := parseTag(s, i)
			if err != nil {
				return 0, err
			}
			i = end
			if t.closing {
				if len(open) == 0 || open[len(open)-1] != t.name {
					return 0, fmt.Errorf("unexpected closing tag </%s>", t.name)
				}
				open = open[:len(open)-1]
				continue
			}
			if err := checkTag(t, open); err != nil {
				return 0, err
			}
			open = append(open, t.name)
		case '&':
			r, end, ok := parseEntity(s, i)
			if !ok {
				return 0, errors.New(`write "&" as &amp;`)
			}
			n += utf16.RuneLen(r)
			i = end
		case '>':
			return 0, errors.New(`write ">" as &gt;`)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			n += max(utf16.RuneLen(r), 1)
			i += size
		}
	}
	if len(open) > 0 {
		return 0, fmt.Errorf("<%s> is not closed", open[len(open)-1])
	}
	return n, nil
}

// parseTag parses the tag that starts at s[i] == '<' and returns it with
// the index just past its '>'.
func parseTag(s string, i int) (htmlTag, int, error) {
	t := htmlTag{attrs: map[string]string{}}
	j := i + 1
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	if j >= len(s) || !isLetter(s[j]) {
		return t, 0, errors.New(`write "<" as &lt;`)
	}
	t.name, j = scanName(s, j)
	for {
		j = skipSpace(s, j)
		if j >= len(s) {
			return t, 0, fmt.Errorf("tag <%s is missing its > (write a literal < as &lt;)", t.name)
		}
		if s[j] == '>' {
			return t, j + 1, nil
		}
		if t.closing {
			return t, 0, fmt.Errorf("</%s> cannot have attributes", t.name)
		}
		var name, value string
		name, j = scanName(s, j)
		if name == "" {
			return t, 0, fmt.Errorf("invalid attribute in <%s>", t.name)
		}
		if j = skipSpace(s, j); j < len(s) && s[j] == '=' {
			var err error
			if value, j, err = scanValue(s, skipSpace(s, j+1)); err != nil {
				return t, 0, fmt.Errorf("attribute %s of <%s>: %w", name, t.name, err)
			}
		}
		if _, dup := t.attrs[name]; dup {
			return t, 0, fmt.Errorf("attribute %s appears twice in <%s>", name, t.name)
		}
		t.attrs[name] = value
	}
}

// scanName reads a tag or attribute name, lowercased.
func scanName(s string, j int) (string, int) {
	start := j
	for j < len(s) && (isLetter(s[j]) || s[j] >= '0' && s[j] <= '9' || s[j] == '-') {
		j++
	}
	return strings.ToLower(s[start:j]), j
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func skipSpace(s string, j int) int {
	for j < len(s) && strings.IndexByte(" \t\r\n", s[j]) >= 0 {
		j++
	}
	return j
}

// scanValue reads an attribute value, quoted or not, and decodes its
// entities.
func scanValue(s string, j int) (string, int, error) {
	var raw string
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		end := strings.IndexByte(s[j+1:], s[j])
		if end < 0 {
			return "", 0, errors.New("unclosed quote")
		}
		raw, j = s[j+1:j+1+end], j+end+2
	} else {
		start := j
		for j < len(s) && strings.IndexByte(" \t\r\n>\"'", s[j]) < 0 {
			j++
		}
		raw = s[start:j]
	}
	var b strings.Builder
	for k := 0; k < len(raw); {
		if raw[k] == '<' {
			return "", 0, errors.New(`write "<" as &lt;`)
		}
		if raw[k] != '&' {
			b.WriteByte(raw[k])
			k++
			continue
		}
		r, end, ok := parseEntity(raw, k)
		if !ok {
			return "", 0, errors.New(`write "&" as &amp;`)
		}
		b.WriteRune(r)
		k = end
	}
	return b.String(), j, nil
}

// parseEntity decodes the entity at s[i] == '&': one of the four named
// entities Telegram supports or a numeric one.
func parseEntity(s string, i int) (rune, int, bool) {
	for _, e := range namedEntities {
		if strings.HasPrefix(s[i:], e.name) {
			return e.r, i + len(e.name), true
		}
	}
	if !strings.HasPrefix(s[i:], "&#") {
		return 0, 0, false
	}
	end := strings.IndexByte(s[i:], ';')
	if end < 3 || end > 10 {
		return 0, 0, false
	}
	digits, base := s[i+2:i+end], 10
	if digits[0] == 'x' || digits[0] == 'X' {
		digits, base = digits[1:], 16
	}
	v, err := strconv.ParseUint(digits, base, 32)
	if err != nil || digits[0] == '+' || v == 0 || !utf8.ValidRune(rune(v)) {
		return 0, 0, false
	}
	return rune(v), i + end + 1, true
}

// checkTag checks a start tag's name and attributes, and that it may open
// inside the tags already open.
func checkTag(t htmlTag, open []string) error {
	if err := checkAttrs(t); err != nil {
		return err
	}
	for k, o := range open {
		switch {
		case o == "pre" && k == len(open)-1 && t.name == "code":
			// <pre><code class="language-go"> is how a code block names its language.
		case o == "code" || o == "pre":
			return fmt.Errorf("tags are not allowed inside <%s>", o)
		case o == t.name && (o == "a" || o == "blockquote"):
			return fmt.Errorf("<%s> cannot be nested", o)
		}
	}
	return nil
}

func checkAttrs(t htmlTag) error {
	only := func(attr string, ok func(string) bool, want string) error {
		v, has := t.attrs[attr]
		if len(t.attrs) > 1 || len(t.attrs) == 1 && !has || has && !ok(v) {
			return fmt.Errorf("<%s> only accepts %s", t.name, want)
		}
		return nil
	}
	switch {
	case formattingTags[t.name], t.name == "pre":
		if len(t.attrs) > 0 {
			return fmt.Errorf("<%s> cannot have attributes", t.name)
		}
	case t.name == "span":
		if t.attrs["class"] != "tg-spoiler" || len(t.attrs) != 1 {
			return errors.New(`<span> is only supported as <span class="tg-spoiler">`)
		}
	case t.name == "a":
		if _, ok := t.attrs["href"]; !ok {
			return errors.New("<a> needs an href")
		}
		return only("href", func(v string) bool { return isPlaceholder(v) || linkError(v, true) == "" },
			`an href with an https:// or tg:// link`)
	case t.name == "code":
		return only("class", func(v string) bool { return strings.HasPrefix(v, "language-") },
			`class="language-..."`)
	case t.name == "blockquote":
		return only("expandable", func(v string) bool { return v == "" }, "the expandable attribute")
	case t.name == "br":
		return errors.New("unsupported tag <br>; use a line break")
	default:
		return fmt.Errorf("unsupported tag <%s>", t.name)
	}
	return nil
}

// isPlaceholder reports whether s is exactly one placeholder, as in
// <a href="{link}">.
func isPlaceholder(s string) bool {
	return len(s) > 2 && placeholderRE.FindString(s) == s
}

// linkError returns why u is not a valid link for a button, media or <a>
// (https://, or tg:// when allowTG), or "" when it is.
func linkError(u string, allowTG bool) string {
	want := "must be an https:// link"
	if allowTG {
		want = "must be an https:// or tg:// link"
	}
	switch {
	case u == "":
		return "is required"
	case len(u) > 1024:
		return "must be at most 1024 characters"
	case strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f }):
		return "must not contain spaces"
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return want
	case p.Scheme == "https" && p.Host != "" && p.Hostname() != "":
		return ""
	case allowTG && p.Scheme == "tg" && (p.Host != "" || p.Opaque != ""):
		return ""
	}
	return want
}
