package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grimbots/grimbots/internal/grimbots"
)

const campaignColumns = `c.id, c.seller_id, c.name, c.status, c.segment, c.segment_offer, c.inactive_days, c.message,
	c.cooldown_hours, c.scheduled_at, c.started_at, c.finished_at, c.created_at, c.updated_at`

func scanCampaign(row scanner) (*grimbots.Campaign, error) {
	c := &grimbots.Campaign{}
	err := row.Scan(&c.ID, &c.SellerID, &c.Name, &c.Status, &c.Segment.Kind, &c.Segment.Offer, &c.Segment.InactiveDays,
		&c.Message, &c.CooldownHours, nullTime{&c.ScheduledAt}, nullTime{&c.StartedAt}, nullTime{&c.FinishedAt},
		utc{&c.CreatedAt}, utc{&c.UpdatedAt})
	return c, err
}

var errCampaignNotFound = grimbots.Errorf(grimbots.ENOTFOUND, "campaign not found")

// checkCampaignBots fails with ENOTFOUND unless every id is a live bot of
// the seller; it returns the ids without duplicates, in order.
func checkCampaignBots(ctx context.Context, q querier, sellerID int64, ids []int64) ([]int64, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil, grimbots.Invalid("validation failed", grimbots.FieldError{Field: "body.bot_ids", Message: "choose at least one bot"})
	}
	args := []any{sellerID}
	marks := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		marks[i] = fmt.Sprintf("$%d", len(args))
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE seller_id = $1 AND deleted_at IS NULL AND id IN (`+
		strings.Join(marks, ", ")+`)`, args...).Scan(&n); err != nil {
		return nil, err
	}
	if n != len(ids) {
		return nil, grimbots.Errorf(grimbots.ENOTFOUND, "bot not found")
	}
	return ids, nil
}

func insertCampaignBots(ctx context.Context, tx *sql.Tx, c *grimbots.Campaign) error {
	for _, id := range c.BotIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_bots (campaign_id, bot_id, seller_id) VALUES ($1, $2, $3)`,
			c.ID, id, c.SellerID); err != nil {
			return err
		}
	}
	return nil
}

// CreateCampaign inserts a draft campaign on the seller's bots, setting its
// ID. Bots that are not the seller's live bots give ENOTFOUND.
func (s *Store) CreateCampaign(ctx context.Context, c *grimbots.Campaign) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := checkCampaignBots(ctx, tx, c.SellerID, c.BotIDs)
		if err != nil {
			return err
		}
		c.BotIDs, c.Status = ids, grimbots.CampaignDraft
		if err := tx.QueryRowContext(ctx, `INSERT INTO campaigns (seller_id, name, status, segment, segment_offer, inactive_days,
			message, cooldown_hours, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			c.SellerID, c.Name, c.Status, c.Segment.Kind, c.Segment.Offer, c.Segment.InactiveDays, c.Message, c.CooldownHours,
			c.CreatedAt).Scan(&c.ID); err != nil {
			return err
		}
		return insertCampaignBots(ctx, tx, c)
	})
}

// Campaign returns one of the seller's campaigns (not deleted), with its bots.
func (s *Store) Campaign(ctx context.Context, sellerID, id int64) (*grimbots.Campaign, error) {
	var c *grimbots.Campaign
	err := s.db.readFresh(ctx, func(q querier) (err error) {
		c, err = scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignColumns+` FROM campaigns c
			WHERE c.id = $1 AND c.seller_id = $2 AND c.deleted_at IS NULL`, id, sellerID))
		if err != nil {
			return err
		}
		c.BotIDs, err = campaignBotIDs(ctx, q, c.ID)
		return err
	})
	if err != nil {
		return nil, notFound(err, "campaign not found")
	}
	return c, nil
}

func campaignBotIDs(ctx context.Context, q querier, campaignID int64) ([]int64, error) {
	return queryAll(ctx, q, `SELECT bot_id FROM campaign_bots WHERE campaign_id = $1 ORDER BY bot_id`, []any{campaignID},
		func(rows *sql.Rows) (int64, error) {
			var id int64
			return id, rows.Scan(&id)
		})
}

// Campaigns lists the seller's campaigns, newest first, with the total.
func (s *Store) Campaigns(ctx context.Context, sellerID int64, f grimbots.CampaignFilter) ([]*grimbots.Campaign, int, error) {
	cond := `c.seller_id = $1 AND c.deleted_at IS NULL`
	args := []any{sellerID}
	if f.Status != "" {
		args = append(args, f.Status)
		cond += ` AND c.status = $2`
	}
	limit, offset := pageBounds(f.Limit, f.Offset)
	var out []*grimbots.Campaign
	var total int
	err := s.db.read(ctx, func(q querier) (err error) {
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM campaigns c WHERE `+cond, args...).Scan(&total); err != nil {
			return err
		}
		out, err = queryAll(ctx, q, `SELECT `+campaignColumns+` FROM campaigns c WHERE `+cond+
			fmt.Sprintf(` ORDER BY c.id DESC LIMIT %d OFFSET %d`, limit, offset), args,
			func(rows *sql.Rows) (*grimbots.Campaign, error) { return scanCampaign(rows) })
		if err != nil {
			return err
		}
		for _, c := range out {
			if c.BotIDs, err = campaignBotIDs(ctx, q, c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, total, err
}

// campaignStatus reads a campaign's status, locking its row until the
// transaction ends.
func (s *Store) campaignStatus(ctx context.Context, tx *sql.Tx, sellerID, id int64) (string, error) {
	return s.lockedCampaignStatus(ctx, tx, sellerID, id, s.db.dialect.forUpdate())
}

// sharedCampaignStatus is campaignStatus with a shared lock: its holders
// (the bots' audience builders) work at once, and a change of status waits
// for them all.
func (s *Store) sharedCampaignStatus(ctx context.Context, tx *sql.Tx, sellerID, id int64) (string, error) {
	return s.lockedCampaignStatus(ctx, tx, sellerID, id, s.db.dialect.forShare())
}

func (s *Store) lockedCampaignStatus(ctx context.Context, tx *sql.Tx, sellerID, id int64, lock string) (string, error) {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM campaigns WHERE id = $1 AND seller_id = $2 AND deleted_at IS NULL`+lock,
		id, sellerID).Scan(&status)
	return status, notFound(err, "campaign not found")
}

func conflictStatus(status string) error {
	return grimbots.Errorf(grimbots.ECONFLICT, "the campaign is %s", status)
}

// UpdateCampaign saves c's name, message and cooldown, and with audience
// also its bots and segment, if its status is one of from (else
// ECONFLICT).
func (s *Store) UpdateCampaign(ctx context.Context, c *grimbots.Campaign, from []string, audience bool) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		status, err := s.campaignStatus(ctx, tx, c.SellerID, c.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(from, status) {
			return conflictStatus(status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = $1, message = $2, cooldown_hours = $3, updated_at = $4
			WHERE id = $5 AND seller_id = $6`, c.Name, c.Message, c.CooldownHours, c.UpdatedAt, c.ID, c.SellerID); err != nil {
			return err
		}
		if !audience {
			return nil
		}
		if c.BotIDs, err = checkCampaignBots(ctx, tx, c.SellerID, c.BotIDs); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET segment = $1, segment_offer = $2, inactive_days = $3
			WHERE id = $4 AND seller_id = $5`, c.Segment.Kind, c.Segment.Offer, c.Segment.InactiveDays, c.ID, c.SellerID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_bots WHERE campaign_id = $1 AND seller_id = $2`, c.ID, c.SellerID); err != nil {
			return err
		}
		return insertCampaignBots(ctx, tx, c)
	})
}

// DeleteCampaign hides a campaign from the seller. One still scheduled,
// sending or paused is cancelled first. Its recipients stay, so that
// cooldowns and the attribution of its buttons' sales still work.
func (s *Store) DeleteCampaign(ctx context.Context, sellerID, id int64, now time.Time) error {
	return s.db.inTx(ctx, func(tx *sql.Tx) error {
		status, err := s.campaignStatus(ctx, tx, sellerID, id)
		if err != nil {
			return err
		}
		if active(status) {
			if err := cancelCampaign(ctx, tx, sellerID, id, now); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE campaigns SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND seller_id = $3`,
			now, id, sellerID)
		return err
	})
}

func active(status string) bool {
	return status == grimbots.CampaignScheduled || status == grimbots.CampaignSending || status == grimbots.CampaignPaused
}

// cancelCampaign ends a campaign: recipients not claimed yet are skipped.
// A runner claims with a conditional update, so each queued recipient is
// either sent or skipped, never both.
func cancelCampaign(ctx context.Context, tx *sql.Tx, sellerID, id int64, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'cancelled', finished_at = $1, updated_at = $1
		WHERE id = $2 AND seller_id = $3`, now, id, sellerID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE campaign_recipients SET status = 'skipped', reason = 'cancelled'
		WHERE campaign_id = $1 AND seller_id = $2 AND status = 'queued'`, id, sellerID)
	return err
}

// TransitionCampaign applies one conditional status change with its jobs
// in a single transaction; changed is false (and nothing is written) when
// the campaign's status is not one of t.From. A missing campaign gives
// ENOTFOUND.
func (s *Store) TransitionCampaign(ctx context.Context, t grimbots.CampaignTransition) (changed bool, status string, err error) {
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		if status, err = s.campaignStatus(ctx, tx, t.SellerID, t.CampaignID); err != nil {
			return err
		}
		if !slices.Contains(t.From, status) {
			return nil
		}
		switch t.To {
		case grimbots.CampaignCancelled:
			err = cancelCampaign(ctx, tx, t.SellerID, t.CampaignID, t.Now)
		case grimbots.CampaignScheduled:
			_, err = tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, scheduled_at = $2, updated_at = $3
				WHERE id = $4 AND seller_id = $5`, t.To, timeArg(t.ScheduledAt), t.Now, t.CampaignID, t.SellerID)
		case grimbots.CampaignSending:
			_, err = tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, started_at = COALESCE(started_at, $2), updated_at = $2
				WHERE id = $3 AND seller_id = $4`, t.To, t.Now, t.CampaignID, t.SellerID)
		case grimbots.CampaignDone:
			_, err = tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, finished_at = $2, updated_at = $2
				WHERE id = $3 AND seller_id = $4`, t.To, t.Now, t.CampaignID, t.SellerID)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE campaigns SET status = $1, updated_at = $2 WHERE id = $3 AND seller_id = $4`,
				t.To, t.Now, t.CampaignID, t.SellerID)
		}
		if err != nil {
			return err
		}
		changed, status = true, t.To
		return s.insertJobs(ctx, tx, t.Jobs...)
	})
	return changed, status, err
}

// FinishCampaign marks a sending campaign done once every bot's audience
// is built and no recipient is left queued or being sent.
func (s *Store) FinishCampaign(ctx context.Context, sellerID, id int64, now time.Time) (bool, error) {
	return one(s.db.primary.ExecContext(ctx, `UPDATE campaigns SET status = 'done', finished_at = $1, updated_at = $1
		WHERE id = $2 AND seller_id = $3 AND status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM campaign_bots cb WHERE cb.campaign_id = $2 AND NOT cb.audience_done)
		AND NOT EXISTS (SELECT 1 FROM campaign_recipients r WHERE r.campaign_id = $2 AND r.status IN ('queued', 'sending'))`,
		now, id, sellerID))
}

// CampaignWork lists, across sellers, the bots of campaigns that are
// sending and of scheduled campaigns due at now: the sweeper makes sure
// each has its job.
func (s *Store) CampaignWork(ctx context.Context, now time.Time, limit int) ([]grimbots.CampaignWork, error) {
	return queryAll(ctx, s.db.primary, `SELECT c.seller_id, c.id, cb.bot_id, c.status, c.scheduled_at
		FROM campaigns c JOIN campaign_bots cb ON cb.campaign_id = c.id
		WHERE c.status IN ('scheduled', 'sending') AND c.deleted_at IS NULL
		AND (c.status = 'sending' OR c.scheduled_at <= $1)
		ORDER BY c.id, cb.bot_id LIMIT $2`, []any{now, limit},
		func(rows *sql.Rows) (grimbots.CampaignWork, error) {
			var w grimbots.CampaignWork
			return w, rows.Scan(&w.SellerID, &w.CampaignID, &w.BotID, &w.Status, nullTime{&w.ScheduledAt})
		})
}

// ---- audiences ----

// segmentWhere returns the conditions on leads (aliased l) of seg, adding
// its arguments to args. Leads who blocked the bot are never included.
func (s *Store) segmentWhere(seg grimbots.Segment, now time.Time, args *[]any) (string, error) {
	arg := func(v any) string {
		*args = append(*args, v)
		return fmt.Sprintf("$%d", len(*args))
	}
	paid := `EXISTS (SELECT 1 FROM payments p WHERE p.lead_id = l.id AND p.seller_id = l.seller_id AND p.status = 'paid'`
	conds := []string{"l.blocked_at IS NULL"}
	switch seg.Kind {
	case grimbots.SegmentAll, grimbots.SegmentInactive:
	case grimbots.SegmentBuyers:
		conds = append(conds, paid+")")
	case grimbots.SegmentNonBuyers:
		conds = append(conds, "NOT "+paid+")")
	case grimbots.SegmentUnpaidPIX:
		conds = append(conds, `EXISTS (SELECT 1 FROM payments p WHERE p.lead_id = l.id AND p.seller_id = l.seller_id
			AND p.status IN ('pending', 'expired'))`, "NOT "+paid+")")
	case grimbots.SegmentBoughtOffer:
		conds = append(conds, paid+" AND "+s.db.dialect.jsonField("p.funnel", "offer", false)+" = "+arg(seg.Offer)+")")
	default:
		return "", grimbots.Errorf(grimbots.EINVALID, "unknown segment %q", seg.Kind)
	}
	if seg.InactiveDays > 0 {
		conds = append(conds, "l.last_interaction_at <= "+arg(now.Add(-time.Duration(seg.InactiveDays)*24*time.Hour).UTC()))
	}
	return strings.Join(conds, " AND "), nil
}

// cooldownCond is the condition that another campaign messaged the lead
// (l) since since, or is sending to it now.
func cooldownCond(campaign, since string) string {
	return `EXISTS (SELECT 1 FROM campaign_recipients o WHERE o.lead_id = l.id AND o.campaign_id <> ` + campaign +
		` AND (o.sent_at > ` + since + ` OR o.status = 'sending'))`
}

// PreviewSegment counts the leads of the seller's bots in seg, and how many
// of them another campaign messaged in the last cooldownHours.
func (s *Store) PreviewSegment(ctx context.Context, sellerID int64, botIDs []int64, seg grimbots.Segment, cooldownHours int,
	now time.Time) (total, cooling int64, err error) {
	err = s.db.read(ctx, func(q querier) error {
		ids, err := checkCampaignBots(ctx, q, sellerID, botIDs)
		if err != nil {
			return err
		}
		args := []any{sellerID}
		marks := make([]string, len(ids))
		for i, id := range ids {
			args = append(args, id)
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		cond, err := s.segmentWhere(seg, now, &args)
		if err != nil {
			return err
		}
		args = append(args, now.Add(-time.Duration(cooldownHours)*time.Hour).UTC())
		return q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN `+cooldownCond("0", fmt.Sprintf("$%d", len(args)))+
			` THEN 1 ELSE 0 END), 0) FROM leads l WHERE l.seller_id = $1 AND l.bot_id IN (`+strings.Join(marks, ", ")+`) AND `+cond,
			args...).Scan(&total, &cooling)
	})
	if cooldownHours <= 0 {
		cooling = 0
	}
	return total, cooling, err
}

// BuildAudience adds the next page of at most limit leads of one bot of a
// campaign to its recipients (queued), in lead id order from where the
// last page stopped, and reports whether the bot's audience is complete
// (it is, at once, for a campaign that is neither sending nor paused).
// Each page is one transaction that moves the bot's cursor, so a build
// interrupted anywhere resumes without gaps or duplicates.
func (s *Store) BuildAudience(ctx context.Context, sellerID, campaignID, botID int64, limit int, now time.Time) (done bool, added int64, err error) {
	err = s.db.inTx(ctx, func(tx *sql.Tx) error {
		// The campaign's row lock orders this page and a cancel: the
		// cancel skips every recipient queued before it, and no page is
		// added after it. Shared: the bots' pages do not wait for each
		// other.
		status, err := s.sharedCampaignStatus(ctx, tx, sellerID, campaignID)
		if err != nil {
			return err
		}
		var c grimbots.Campaign
		var cursor int64
		err = tx.QueryRowContext(ctx, `SELECT c.segment, c.segment_offer, c.inactive_days, cb.audience_cursor, cb.audience_done
			FROM campaigns c JOIN campaign_bots cb ON cb.campaign_id = c.id AND cb.bot_id = $3
			WHERE c.id = $1 AND c.seller_id = $2`, campaignID, sellerID, botID).Scan(&c.Segment.Kind, &c.Segment.Offer,
			&c.Segment.InactiveDays, &cursor, &done)
		if err != nil || done {
			return notFound(err, "campaign not found")
		}
		if status != grimbots.CampaignSending && status != grimbots.CampaignPaused {
			done = true
			_, err := tx.ExecContext(ctx, `UPDATE campaign_bots SET audience_done = TRUE WHERE campaign_id = $1 AND bot_id = $2
				AND seller_id = $3`, campaignID, botID, sellerID)
			return err
		}
		args := []any{sellerID, botID, cursor}
		cond, err := s.segmentWhere(c.Segment, now, &args)
		if err != nil {
			return err
		}
		args = append(args, limit)
		page := `FROM leads l WHERE l.seller_id = $1 AND l.bot_id = $2 AND l.id > $3 AND ` + cond
		var last sql.NullInt64
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(id), COUNT(*) FROM (SELECT l.id `+page+
			fmt.Sprintf(` ORDER BY l.id LIMIT $%d) pg`, len(args)), args...).Scan(&last, &n); err != nil {
			return err
		}
		if n > 0 {
			args = append(args[:len(args)-1], last.Int64, campaignID)
			res, err := tx.ExecContext(ctx, `INSERT INTO campaign_recipients (campaign_id, lead_id, seller_id, bot_id, status)
				SELECT CAST(`+fmt.Sprintf("$%d", len(args))+` AS BIGINT), l.id, l.seller_id, l.bot_id, 'queued' `+page+
				fmt.Sprintf(` AND l.id <= $%d ON CONFLICT DO NOTHING`, len(args)-1), args...)
			if err != nil {
				return err
			}
			if added, err = res.RowsAffected(); err != nil {
				return err
			}
			cursor = last.Int64
		}
		done = n < int64(limit)
		_, err = tx.ExecContext(ctx, `UPDATE campaign_bots SET audience_cursor = $1, audience_done = $2
			WHERE campaign_id = $3 AND bot_id = $4 AND seller_id = $5`, cursor, done, campaignID, botID, sellerID)
		return err
	})
	return done, added, err
}
