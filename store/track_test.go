package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// trackRequest registers a SHOP-LIC request at c by clerk and returns its tracking number.
func trackRequest(t *testing.T, db *store.DB, clerk *markaz.Principal, nid, mobile string) string {
	t.Helper()
	reg := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
		NationalID: nid, Name: "سعاد علي", Mobile: mobile}}
	ws, err := reg.Validate(markaz.DateOf(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	var got *store.Registered
	if err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		got, err = tx.RegisterRequest(clerk, reg, "", ws)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got.Detail.TrackingNumber
}

func TestTrackCheckAndLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-TRK-01", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		back := reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode)
		n1 := trackRequest(t, db, clerk, "29001011301234", "01001234567")
		n2 := trackRequest(t, db, clerk, "29001011305678", "01119876543")

		// National ID and mobile last four both work, in Latin or Arabic-Indic digits.
		for _, v := range []string{"1234", "4567", "١٢٣٤", "٤٥٦٧"} {
			d, err := store.TrackVerify(v)
			if err != nil {
				t.Fatalf("verify %q: %v", v, err)
			}
			got, err := db.Track(ctx, n1, d)
			if err != nil || got.Status != request.StatusSubmitted || got.CenterEn != "Center SH-TRK-01" || got.ServiceAr == "" {
				t.Fatalf("track %s %s: %+v %v", n1, v, got, err)
			}
		}
		for _, bad := range []string{"", "123", "12345", "12a4"} {
			if _, err := store.TrackVerify(bad); markaz.ErrorCode(err) != markaz.EInvalid {
				t.Errorf("verify %q accepted", bad)
			}
		}

		// Returned for completion: what is missing is the latest return's note, and the
		// expected date grows with the pause.
		for _, a := range []struct {
			p            *markaz.Principal
			action, note string
		}{{clerk, request.ActionForward, ""}, {back, request.ActionReturn, "صورة عقد الإيجار"}} {
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ActOnRequest(a.p, n1, a.action, a.note, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		before, err := db.Track(ctx, n1, "1234")
		if err != nil || before.Status != request.StatusReturned || before.Missing != "صورة عقد الإيجار" {
			t.Fatalf("returned: %+v %v", before, err)
		}
		clock.Advance(7 * 24 * time.Hour)
		after, err := db.Track(ctx, n1, "1234")
		if err != nil || !after.Expected.After(before.Expected) {
			t.Fatalf("expected date while paused: %v then %+v %v", before.Expected, after, err)
		}

		// Wrong number and wrong check answer the same error.
		_, e1 := db.Track(ctx, n1, "0000")
		_, e2 := db.Track(ctx, "1399-9999-9999", "1234")
		_, e3 := db.Track(ctx, "not a number", "1234")
		for _, e := range []error{e1, e2, e3} {
			if markaz.ErrorCode(e) != markaz.ENotFound || e.Error() != e1.Error() {
				t.Errorf("failure: %v", e)
			}
		}

		// Five failures on n1 in the window lock n1 — even for the right digits — but not n2.
		for i := 0; i < 4; i++ {
			clock.Advance(time.Minute)
			if _, err := db.Track(ctx, n1, "9999"); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Fatalf("failure %d: %v", i+2, err)
			}
		}
		_, err = db.Track(ctx, n1, "1234")
		if markaz.ErrorCode(err) != markaz.ERateLimited {
			t.Fatalf("locked: %v", err)
		}
		// The first failure was 4 minutes ago: it leaves the window in 11 minutes.
		if e := err.(*markaz.Error); e.Args["retry_after"] != 11*60 || e.Args["minutes"] != 11 {
			t.Errorf("retry after: %v", e.Args)
		}
		if got, err := db.Track(ctx, n2, "5678"); err != nil || got.Status != request.StatusSubmitted {
			t.Errorf("other number: %+v %v", got, err)
		}
		// Refused checks do not extend the lock; once the first failure leaves the window,
		// one more try is allowed.
		clock.Advance(11*time.Minute - time.Second)
		if _, err := db.Track(ctx, n1, "1234"); markaz.ErrorCode(err) != markaz.ERateLimited {
			t.Fatalf("still locked: %v", err)
		}
		clock.Advance(time.Second)
		if got, err := db.Track(ctx, n1, "1234"); err != nil || got.Status != request.StatusReturned {
			t.Fatalf("released: %+v %v", got, err)
		}
	})
}

// trackFailures counts the failures recorded for tracking number n.
func trackFailures(t *testing.T, db *store.DB, n string) int {
	t.Helper()
	var c int
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&c, `SELECT COUNT(*) FROM track_failures WHERE tracking_digits = ?`, strings.Map(func(r rune) rune {
			if r < '0' || r > '9' {
				return -1
			}
			return r
		}, n))
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

// A correct check takes no write lock and writes nothing: it answers while another
// transaction holds the writer (on PostgreSQL, a lock on track_failures that every
// INSERT or DELETE there waits for), and a wrong check waits for that writer to record
// its failure.
func TestTrackCorrectCheckWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-TRK-02", "13-001")
		n := trackRequest(t, db, reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode), "29001011301234", "01001234567")

		held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.Write(ctx, func(tx *store.Tx) error {
				if tx.Dialect() == store.Postgres {
					if _, err := tx.Exec(`LOCK TABLE track_failures IN EXCLUSIVE MODE`); err != nil {
						return err
					}
				}
				close(held)
				<-release
				return nil
			})
		}()
		select {
		case <-held:
		case err := <-done:
			t.Fatalf("holding the writer: %v", err)
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		got, err := db.Track(wctx, n, "1234")
		cancel()
		if err != nil || got.Status != request.StatusSubmitted {
			close(release)
			t.Fatalf("correct check while the writer is held: %+v %v", got, err)
		}
		wrong := make(chan error, 1)
		go func() {
			_, err := db.Track(ctx, n, "0000")
			wrong <- err
		}()
		select {
		case err := <-wrong:
			close(release)
			t.Fatalf("a wrong check answered (%v) without waiting for the writer: was its failure recorded?", err)
		case <-time.After(300 * time.Millisecond):
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := <-wrong; markaz.ErrorCode(err) != markaz.ENotFound {
			t.Fatalf("wrong check: %v", err)
		}
		if f := trackFailures(t, db, n); f != 1 {
			t.Errorf("failures recorded: %d, want the wrong check's 1", f)
		}
		// Correct checks, again and again, record nothing.
		for i := 0; i < 3; i++ {
			if _, err := db.Track(ctx, n, "4567"); err != nil {
				t.Fatal(err)
			}
		}
		if f := trackFailures(t, db, n); f != 1 {
			t.Errorf("failures after correct checks: %d, want 1", f)
		}
	})
}

// Concurrent guesses of one number on one instance: exactly TrackMaxFailures are compared
// (and recorded), every other is refused — the limit is as exact as for sequential guesses.
// A correct check among them is refused once the number is locked.
func TestTrackConcurrentGuesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-TRK-03", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		n := trackRequest(t, db, clerk, "29001011301234", "01001234567")
		other := trackRequest(t, db, clerk, "29001011305678", "01119876543")

		const guesses = 24
		codes := make([]string, guesses)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range guesses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// Wrong digits: the 0000 to 0023 of a guesser (1234 is not among them).
				_, err := db.Track(ctx, n, fmt.Sprintf("%04d", i))
				codes[i] = markaz.ErrorCode(err)
			}()
		}
		close(start)
		wg.Wait()
		count := map[string]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[markaz.ENotFound] != store.TrackMaxFailures || count[markaz.ERateLimited] != guesses-store.TrackMaxFailures {
			t.Errorf("%d concurrent wrong guesses answered %v: want %d not found (compared) and the rest refused",
				guesses, count, store.TrackMaxFailures)
		}
		if f := trackFailures(t, db, n); f != store.TrackMaxFailures {
			t.Errorf("failures recorded: %d, want %d", f, store.TrackMaxFailures)
		}
		if _, err := db.Track(ctx, n, "1234"); markaz.ErrorCode(err) != markaz.ERateLimited {
			t.Errorf("correct check of the locked number: %v", err)
		}
		if got, err := db.Track(ctx, other, "5678"); err != nil || got.Status != request.StatusSubmitted {
			t.Errorf("another number: %+v %v", got, err)
		}
	})
}
