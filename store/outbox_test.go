package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

func TestOutboxNotifyIsTransactional(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		n := store.Notification{Channel: store.ChannelSMS, To: "٠١٠ ١٢٣٤-٥٦٧٨", Template: "notify.request.submitted",
			Data: map[string]string{"tracking": "1301-0004-2175", "due": "2026-03-29"}, Entity: "request", EntityID: "r1"}
		// The business change fails: neither the message nor its job exists.
		boom := errors.New("business rule failed")
		err := db.Write(ctx, func(tx *store.Tx) error {
			if err := tx.Notify(n); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if ms, _ := db.Messages(ctx, "request", "r1"); len(ms) != 0 {
			t.Fatalf("rolled back change left messages: %+v", ms)
		}
		if jobs, _ := db.ClaimJobs(ctx, "w", []string{store.JobDeliver}, 10, time.Minute); len(jobs) != 0 {
			t.Fatalf("rolled back change left jobs: %+v", jobs)
		}
		// It commits: one message, pending, with its delivery job.
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.Notify(n) }); err != nil {
			t.Fatal(err)
		}
		ms, err := db.Messages(ctx, "request", "r1")
		if err != nil || len(ms) != 1 {
			t.Fatalf("%+v %v", ms, err)
		}
		m := ms[0]
		if m.To != "01012345678" || m.Status != store.MessagePending || m.Locale != "ar" || m.Data()["tracking"] != "1301-0004-2175" {
			t.Errorf("message %+v", m)
		}
		jobs, err := db.ClaimJobs(ctx, "w", []string{store.JobDeliver}, 10, time.Minute)
		if err != nil || len(jobs) != 1 || string(jobs[0].Payload) != m.ID || jobs[0].ID != m.JobID {
			t.Fatalf("delivery job %+v %v", jobs, err)
		}
		// Recording the outcome: sent once; a second record is refused.
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RecordDelivery(m.ID, store.MessageSent, 1, "") }); err != nil {
			t.Fatal(err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error { return tx.RecordDelivery(m.ID, store.MessageFailed, 2, "x") })
		if !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("second outcome: %v", err)
		}
		ms, _ = db.Messages(ctx, "request", "r1")
		if ms[0].Status != store.MessageSent || ms[0].SentAt == nil || !ms[0].SentAt.Equal(clock.Now()) {
			t.Errorf("after sending: %+v", ms[0])
		}
	})
}

func TestOutboxNotifyValidates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		cases := []struct {
			field string
			n     store.Notification
		}{
			{"channel", store.Notification{Channel: "fax", To: "01012345678", Template: "notify.request.ready"}},
			{"to", store.Notification{Channel: store.ChannelSMS, To: "call me", Template: "notify.request.ready"}},
			{"to", store.Notification{Channel: store.ChannelEmail, To: "a@b.eg\r\nBcc: x@y.eg", Template: "notify.request.ready"}},
			{"template", store.Notification{Channel: store.ChannelSMS, To: "01012345678", Template: "notify.nope"}},
			{"locale", store.Notification{Channel: store.ChannelSMS, To: "01012345678", Template: "notify.request.ready", Locale: "fr"}},
		}
		for _, c := range cases {
			err := db.Write(context.Background(), func(tx *store.Tx) error { return tx.Notify(c.n) })
			var me *markaz.Error
			if !errors.As(err, &me) || me.Code != markaz.EInvalid || len(me.Fields) != 1 || me.Fields[0].Field != c.field {
				t.Errorf("%s %+v: %v", c.field, c.n, err)
			}
		}
	})
}
