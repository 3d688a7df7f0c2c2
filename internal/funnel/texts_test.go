package funnel

import (
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func TestRender(t *testing.T) {
	vars := map[string]string{
		VarName:    `<b>Ana & "Bia"</b>`,
		VarAmount:  grimbots.Cents(1990).String(),
		VarProduct: "{valor}", // values are not scanned again
	}
	tests := []struct{ tpl, html, plain string }{
		{"Olá, {nome}!", "Olá, &lt;b&gt;Ana &amp; &quot;Bia&quot;&lt;/b&gt;!", `Olá, <b>Ana & "Bia"</b>!`},
		{"<b>{valor}</b>", "<b>R$ 19,90</b>", "<b>R$ 19,90</b>"},
		{"{produto} {produto}", "{valor} {valor}", "{valor} {valor}"},
		{"{codigo} stays, { nome } and {} too", "{codigo} stays, { nome } and {} too", "{codigo} stays, { nome } and {} too"},
		{"{{nome}}", "{&lt;b&gt;Ana &amp; &quot;Bia&quot;&lt;/b&gt;}", `{<b>Ana & "Bia"</b>}`},
		{"no placeholders", "no placeholders", "no placeholders"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Render(tt.tpl, vars); got != tt.html {
			t.Errorf("Render(%q) = %q, want %q", tt.tpl, got, tt.html)
		}
		if got := RenderPlain(tt.tpl, vars); got != tt.plain {
			t.Errorf("RenderPlain(%q) = %q, want %q", tt.tpl, got, tt.plain)
		}
	}
}

// Every default text, rendered with hostile values for all its
// placeholders, is HTML that Telegram accepts, and no placeholder is left.
func TestDefaultTextsRenderToValidHTML(t *testing.T) {
	hostile := "<i>&x</i> {nome} \"'"
	for _, s := range textSpecs {
		vars := map[string]string{}
		for _, name := range s.vars {
			vars[name] = hostile
		}
		out := Render(s.def, vars)
		if p := unknownPlaceholder(out, nil); p != "" && p != "{nome}" {
			t.Errorf("%s: placeholder %s left in %q", s.name, p, out)
		}
		if s.kind != kindHTML {
			continue
		}
		if _, err := checkHTML(out); err != nil {
			t.Errorf("%s: rendered text is not valid: %v\n%s", s.name, err, out)
		}
	}
}

func TestDefaultTextsAreValid(t *testing.T) {
	c := exampleConfig()
	c.Texts = DefaultTexts()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() with every default text set = %s", fieldErrors(err))
	}
	for _, s := range textSpecs {
		if *s.field(&c.Texts) == "" {
			t.Errorf("%s has no default", s.name)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	c := exampleConfig()
	d := c.WithDefaults()
	if d.Texts.PaidButton != "💸 Já fiz o PIX" || d.Texts.Generating != "Gerando..." {
		t.Errorf("overrides lost: %+v", d.Texts)
	}
	if d.Texts.BumpAccept != "✅ Sim, quero (+ {valor})" || d.Texts.BumpDecline != "❌ Não, obrigado" || d.Texts.PIX == "" {
		t.Errorf("defaults missing: %+v", d.Texts)
	}
	if c.Texts.PIX != "" {
		t.Error("WithDefaults modified its receiver")
	}
	if (Texts{}).WithDefaults() != DefaultTexts() {
		t.Error("empty texts do not default to DefaultTexts")
	}
}
