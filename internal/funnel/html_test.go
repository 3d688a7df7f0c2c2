package funnel

import (
	"strings"
	"testing"
)

func TestCheckHTML(t *testing.T) {
	tests := []struct {
		in   string
		n    int    // visible length, when valid
		fail string // a part of the error message; "" means valid
	}{
		{"", 0, ""},
		{"plain text", 10, ""},
		{"Olá, ação", 9, ""},
		{"😀", 2, ""}, // UTF-16 surrogate pair
		{"<b>bold</b> <strong>s</strong> <i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>", 14, ""},
		{"<B>caps</B>", 4, ""},
		{"<tg-spoiler>x</tg-spoiler><span class=\"tg-spoiler\">y</span>", 2, ""},
		{`<a href="https://example.com/?a=1&amp;b=2">link</a>`, 4, ""},
		{`<a href='tg://resolve?domain=x'>x</a>`, 1, ""},
		{`<a href=https://example.com>x</a>`, 1, ""},
		{`<a href="{link}">acessar</a>`, 7, ""},
		{"<code>x &lt; y</code>", 5, ""},
		{`<pre><code class="language-go">fmt.Println()</code></pre>`, 13, ""},
		{"<blockquote>q</blockquote><blockquote expandable>e</blockquote>", 2, ""},
		{"<b>a <i>b <u>c</u></i></b>", 5, ""},
		{"&lt;&gt;&amp;&quot;&#65;&#x1F600;", 7, ""},
		{"a\nb", 3, ""},
		{"<b >spaced</b >", 6, ""},

		{"<div>x</div>", 0, "unsupported tag <div>"},
		{"a<br>b", 0, "use a line break"},
		{"<b>x", 0, "<b> is not closed"},
		{"x</b>", 0, "unexpected closing tag </b>"},
		{"<b><i>x</b></i>", 0, "unexpected closing tag </b>"},
		{"<b>x</strong>", 0, "unexpected closing tag </strong>"},
		{"1 < 2", 0, `write "<" as &lt;`},
		{"2 > 1", 0, `write ">" as &gt;`},
		{"P&G", 0, `write "&" as &amp;`},
		{"&nbsp;", 0, `write "&" as &amp;`},
		{"&#0;", 0, `write "&" as &amp;`},
		{"&#xD800;", 0, `write "&" as &amp;`},
		{"&#+65;", 0, `write "&" as &amp;`},
		{"&#;", 0, `write "&" as &amp;`},
		{"<b", 0, "missing its >"},
		{"I <3 you", 0, `write "<" as &lt;`},
		{"x <", 0, `write "<" as &lt;`},
		{"<b class=\"x\">x</b>", 0, "<b> cannot have attributes"},
		{"<a>x</a>", 0, "<a> needs an href"},
		{`<a href="javascript:alert(1)">x</a>`, 0, "https:// or tg://"},
		{`<a href="https://x.io" target="_blank">x</a>`, 0, "<a> only accepts"},
		{`<a href="https://x.io>x</a>`, 0, "unclosed quote"},
		{`<a href="https://x.io/?a=1&b=2">x</a>`, 0, `write "&" as &amp;`},
		{`<a href="a<b">x</a>`, 0, `write "<" as &lt;`},
		{`<span>x</span>`, 0, `<span class="tg-spoiler">`},
		{`<span class="other">x</span>`, 0, `<span class="tg-spoiler">`},
		{`<code class="x">x</code>`, 0, `class="language-..."`},
		{`<blockquote expandable="yes">x</blockquote>`, 0, "expandable"},
		{"<code><b>x</b></code>", 0, "tags are not allowed inside <code>"},
		{"<pre><b>x</b></pre>", 0, "tags are not allowed inside <pre>"},
		{"<pre><code><b>x</b></code></pre>", 0, "tags are not allowed inside"},
		{`<a href="https://a.io"><a href="https://b.io">x</a></a>`, 0, "<a> cannot be nested"},
		{"<blockquote><blockquote>x</blockquote></blockquote>", 0, "<blockquote> cannot be nested"},
		{"</b x>", 0, "</b> cannot have attributes"},
		{`<b a="1" a="2">`, 0, "twice"},
		{"<b =x>", 0, "invalid attribute"},
		{"<!-- c -->", 0, `write "<" as &lt;`},
	}
	for _, tt := range tests {
		n, err := checkHTML(tt.in)
		switch {
		case tt.fail == "" && err != nil:
			t.Errorf("checkHTML(%q) = %v, want valid", tt.in, err)
		case tt.fail == "" && n != tt.n:
			t.Errorf("checkHTML(%q) length = %d, want %d", tt.in, n, tt.n)
		case tt.fail != "" && (err == nil || !strings.Contains(err.Error(), tt.fail)):
			t.Errorf("checkHTML(%q) = %v, want an error containing %q", tt.in, err, tt.fail)
		}
	}
}

func TestLinkError(t *testing.T) {
	tests := []struct {
		in      string
		allowTG bool
		ok      bool
	}{
		{"https://t.me/+AbC", false, true},
		{"HTTPS://example.com/a?b=c#d", false, true},
		{"https://example.com:8443/x", false, true},
		{"tg://resolve?domain=x", true, true},
		{"tg://resolve?domain=x", false, false},
		{"http://example.com", true, false},
		{"https://", false, false},
		{"https:///path", false, false},
		{"https://:80", false, false},
		{"//example.com", false, false},
		{"example.com", false, false},
		{"mailto:a@b.c", true, false},
		{"https://exa mple.com", false, false},
		{"https://example.com/\x00", false, false},
		{"https://example.com/" + strings.Repeat("a", 1024), false, false},
	}
	for _, tt := range tests {
		if got := linkError(tt.in, tt.allowTG); (got == "") != tt.ok {
			t.Errorf("linkError(%q, %v) = %q, want ok=%v", tt.in, tt.allowTG, got, tt.ok)
		}
	}
}
