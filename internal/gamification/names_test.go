package gamification

import (
	"regexp"
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/grimbots"
)

func TestAnonymousNames(t *testing.T) {
	t.Parallel()
	a := aliaser{key: []byte("test key of the anonymous names")}
	format := regexp.MustCompile(`^Vendedor #[0-9A-HJKMNP-TV-Z]{6}$`)
	seen := map[string]int64{}
	for id := int64(1); id <= 20_000; id++ {
		n := a.name(id)
		if !format.MatchString(n) {
			t.Fatalf("name(%d) = %q", id, n)
		}
		if other, ok := seen[n]; ok {
			t.Fatalf("sellers %d and %d are both %s", other, id, n)
		}
		seen[n] = id
	}
	if a.name(42) != a.name(42) {
		t.Error("names are not stable")
	}
	if b := (aliaser{key: []byte("another key")}); b.name(42) == a.name(42) {
		t.Error("the name does not depend on the key")
	}
	if strings.Contains(a.name(123), "123") && strings.Contains(a.name(124), "124") {
		t.Error("names look like ids")
	}
}

func TestDisplayNames(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"  Maria   Vendas ": "Maria Vendas",
		"José_da-Silva.":    "José_da-Silva.",
		"O'Neil 2":          "O'Neil 2",
		"Jose\u0301":        "José", // composed
		"tab\there":         "tab here",
	} {
		got, err := cleanName(raw)
		if err != nil || got != want {
			t.Errorf("cleanName(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"", "ab", "  a  ", strings.Repeat("x", 31), "Vendedor #ABC123", "<script>", "maria@x",
		"emoji 🚀"} {
		_, err := cleanName(raw)
		if grimbots.ErrorCode(err) != grimbots.EINVALID {
			t.Errorf("cleanName(%q) = %v, want EINVALID", raw, err)
		}
	}
	if nameKey("José Silva") != nameKey("jose silva") || nameKey("Ana") == nameKey("Ane") {
		t.Error("nameKey must ignore case and accents, and only those")
	}
}
