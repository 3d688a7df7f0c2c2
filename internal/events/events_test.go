package events_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/grimbots/grimbots/internal/events"
	"github.com/grimbots/grimbots/internal/grimbots"
	"github.com/grimbots/grimbots/internal/testenv"
)

// newBuses returns n buses that share their events, as n instances do.
type newBuses func(t *testing.T, n int) []events.Bus

func receive(t *testing.T, sub *events.Subscription) events.Event {
	t.Helper()
	select {
	case ev := <-sub.Events():
		return ev
	case <-sub.Done():
		t.Fatal("subscription ended")
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return events.Event{}
}

func nothing(t *testing.T, sub *events.Subscription) {
	t.Helper()
	select {
	case ev := <-sub.Events():
		t.Fatalf("unexpected event %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
}

func ended(t *testing.T, sub *events.Subscription) {
	t.Helper()
	select {
	case <-sub.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("subscription still open")
	}
}

func event(t *testing.T, seller int64, typ string, id int64, data any) events.Event {
	t.Helper()
	ev, err := events.New(seller, typ, id, data)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func conformance(t *testing.T, open newBuses) {
	ctx := context.Background()
	t.Run("only the seller's events", func(t *testing.T) {
		t.Parallel()
		buses := open(t, 2)
		a1, a2, b := buses[1].Subscribe(1), buses[0].Subscribe(1), buses[1].Subscribe(2)
		defer a1.Close()
		defer a2.Close()
		defer b.Close()
		if err := buses[0].Publish(ctx, event(t, 1, events.TypeAchievement, 7, map[string]string{"slug": "first_sale_bronze"})); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []*events.Subscription{a1, a2} {
			ev := receive(t, sub)
			if ev.SellerID != 1 || ev.Type != events.TypeAchievement || ev.ID != 7 || string(ev.Data) != `{"slug":"first_sale_bronze"}` {
				t.Errorf("received %+v", ev)
			}
		}
		nothing(t, b)
	})

	t.Run("order per publisher", func(t *testing.T) {
		t.Parallel()
		buses := open(t, 2)
		sub := buses[1].Subscribe(3)
		defer sub.Close()
		for i := range 20 {
			if err := buses[0].Publish(ctx, event(t, 3, events.TypeSale, int64(i+1), i)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 20 {
			if ev := receive(t, sub); ev.ID != int64(i+1) {
				t.Fatalf("event %d has id %d", i+1, ev.ID)
			}
		}
	})

	t.Run("close", func(t *testing.T) {
		t.Parallel()
		buses := open(t, 1)
		sub, kept := buses[0].Subscribe(4), buses[0].Subscribe(4)
		sub.Close()
		sub.Close() // twice is fine
		ended(t, sub)
		if err := buses[0].Publish(ctx, event(t, 4, events.TypeSale, 0, nil)); err != nil {
			t.Fatal(err)
		}
		receive(t, kept)
		if err := buses[0].Close(); err != nil {
			t.Fatal(err)
		}
		ended(t, kept)
		ended(t, buses[0].Subscribe(4)) // a closed bus gives ended subscriptions
		// Publishing still works for jobs finishing during a shutdown.
		if err := buses[0].Publish(ctx, event(t, 4, events.TypeSale, 0, nil)); err != nil {
			t.Errorf("publish after close: %v", err)
		}
	})

	t.Run("a stuck reader is ended, not waited for", func(t *testing.T) {
		t.Parallel()
		buses := open(t, 1)
		stuck, other := buses[0].Subscribe(5), buses[0].Subscribe(6)
		defer other.Close()
		for i := range 200 {
			if err := buses[0].Publish(ctx, event(t, 5, events.TypeSale, int64(i), nil)); err != nil {
				t.Fatal(err)
			}
		}
		ended(t, stuck)
		if err := buses[0].Publish(ctx, event(t, 6, events.TypeSale, 1, nil)); err != nil {
			t.Fatal(err)
		}
		receive(t, other)
	})
}

func TestMemory(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, n int) []events.Bus {
		m := events.NewMemory()
		t.Cleanup(func() { _ = m.Close() })
		out := make([]events.Bus, n)
		for i := range out {
			out[i] = m // one process: one bus serves every "instance"
		}
		return out
	})
}

func TestRedis(t *testing.T) {
	t.Parallel()
	testenv.Redis(t) // skip (or fail under CI) once
	conformance(t, func(t *testing.T, n int) []events.Bus {
		client, prefix := testenv.Redis(t)
		out := make([]events.Bus, n)
		for i := range out {
			r, err := events.NewRedis(context.Background(), client, prefix, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = r.Close() })
			out[i] = r
		}
		return out
	})
	t.Run("prefixes isolate", func(t *testing.T) {
		t.Parallel()
		client, prefix := testenv.Redis(t)
		a, err := events.NewRedis(context.Background(), client, prefix+"a:", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := events.NewRedis(context.Background(), client, prefix+"b:", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		sub := b.Subscribe(1)
		defer sub.Close()
		if err := a.Publish(context.Background(), event(t, 1, events.TypeSale, 0, nil)); err != nil {
			t.Fatal(err)
		}
		nothing(t, sub)
	})
}

func TestSaleEvent(t *testing.T) {
	t.Parallel()
	paid := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	bot := int64(9)
	ev, err := events.SaleEvent(&grimbots.Payment{ID: 3, SellerID: 8, Reference: "abc", AmountCents: 123456, Description: "VIP",
		GatewayKind: "sandbox", BotID: &bot, PaidAt: &paid, PixCode: "secret-ish"})
	if err != nil {
		t.Fatal(err)
	}
	var s events.Sale
	if err := json.Unmarshal(ev.Data, &s); err != nil {
		t.Fatal(err)
	}
	if ev.SellerID != 8 || ev.Type != events.TypeSale || ev.ID != 0 || s.Amount != "R$ 1.234,56" || s.PaymentID != 3 ||
		*s.BotID != 9 || !s.PaidAt.Equal(paid) {
		t.Errorf("sale event %+v %+v", ev, s)
	}
}
