package pix

import (
	"encoding/base64"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QRDataURL renders payload as a PNG QR code (medium error correction, size
// px) in a data: URL that an <img> or Telegram can use directly.
func QRDataURL(payload string, px int) (string, error) {
	png, err := qrcode.Encode(payload, qrcode.Medium, px)
	if err != nil {
		return "", fmt.Errorf("pix: rendering QR code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
