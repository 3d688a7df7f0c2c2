// Package gamification is the sellers' ranking, leagues and achievements.
//
// Everything is derived from payments after they commit: the payment's
// transition enqueues a PaymentJob (for a sale and for its reversal), whose
// worker records the sale in per-seller, per-period aggregates exactly once
// (keyed by the payment), then re-evaluates the seller's achievements and
// league and publishes what changed on the live event bus. A daily hook
// records the final positions of the periods that closed and re-scores
// every seller (scores decay with the sales' age).
//
// Ranking periods are calendar windows in America/Sao_Paulo: today, this
// week (Monday to Sunday), this month, and all time. The ranking is by net
// revenue (paid minus refunded and charged back) in centavos.
package gamification
