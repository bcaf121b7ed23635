package store_test

import (
	"strings"
	"sync"
	"testing"

	"markaz"
	"markaz/notify"
	"markaz/rating"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// deliverRequest takes a registered SHOP-LIC request at c through its workflow to
// delivered.
func deliverRequest(t *testing.T, db *store.DB, c *markaz.Center, number, nid string) {
	t.Helper()
	clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
	back := reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode)
	mgr := reqPrincipal(markaz.RoleCenterManager, c.ID, c.GovCode, c.UnitCode)
	for _, s := range []struct {
		p      *markaz.Principal
		action string
	}{{clerk, request.ActionForward}, {back, request.ActionForward}, {mgr, request.ActionApprove},
		{clerk, request.ActionForward}, {clerk, request.ActionDeliver}} {
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Act(s.p, number, store.Action{Name: s.action, Note: "the applicant", Verify: nid[10:]})
			return err
		}); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
	}
}

// ratingSums reads the satisfaction rollup of every service (” row) by day.
func ratingSums(t *testing.T, db *store.DB) (n, sum int) {
	t.Helper()
	var row struct {
		N   int `db:"n"`
		Sum int `db:"s"`
	}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&row, `SELECT COALESCE(SUM(rating_n), 0) AS n, COALESCE(SUM(rating_sum), 0) AS s FROM kpi_counts
			WHERE grain = 'D' AND scope = 'C' AND service_code = ''`)
	}); err != nil {
		t.Fatal(err)
	}
	return row.N, row.Sum
}

func stars(n int) *int { return &n }

// One rating per delivered request, never before delivery, never a second; out of range
// is a problem of field rating; the KPI rollup counts it on the day it was given; the
// audit entry carries no comment and no more of the applicant than four digits.
func TestRateRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-RAT-01", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		const nid = "29001011301234"
		number := trackRequest(t, db, clerk, nid, "01001234567")
		d := dlDetail(t, db, number)
		rate := func(in rating.Input) (*store.Rated, error) {
			var out *store.Rated
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.RateRequest(store.Actor{Username: "system"}, d.ID, rating.SourceTracking, in)
				return err
			})
			return out, err
		}

		// Not delivered: refused, and nothing counted.
		if _, err := rate(rating.Input{Rating: stars(5)}); markaz.ErrorCode(err) != markaz.EConflict ||
			err.(*markaz.Error).Key != "error.rating_not_delivered" {
			t.Fatalf("rating an undelivered request: %v", err)
		}
		deliverRequest(t, db, c, number, nid)
		if n, sum := ratingSums(t, db); n != 0 || sum != 0 {
			t.Fatalf("before any rating: %d %d", n, sum)
		}

		// Out of range, missing, a comment too long: 422 naming the field.
		for _, c := range []struct {
			in    rating.Input
			field string
		}{{rating.Input{Rating: stars(0)}, "rating"}, {rating.Input{Rating: stars(6)}, "rating"}, {rating.Input{}, "rating"},
			{rating.Input{Rating: stars(3), Comment: strings.Repeat("ت", 501)}, "comment"}} {
			_, err := rate(c.in)
			if markaz.ErrorCode(err) != markaz.EInvalid || !strings.Contains(problems(err), c.field) {
				t.Errorf("%+v: %v, want a problem of %s", c.in, err, c.field)
			}
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.RateRequest(store.Actor{}, d.ID, "phone", rating.Input{Rating: stars(3)})
			return err
		}); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("unknown source: %v", err)
		}

		got, err := rate(rating.Input{Rating: stars(4), Comment: "  سريع، لكن الطابور طويل  "})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rating != 4 || got.Comment != "سريع، لكن الطابور طويل" || got.Source != rating.SourceTracking ||
			got.RatedOn != markaz.DateOf(clock.T) {
			t.Errorf("rated: %+v", got)
		}
		if n, sum := ratingSums(t, db); n != 1 || sum != 4 {
			t.Errorf("rollup after one rating of 4: n %d sum %d", n, sum)
		}

		// A second rating: 409, the first one stands, the rollup unchanged.
		if _, err := rate(rating.Input{Rating: stars(1)}); markaz.ErrorCode(err) != markaz.EConflict ||
			err.(*markaz.Error).Key != "error.rating_given" {
			t.Errorf("second rating: %v", err)
		}
		if n, sum := ratingSums(t, db); n != 1 || sum != 4 {
			t.Errorf("rollup after a refused second rating: n %d sum %d", n, sum)
		}
		tr, err := db.Track(ctx, number, "1234")
		if err != nil || tr.Rating == nil || tr.Rating.Rating != 4 || tr.CanRate {
			t.Errorf("tracking shows the rating: %+v %v", tr, err)
		}

		// The audit entry: rating and source, the last four digits, not the comment.
		var after string
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&after, `SELECT after_json FROM audit_log WHERE action = 'request.rate' AND entity_id = ?`, d.ID)
		}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(after, `"national_id_last4":"1234"`) || !strings.Contains(after, `"rating":4`) ||
			strings.Contains(after, nid) || strings.Contains(after, "الطابور") || strings.Contains(after, "01001234567") {
			t.Errorf("audit entry: %s", after)
		}
	})
}

// Concurrent ratings of one request: exactly one is stored and counted.
func TestRateRequestConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-RAT-02", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		const nid = "29001011301234"
		number := trackRequest(t, db, clerk, nid, "01001234567")
		deliverRequest(t, db, c, number, nid)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 1; i <= 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.RateTracked(ctx, number, "1234", rating.Input{Rating: stars(1 + i%5)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case markaz.ErrorCode(err) == markaz.EConflict:
					conflicts++
				default:
					t.Errorf("rate: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 7 {
			t.Errorf("wins %d conflicts %d", wins, conflicts)
		}
		if n, _ := ratingSums(t, db); n != 1 {
			t.Errorf("rollup counts %d ratings", n)
		}
	})
}

// The tracking page's rating goes through the tracking check (a wrong check counts as a
// failure and stores nothing); the delivery SMS carries a link token that opens the
// request's page on any instance and rates it (source sms); a citizen rates their own
// request from their account (source account), and nobody else's.
func TestRateThroughTrackingLinkAndAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-RAT-03", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		const nid1, nid2, nid3 = "29001011301234", "29001011305678", "29001011309876"
		n1 := trackRequest(t, db, clerk, nid1, "01001234567")
		n2 := trackRequest(t, db, clerk, nid2, "01119876543")
		n3 := trackRequest(t, db, clerk, nid3, "01223334444")
		for _, x := range []struct{ n, nid string }{{n1, nid1}, {n2, nid2}, {n3, nid3}} {
			deliverRequest(t, db, c, x.n, x.nid)
		}

		// Tracking: the wrong four digits rate nothing (404, counted like any failed check).
		if _, err := db.RateTracked(ctx, n1, "9999", rating.Input{Rating: stars(5)}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("wrong check: %v", err)
		}
		if n, _ := ratingSums(t, db); n != 0 {
			t.Error("a wrong check stored a rating")
		}
		tr, err := db.RateTracked(ctx, n1, "4567", rating.Input{Rating: stars(5)}) // the mobile's last four
		if err != nil || tr.Rating == nil || tr.Rating.Source != rating.SourceTracking || tr.CanRate {
			t.Fatalf("tracking rating: %+v %v", tr, err)
		}

		// The delivery SMS: its token, rendered into a link, opens n2's page.
		d2 := dlDetail(t, db, n2)
		ms, err := db.Messages(ctx, "request", d2.ID)
		if err != nil || len(ms) == 0 || ms[len(ms)-1].Template != "notify.request.delivered" {
			t.Fatalf("delivery message: %+v %v", ms, err)
		}
		_, text, err := notify.Render(ms[len(ms)-1].Channel, ms[len(ms)-1].Template, "ar",
			notify.WithLinks(ms[len(ms)-1].Data(), "https://markaz.example.eg/"))
		i := strings.Index(text, "https://markaz.example.eg/rate/")
		if err != nil || i < 0 || !strings.Contains(text, n2) {
			t.Fatalf("SMS text %q %v", text, err)
		}
		token := strings.TrimPrefix(strings.Fields(text[i:])[0], "https://markaz.example.eg/rate/")
		l, err := db.RateLink(ctx, token)
		if err != nil || !l.Delivered || l.ServiceAr == "" || l.Rating != nil || l.DeliveredOn.IsZero() {
			t.Fatalf("link page: %+v %v", l, err)
		}
		for _, bad := range []string{"", "x", token[:len(token)-1] + "A", strings.Repeat("A", len(token))} {
			if bad == token {
				continue
			}
			if _, err := db.RateLink(ctx, bad); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		if l, err = db.RateByLink(ctx, token, rating.Input{Rating: stars(2), Comment: "انتظرت طويلًا"}); err != nil ||
			l.Rating == nil || l.Rating.Source != rating.SourceSMS || l.Rating.Rating != 2 {
			t.Fatalf("rate by link: %+v %v", l, err)
		}
		if _, err := db.RateByLink(ctx, token, rating.Input{Rating: stars(5)}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("second rating by link: %v", err)
		}

		// The account: n3's owner rates it; n1's owner cannot rate n3 (404).
		owner := mkCitizen(t, db, nid3, "01223334444")
		other := mkCitizen(t, db, nid1, "01001234567")
		rateMine := func(p *markaz.Principal, number string, in rating.Input) (*store.Rated, error) {
			var out *store.Rated
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.RateMine(p, number, in)
				return err
			})
			return out, err
		}
		if _, err := rateMine(other, n3, rating.Input{Rating: stars(1)}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("someone else's request: %v", err)
		}
		if _, err := rateMine(clerk, n3, rating.Input{Rating: stars(1)}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("staff through the account: %v", err)
		}
		var view *store.CitizenView
		db.Read(ctx, func(tx *store.Tx) (err error) { view, err = tx.MyRequest(owner, n3); return err })
		if view == nil || !view.CanRate || view.Rating != nil {
			t.Fatalf("before rating, the account offers it: %+v", view)
		}
		if got, err := rateMine(owner, n3, rating.Input{Rating: stars(3)}); err != nil || got.Source != rating.SourceAccount {
			t.Fatalf("account rating: %+v %v", got, err)
		}
		db.Read(ctx, func(tx *store.Tx) (err error) { view, err = tx.MyRequest(owner, n3); return err })
		if view.CanRate || view.Rating == nil || view.Rating.Rating != 3 {
			t.Errorf("after rating: %+v", view)
		}

		// Three ratings: 5, 2, 3.
		if n, sum := ratingSums(t, db); n != 3 || sum != 10 {
			t.Errorf("rollup: n %d sum %d, want 3 and 10", n, sum)
		}
	})
}
