package pix_test

import (
	"strings"
	"testing"

	"github.com/grimbots/grimbots/internal/pix"
)

func TestCRC16KnownVector(t *testing.T) {
	// CRC-16/CCITT-FALSE check value.
	if got := pix.CRC16("123456789"); got != 0x29B1 {
		t.Fatalf("CRC16 = %04X, want 29B1", got)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	c := pix.BRCode{Key: "sandbox@grimbots.dev", MerchantName: "Loja da Maria Conceição", MerchantCity: "São Paulo",
		AmountCents: 1990, TxID: "GB7f3k2m9q", Description: "VIP mensal"}
	s, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "000201") || !strings.Contains(s, "5405"+"19.90") || !strings.Contains(s, "5303986") ||
		!strings.Contains(s, "6009Sao Paulo") || !strings.Contains(s, "0510GB7f3k2m9q") {
		t.Fatalf("payload %s", s)
	}
	got, err := pix.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	if got.AmountCents != 1990 || got.TxID != "GB7f3k2m9q" || got.Key != c.Key || got.MerchantName != "Loja da Maria Conceicao" {
		t.Fatalf("decoded %+v", got)
	}
	// Any altered character breaks the CRC.
	bad := strings.Replace(s, "19.90", "10.90", 1)
	if _, err := pix.Decode(bad); err == nil {
		t.Fatal("tampered amount accepted")
	}
}

func TestEncodeRejectsBadInput(t *testing.T) {
	for _, c := range []pix.BRCode{{}, {Key: "k", MerchantName: "x"}, {Key: "k", MerchantName: "x", MerchantCity: "y", TxID: "has space"},
		{Key: "k", MerchantName: "x", MerchantCity: "y", TxID: strings.Repeat("a", 26)}} {
		if _, err := c.Encode(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestQRDataURL(t *testing.T) {
	u, err := pix.QRDataURL("000201...", 256)
	if err != nil || !strings.HasPrefix(u, "data:image/png;base64,iVBOR") {
		t.Fatalf("QRDataURL = %.40s, %v", u, err)
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := pix.BRCode{Key: "k@x.y", MerchantName: "A", MerchantCity: "B", AmountCents: 5}.Encode()
	f.Add(s)
	f.Add("000201")
	f.Fuzz(func(t *testing.T, s string) { _, _ = pix.Decode(s) })
}
