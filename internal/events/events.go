// Package events is the sellers' live feed: sales as they are confirmed,
// achievements as they unlock. Publishers are jobs; subscribers are the
// server-sent event streams of the dashboard. Without Redis it is
// in-process; with Redis every instance publishes to one Redis channel and
// fans what it receives out to its own subscribers, so a stream gets its
// seller's events whichever instance produced them.
//
// Delivery is live only: an event published while nobody listens is gone.
// What must not be lost is persisted by its producer first (an unlock is a
// row), and carries its row id so a reconnecting client can catch up.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// Event types.
const (
	TypeSale        = "sale"
	TypeAchievement = "achievement"
	TypeLeague      = "league"
)

// Event is one message for one seller.
type Event struct {
	SellerID int64  `json:"seller_id"`
	Type     string `json:"type"`
	// ID is the persisted row behind the event (an unlock), which a client
	// resuming a stream names as its last event id; 0 for live-only events.
	ID   int64           `json:"id,omitempty"`
	Data json.RawMessage `json:"data"`
}

// New builds an event with data encoded as JSON.
func New(sellerID int64, typ string, id int64, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("events: encoding %s event: %w", typ, err)
	}
	return Event{SellerID: sellerID, Type: typ, ID: id, Data: raw}, nil
}

// Bus publishes events and subscribes to one seller's.
type Bus interface {
	// Publish sends ev to the subscribers of ev.SellerID, on every
	// instance.
	Publish(ctx context.Context, ev Event) error
	// Subscribe starts receiving the seller's events. The subscription
	// ends when closed, when the bus closes, or when its reader falls
	// too far behind (Done tells; the client then reconnects and catches
	// up).
	Subscribe(sellerID int64) *Subscription
	// Close ends every subscription and stops receiving. Publishing still
	// works (jobs finishing during a shutdown).
	Close() error
}

// Sale is the data of a sale event (the dashboard's live feed).
type Sale struct {
	PaymentID   int64      `json:"payment_id"`
	Reference   string     `json:"reference"`
	AmountCents int64      `json:"amount_cents"`
	Amount      string     `json:"amount"`
	Description string     `json:"description"`
	Gateway     string     `json:"gateway"`
	BotID       *int64     `json:"bot_id,omitempty"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
}

// SaleEvent is the event of a confirmed sale.
func SaleEvent(p *grimbots.Payment) (Event, error) {
	return New(p.SellerID, TypeSale, 0, Sale{PaymentID: p.ID, Reference: p.Reference, AmountCents: p.AmountCents,
		Amount: grimbots.Cents(p.AmountCents).String(), Description: p.Description, Gateway: p.GatewayKind, BotID: p.BotID,
		PaidAt: p.PaidAt})
}
