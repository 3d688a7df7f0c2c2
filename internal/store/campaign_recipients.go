package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

// A campaign's recipients go queued → sending (claimed by one run, right
// before Telegram is called) → sent, failed or blocked; or queued →
// skipped. Every change is conditional on the status it leaves (and, for a
// claimed recipient, on the run that claimed it), which is what keeps a
// lead from being messaged twice by one campaign.

// NextRecipients reads, in lead id order after after, at most limit queued
// recipients of one bot of a campaign that are due at now, and returns
// those to send and the last lead id read (after when none was). On the
// way it skips leads that blocked the bot since the audience was built
// and, when cooldownSince is set, leads another campaign messaged after it
// (or is sending to). When none was read, retryAt is the earliest time a
// queued recipient becomes due again (nil: none is queued).
func (s *Store) NextRecipients(ctx context.Context, sellerID, campaignID, botID, after int64, limit int, now time.Time,
	cooldownSince *time.Time) (list []grimbots.Recipient, last int64, retryAt *time.Time, err error) {
	cooling := "0"
	args := []any{campaignID, sellerID, botID, after, now, limit}
	if cooldownSince != nil {
		args = append(args, cooldownSince.UTC())
		cooling = "CASE WHEN " + cooldownCond("$1", "$7") + " THEN 1 ELSE 0 END"
	}
	type row struct {
		grimbots.Recipient
		blocked, cooling bool
	}
	rows, err := queryAll(ctx, s.db.hot, `SELECT r.lead_id, l.chat_id, l.first_name, r.attempts,
		CASE WHEN l.blocked_at IS NULL THEN 0 ELSE 1 END, `+cooling+`
		FROM campaign_recipients r JOIN leads l ON l.id = r.lead_id
		WHERE r.campaign_id = $1 AND r.seller_id = $2 AND r.bot_id = $3 AND r.status = 'queued' AND r.lead_id > $4
		AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= $5)
		ORDER BY r.lead_id LIMIT $6`, args, func(rows *sql.Rows) (row, error) {
		var r row
		return r, rows.Scan(&r.LeadID, &r.ChatID, &r.FirstName, &r.Attempts, &r.blocked, &r.cooling)
	})
	if err != nil {
		return nil, after, nil, err
	}
	for _, r := range rows {
		reason := ""
		switch {
		case r.blocked:
			reason = grimbots.ReasonBlocked
		case r.cooling:
			reason = grimbots.ReasonCooldown
		default:
			list = append(list, r.Recipient)
			continue
		}
		if _, err := s.db.hot.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'skipped', reason = $1
			WHERE campaign_id = $2 AND lead_id = $3 AND seller_id = $4 AND status = 'queued'`, reason, campaignID, r.LeadID, sellerID); err != nil {
			return nil, after, nil, err
		}
	}
	if len(rows) > 0 {
		return list, rows[len(rows)-1].LeadID, nil, nil
	}
	// ORDER BY rather than MIN: SQLite returns an aggregate of a timestamp
	// as text.
	var next time.Time
	err = s.db.hot.QueryRowContext(ctx, `SELECT next_attempt_at FROM campaign_recipients
		WHERE campaign_id = $1 AND seller_id = $2 AND bot_id = $3 AND status = 'queued' AND next_attempt_at IS NOT NULL
		ORDER BY next_attempt_at LIMIT 1`, campaignID, sellerID, botID).Scan(utc{&next})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, after, nil, nil
	} else if err != nil {
		return nil, after, nil, err
	}
	return nil, after, &next, nil
}

// ClaimRecipients makes run the only sender of those queued recipients
// (lead ids) of a campaign, ClaimBatch per statement, and returns the lead
// ids it claimed, in no particular order. One not returned is not queued
// any more (claimed by another run, skipped, cancelled).
func (s *Store) ClaimRecipients(ctx context.Context, sellerID, campaignID, runID int64, leadIDs []int64) ([]int64, error) {
	var claimed []int64
	for chunk := range slices.Chunk(leadIDs, ClaimBatch) {
		args := []any{runID, campaignID, sellerID}
		for i := range ClaimBatch {
			args = append(args, chunk[min(i, len(chunk)-1)]) // one statement text: see SettleSent
		}
		ids, err := queryAll(ctx, s.db.hot, `UPDATE campaign_recipients SET status = 'sending', run_id = $1
			WHERE campaign_id = $2 AND seller_id = $3 AND status = 'queued' AND lead_id IN (`+claimMarks+`)
			RETURNING lead_id`, args, func(rows *sql.Rows) (int64, error) {
			var id int64
			return id, rows.Scan(&id)
		})
		if err != nil {
			return claimed, fmt.Errorf("store: claiming campaign recipients: %w", err)
		}
		claimed = append(claimed, ids...)
	}
	return claimed, nil
}

// ClaimBatch is how many recipients one ClaimRecipients statement claims.
const ClaimBatch = 8

// claimMarks are ClaimRecipients' placeholders of lead ids: $4, …
var claimMarks = placeholders(4, ClaimBatch)

// one reports whether a statement changed exactly one row.
func one(res sql.Result, err error) (bool, error) {
	n, err := affected(res, err)
	return n == 1, err
}

// affected returns how many rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SettleRecipient records the outcome of a claimed send, only if the
// recipient is still claimed by r.RunID. A recipient put back in the queue
// of a cancelled campaign is skipped instead.
func (s *Store) SettleRecipient(ctx context.Context, r grimbots.RecipientResult) (bool, error) {
	var res sql.Result
	var err error
	switch r.Status {
	case grimbots.RecipientSent:
		res, err = s.db.hot.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'sent', sent_at = $1, error = ''
			WHERE campaign_id = $2 AND lead_id = $3 AND seller_id = $4 AND status = 'sending' AND run_id = $5`,
			r.At, r.CampaignID, r.LeadID, r.SellerID, r.RunID)
	case grimbots.RecipientQueued:
		attempt := 0
		if r.Attempt {
			attempt = 1
		}
		// Back in the queue, unless the campaign was cancelled meanwhile
		// (its cancel skipped the queue): then skipped too.
		res, err = s.db.hot.ExecContext(ctx, `UPDATE campaign_recipients
			SET status = CASE WHEN EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $4 AND c.status = 'cancelled') THEN 'skipped' ELSE 'queued' END,
			reason = CASE WHEN EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $4 AND c.status = 'cancelled') THEN 'cancelled' ELSE reason END,
			attempts = attempts + $1, next_attempt_at = $2, error = $3
			WHERE campaign_id = $4 AND lead_id = $5 AND seller_id = $6 AND status = 'sending' AND run_id = $7`,
			attempt, timeArg(r.RetryAt), truncate(r.Error, 500), r.CampaignID, r.LeadID, r.SellerID, r.RunID)
	default:
		res, err = s.db.hot.ExecContext(ctx, `UPDATE campaign_recipients SET status = $1, reason = $2, error = $3
			WHERE campaign_id = $4 AND lead_id = $5 AND seller_id = $6 AND status = 'sending' AND run_id = $7`,
			r.Status, r.Reason, truncate(r.Error, 500), r.CampaignID, r.LeadID, r.SellerID, r.RunID)
	}
	return one(res, err)
}

// SettleSent records that the recipients (lead ids) a run claimed were
// sent at at, SentBatch per statement; it returns how many were still
// claimed by runID. Many sends share one write this way.
func (s *Store) SettleSent(ctx context.Context, sellerID, campaignID, runID int64, leadIDs []int64, at time.Time) (int64, error) {
	var total int64
	for chunk := range slices.Chunk(leadIDs, SentBatch) {
		args := []any{at, campaignID, sellerID, runID}
		for i := range SentBatch {
			// A short batch repeats its last id: every statement has the
			// same text, prepared once.
			args = append(args, chunk[min(i, len(chunk)-1)])
		}
		n, err := affected(s.db.hot.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'sent', sent_at = $1, error = ''
			WHERE campaign_id = $2 AND seller_id = $3 AND run_id = $4 AND status = 'sending' AND lead_id IN (`+sentMarks+`)`, args...))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// SentBatch is how many recipients one SettleSent statement records.
const SentBatch = 64

// sentMarks are SettleSent's placeholders of lead ids: $5, …
var sentMarks = placeholders(5, SentBatch)

// placeholders returns n numbered placeholders from $first, comma-separated.
func placeholders(first, n int) string {
	marks := make([]string, n)
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(marks, ", ")
}

// SettleOrphans fails, as uncertain, the recipients of one bot of a
// campaign left claimed by a run other than runID: that run died between
// its claim and its outcome, so the message may have been delivered and
// is not sent again. Call it only when no other run of the bot can be
// alive (the job system runs one runner per campaign and bot).
func (s *Store) SettleOrphans(ctx context.Context, sellerID, campaignID, botID, runID int64) (int64, error) {
	return affected(s.db.primary.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'failed', reason = 'uncertain',
		error = 'interrupted while handed to Telegram; not sent again to avoid a duplicate'
		WHERE campaign_id = $1 AND seller_id = $2 AND bot_id = $3 AND status = 'sending' AND run_id <> $4`,
		campaignID, sellerID, botID, runID))
}

// FailQueued fails every queued recipient of one bot of a campaign (the
// bot's token was revoked, the bot was deleted).
func (s *Store) FailQueued(ctx context.Context, sellerID, campaignID, botID int64, reason, errText string) (int64, error) {
	return affected(s.db.primary.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'failed', reason = $1, error = $2
		WHERE campaign_id = $3 AND seller_id = $4 AND bot_id = $5 AND status = 'queued'`, reason, truncate(errText, 500),
		campaignID, sellerID, botID))
}

// CampaignClick counts a press (press: Telegram's callback query id) of
// one of the campaign's offer buttons by a lead of the bot, once however
// often the same press is handled, and reports whether the campaign was
// sent to that lead through that bot: only then is the press (and the
// sale) the campaign's.
func (s *Store) CampaignClick(ctx context.Context, sellerID, botID, campaignID, leadID int64, press string, at time.Time) (bool, error) {
	return one(s.db.primary.ExecContext(ctx, `UPDATE campaign_recipients SET clicks = clicks + CASE WHEN last_press = $1 THEN 0 ELSE 1 END,
		last_press = $1, clicked_at = COALESCE(clicked_at, $2)
		WHERE campaign_id = $3 AND lead_id = $4 AND seller_id = $5 AND bot_id = $6`, press, at, campaignID, leadID, sellerID, botID))
}

// CampaignProgress counts a campaign's recipients by status, its clicks,
// and the paid sales attributed to it.
func (s *Store) CampaignProgress(ctx context.Context, sellerID, id int64) (*grimbots.CampaignProgress, error) {
	c, err := s.Campaign(ctx, sellerID, id)
	if err != nil {
		return nil, err
	}
	p := &grimbots.CampaignProgress{}
	err = s.db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT status, reason, COUNT(*), COALESCE(SUM(clicks), 0),
			COALESCE(SUM(CASE WHEN clicks > 0 THEN 1 ELSE 0 END), 0)
			FROM campaign_recipients WHERE campaign_id = $1 AND seller_id = $2 GROUP BY status, reason`, id, sellerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var status, reason string
			var n, clicks, clickers int64
			if err := rows.Scan(&status, &reason, &n, &clicks, &clickers); err != nil {
				return err
			}
			addProgress(p, status, reason, n)
			p.Total += n
			p.Clicks += clicks
			p.Clickers += clickers
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var building int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaign_bots WHERE campaign_id = $1 AND seller_id = $2
			AND NOT audience_done`, id, sellerID).Scan(&building); err != nil {
			return err
		}
		p.AudienceReady = building == 0 && c.StartedAt != nil
		if c.StartedAt == nil {
			return nil
		}
		// Sales: paid payments of the campaign's bots since it started
		// whose purchase names it (recorded from its offer buttons).
		return q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(p.amount_cents), 0) FROM payments p
			WHERE p.seller_id = $1 AND p.status = 'paid' AND p.created_at >= $2
			AND p.bot_id IN (SELECT bot_id FROM campaign_bots WHERE campaign_id = $3)
			AND `+s.db.dialect.jsonField("p.funnel", "campaign", true)+` = $3`, sellerID, c.StartedAt.UTC(), id).
			Scan(&p.Sales, &p.RevenueCents)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func addProgress(p *grimbots.CampaignProgress, status, reason string, n int64) {
	switch status {
	case grimbots.RecipientQueued:
		p.Queued += n
	case grimbots.RecipientSending:
		p.Sending += n
	case grimbots.RecipientSent:
		p.Sent += n
	case grimbots.RecipientFailed:
		p.Failed += n
		if reason == grimbots.ReasonUncertain {
			p.Uncertain += n
		}
	case grimbots.RecipientBlocked:
		p.Blocked += n
	case grimbots.RecipientSkipped:
		p.Skipped += n
		if reason == grimbots.ReasonCooldown {
			p.Cooldown += n
		}
	}
}
