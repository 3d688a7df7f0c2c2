// Package pix builds and reads PIX BR Codes ("copia e cola"): the EMV
// merchant-presented QR payload defined by the Banco Central do Brasil, with
// its CRC16-CCITT checksum.
package pix

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// BRCode is the content of a PIX payment code.
type BRCode struct {
	Key          string // the receiver's PIX key (email, phone, CPF/CNPJ or random key)
	MerchantName string // up to 25 characters, shown to the payer
	MerchantCity string // up to 15 characters
	AmountCents  int64  // 0 leaves the amount to the payer
	TxID         string // up to 25 letters and digits; "***" when absent
	Description  string // optional message to the payer
}

// Encode returns the payload with its CRC.
func (c BRCode) Encode() (string, error) {
	if c.Key == "" || len(c.Key) > 77 {
		return "", errors.New("pix: key must be 1 to 77 characters")
	}
	name, city := ascii(c.MerchantName, 25), ascii(c.MerchantCity, 15)
	if name == "" || city == "" {
		return "", errors.New("pix: merchant name and city are required")
	}
	txid := c.TxID
	if txid == "" {
		txid = "***"
	}
	if len(txid) > 25 || (txid != "***" && !alnum(txid)) {
		return "", errors.New("pix: txid must be up to 25 letters and digits")
	}
	account := field("00", "br.gov.bcb.pix") + field("01", c.Key)
	if d := ascii(c.Description, 40); d != "" && len(account)+len(field("02", d)) <= 99 {
		account += field("02", d)
	}
	var b strings.Builder
	b.WriteString(field("00", "01"))
	b.WriteString(field("26", account))
	b.WriteString(field("52", "0000"))
	b.WriteString(field("53", "986"))
	if c.AmountCents > 0 {
		b.WriteString(field("54", fmt.Sprintf("%d.%02d", c.AmountCents/100, c.AmountCents%100)))
	}
	b.WriteString(field("58", "BR"))
	b.WriteString(field("59", name))
	b.WriteString(field("60", city))
	b.WriteString(field("62", field("05", txid)))
	b.WriteString("6304")
	return b.String() + fmt.Sprintf("%04X", CRC16(b.String())), nil
}

// Decode parses a payload, checking its structure and CRC.
func Decode(s string) (BRCode, error) {
	var c BRCode
	if len(s) < 8 || !strings.HasPrefix(s, "000201") || s[len(s)-8:len(s)-4] != "6304" {
		return c, errors.New("pix: not a BR Code")
	}
	want := fmt.Sprintf("%04X", CRC16(s[:len(s)-4]))
	if !strings.EqualFold(s[len(s)-4:], want) {
		return c, fmt.Errorf("pix: CRC mismatch: have %s, want %s", s[len(s)-4:], want)
	}
	fields, err := parse(s[:len(s)-8])
	if err != nil {
		return c, err
	}
	account, err := parse(fields["26"])
	if err != nil || account["00"] != "br.gov.bcb.pix" {
		return c, errors.New("pix: missing PIX merchant account")
	}
	c.Key, c.Description = account["01"], account["02"]
	c.MerchantName, c.MerchantCity = fields["59"], fields["60"]
	if a := fields["54"]; a != "" {
		whole, frac, _ := strings.Cut(a, ".")
		w, err1 := strconv.ParseInt(whole, 10, 64)
		f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
		if err1 != nil || err2 != nil {
			return c, fmt.Errorf("pix: bad amount %q", a)
		}
		c.AmountCents = w*100 + f
	}
	if extra, err := parse(fields["62"]); err == nil {
		c.TxID = extra["05"]
	}
	return c, nil
}

// CRC16 is CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF),
// the checksum of field 63.
func CRC16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func field(id, value string) string { return fmt.Sprintf("%s%02d%s", id, len(value), value) }

func parse(s string) (map[string]string, error) {
	out := map[string]string{}
	for len(s) > 0 {
		if len(s) < 4 {
			return nil, errors.New("pix: truncated field")
		}
		n, err := strconv.Atoi(s[2:4])
		if err != nil || len(s) < 4+n {
			return nil, errors.New("pix: bad field length")
		}
		out[s[:2]] = s[4 : 4+n]
		s = s[4+n:]
	}
	return out, nil
}

// ascii removes accents and keeps printable ASCII, as payer apps expect, cut
// to n characters.
func ascii(s string, n int) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		if r < 128 && unicode.IsPrint(r) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > n {
		out = strings.TrimSpace(out[:n])
	}
	return out
}

func alnum(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
