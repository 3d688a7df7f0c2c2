package grimbots

import "time"

// SalesSummary is a seller's activity in a period [From, To).
type SalesSummary struct {
	// Sales and RevenueCents count payments paid in the period (by the time
	// they were paid) that are still paid (not refunded or charged back).
	Sales        int64
	RevenueCents int64
	// PIXGenerated counts charges created in the period (failed ones
	// excluded: no code reached the buyer); PIXPaid counts those of them
	// that were paid, whenever, refunds included.
	PIXGenerated int64
	PIXPaid      int64
	// Leads counts buyers whose first contact with a bot was in the period.
	Leads int64
}

// Conversion is the share of generated PIX that were paid, in basis points
// (10000 = 100%), rounded down; 0 when none was generated.
func (s SalesSummary) Conversion() int64 {
	if s.PIXGenerated == 0 {
		return 0
	}
	return s.PIXPaid * 10000 / s.PIXGenerated
}

// RevenueBucket is the paid sales of a short interval starting at Start
// (UTC), for charts drawn in any time zone.
type RevenueBucket struct {
	Start        time.Time
	Sales        int64
	RevenueCents int64
}

// RevenueBucketSeconds is the width of a RevenueBucket: every time zone's
// offset from UTC is a multiple of it, so each bucket falls in one local day.
const RevenueBucketSeconds = 15 * 60

// BotSales is one bot's activity in a period, as in SalesSummary.
type BotSales struct {
	BotID        int64
	Sales        int64
	RevenueCents int64
	PIXGenerated int64
	Leads        int64
}

// Sale is a paid payment with the names a seller recognises it by.
type Sale struct {
	Payment *Payment
	// BotName is the bot's name ("" for a charge made outside a bot).
	BotName string
	// Buyer is the lead's name or @username ("" when unknown).
	Buyer string
}

// SaleFilter selects a seller's sales: payments paid in [From, To) that are
// still paid, newest payment first.
type SaleFilter struct {
	From, To time.Time
	BotID    *int64
	Limit    int
	Offset   int
}

// MaxSalesPage bounds one page of sales.
const MaxSalesPage = 1000
