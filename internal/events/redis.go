package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// Redis is the bus shared by every instance through one Redis pub/sub
// channel. Each instance holds one subscription to it (go-redis reconnects
// and resubscribes by itself) and fans the events out locally.
type Redis struct {
	h       hub
	client  *redis.Client
	channel string
	ps      *redis.PubSub
	done    chan struct{}
	logger  *slog.Logger
}

// NewRedis subscribes to the channel prefix+"events" and returns once
// Redis has confirmed the subscription, so nothing published afterwards
// is missed.
func NewRedis(ctx context.Context, client *redis.Client, prefix string, logger *slog.Logger) (*Redis, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	r := &Redis{client: client, channel: prefix + "events", done: make(chan struct{}), logger: logger}
	r.ps = client.Subscribe(ctx, r.channel)
	if _, err := r.ps.Receive(ctx); err != nil {
		_ = r.ps.Close()
		return nil, fmt.Errorf("events: subscribing to %s: %w", r.channel, err)
	}
	go r.run(r.ps.Channel())
	return r, nil
}

func (r *Redis) run(ch <-chan *redis.Message) {
	defer close(r.done)
	for msg := range ch {
		var ev Event
		if err := json.Unmarshal([]byte(msg.Payload), &ev); err != nil {
			r.logger.Warn("events: undecodable message on the events channel", "err", err)
			continue
		}
		r.h.deliver(ev)
	}
}

// Publish sends ev through Redis; every instance (this one included)
// delivers it to its subscribers of the seller.
func (r *Redis) Publish(ctx context.Context, ev Event) error {
	raw, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("events: encoding: %w", err)
	}
	if err := r.client.Publish(ctx, r.channel, raw).Err(); err != nil {
		return fmt.Errorf("events: publishing %s event: %w", ev.Type, err)
	}
	return nil
}

// Subscribe starts receiving the seller's events.
func (r *Redis) Subscribe(sellerID int64) *Subscription { return r.h.subscribe(sellerID) }

// Subscribers counts this instance's open subscriptions.
func (r *Redis) Subscribers() int { return r.h.subscribers() }

// Close ends every subscription and the Redis subscription.
func (r *Redis) Close() error {
	r.h.close()
	err := r.ps.Close()
	<-r.done
	return err
}
