package auth

import (
	"strings"
	"testing"
)

var cheap = HashParams{MemoryKiB: 1024, Iterations: 1, Threads: 1}

func TestHasherRoundTripAndCostFromHash(t *testing.T) {
	h := NewHasher(cheap, 2)
	enc, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash format: %s", enc)
	}
	if ok, err := h.Verify(enc, "correct horse battery"); !ok || err != nil {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if ok, _ := h.Verify(enc, "correct horse battery!"); ok {
		t.Fatal("Verify accepted a wrong password")
	}
	// A hasher with other defaults still verifies old hashes.
	other := NewHasher(HashParams{MemoryKiB: 2048, Iterations: 2, Threads: 1}, 1)
	if ok, _ := other.Verify(enc, "correct horse battery"); !ok {
		t.Fatal("hash made with other parameters not verified")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=18$m=1024,t=1,p=1$AA$AA",
		"$argon2id$v=19$m=x,t=1,p=1$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if _, err := h.Verify(bad, "x"); err == nil {
			t.Errorf("Verify(%q) accepted a malformed hash", bad)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		password string
		personal []string
		want     string // substring of the message; "" = accepted
	}{
		{"short", nil, "at least 10"},
		{strings.Repeat("x", 129), nil, "at most 128"},
		{"1234567890", nil, "too common"},
		{"Senha12345", nil, "too common"},
		{"zzzzzzzzzzzz", nil, "too common"},
		{"maria_vendas-2026", []string{"maria_vendas"}, "must not contain"},
		{"uma frase longa e boa", []string{"maria", "maria_vendas"}, ""},
		{"ção-çãoçãoção", nil, ""},
	}
	for _, tt := range tests {
		fe := checkPassword("body.password", tt.password, tt.personal...)
		switch {
		case tt.want == "" && fe != nil:
			t.Errorf("%q refused: %s", tt.password, fe.Message)
		case tt.want != "" && (fe == nil || !strings.Contains(fe.Message, tt.want)):
			t.Errorf("%q: got %v, want message containing %q", tt.password, fe, tt.want)
		}
	}
}

func TestEmailAndUsernameRules(t *testing.T) {
	for _, ok := range []string{"maria@example.com", "a.b+c@sub.example.com.br"} {
		if fe := checkEmail("e", ok); fe != nil {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "maria", "maria@localhost", "Maria <maria@example.com>", "a@b.c d", strings.Repeat("a", 250) + "@example.com"} {
		if fe := checkEmail("e", bad); fe == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, ok := range []string{"abc", "maria_vendas", "loja2026"} {
		if fe := checkUsername("u", ok); fe != nil {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"ab", "maria vendas", "maria-vendas", "ção", strings.Repeat("a", 33)} {
		if fe := checkUsername("u", bad); fe == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTokensAreRandomAndHashesKeyed(t *testing.T) {
	a := newToken(apiTokenPrefix)
	b := newToken(apiTokenPrefix)
	if a == b || !plausibleToken(a, apiTokenPrefix) || plausibleToken(a, resetPrefix) || plausibleToken(a[:20], apiTokenPrefix) {
		t.Fatalf("tokens %q %q", a, b)
	}
	s1 := &Service{secret: []byte(strings.Repeat("k", 32))}
	s2 := &Service{secret: []byte(strings.Repeat("j", 32))}
	if s1.tokenHash("api", a) == s2.tokenHash("api", a) || s1.tokenHash("api", a) == s1.tokenHash("session", a) {
		t.Fatal("token hash does not depend on the key and the kind")
	}
}
