package store_test

import (
	"testing"
	"time"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/tracking"
)

// Bulk-inserted requests get their centers' next tracking numbers in slice order (a
// center's first creating its series), carry their histories and fee lines, are found
// like registered ones, and the counter's next registration continues the series.
func TestInsertRequestsBulk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		a := mkCenter(t, db, "SH-BLK-01", "13-001")
		b := mkCenter(t, db, "SH-BLK-02", "13-001")
		today := markaz.DateOf(clock.T)
		var rs []store.BulkRequest
		if err := db.Read(ctx, func(tx *store.Tx) error {
			dur, err := tx.DurationOn("SHOP-LIC", today)
			if err != nil {
				return err
			}
			fees, err := tx.FeesOn("SHOP-LIC", "13", today)
			if err != nil {
				return err
			}
			// More than one statement's worth for a, so both the prepared full-size
			// statement and the remainder run.
			for i := range 613 {
				c := a
				if i%100 == 7 {
					c = b
				}
				at := clock.T.Add(-time.Duration(613-i) * time.Minute)
				r := store.BulkRequest{Request: request.Request{ServiceCode: "SHOP-LIC", DurationVersionID: dur.ID,
					WorkingDays: dur.WorkingDays, CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode,
					Channel: request.ChannelCounter, Status: request.StatusInReview, StepKey: "review",
					NationalID: "29001011301234", Name: "منى أحمد", Mobile: "01001234567",
					Documents: []string{"صورة بطاقة الرقم القومي"}, SubmittedAt: at, SubmittedOn: markaz.DateOf(at),
					DueDate: today.AddDays(30), Version: 2, CreatedBy: "clerk", UpdatedAt: at.Add(time.Minute),
					FeesDue: fees.TotalPiasters}}
				r.Events = []request.Event{
					{Seq: 1, At: at, Username: "clerk", Action: request.ActionRegister, To: request.StatusSubmitted, ToStep: "intake"},
					{Seq: 2, At: at.Add(time.Minute), Username: "clerk", Action: request.ActionForward,
						From: request.StatusSubmitted, To: request.StatusInReview, FromStep: "intake", ToStep: "review"}}
				for _, l := range fees.Lines {
					r.Fees = append(r.Fees, request.FeeLine{FeeVersionID: fees.ID, Key: l.Key, NameAr: l.NameAr,
						NameEn: l.NameEn, AmountPiasters: l.AmountPiasters})
				}
				rs = append(rs, r)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.Bulk(ctx, func(write func(func(*store.Tx) error) error) error {
			return write(func(tx *store.Tx) error {
				if tx.Dialect() == store.SQLite { // the load's connection keeps more pages in memory
					var kib int
					if err := tx.Get(&kib, `PRAGMA cache_size`); err != nil || kib >= -2000 {
						t.Errorf("cache_size %d %v during a bulk load", kib, err)
					}
				}
				return tx.InsertRequestsBulk(rs)
			})
		}); err != nil {
			t.Fatal(err)
		}
		// The load added its requests to the KPI rollups when it ended.
		from, to := today.AddDays(-30), today.AddDays(60)
		if d := kpiVerify(t, db, from, to); len(d) != 0 {
			t.Fatalf("kpi after the load: %v", d)
		}
		next := map[string]int64{a.ID: 1, b.ID: 1}
		for i, r := range rs {
			prefix, seq, err := tracking.Parse(r.TrackingNumber)
			if err != nil || prefix[:2] != "13" || seq != next[r.CenterID] {
				t.Fatalf("request %d: %s (%v), want seq %d", i, r.TrackingNumber, err, next[r.CenterID])
			}
			next[r.CenterID]++
		}
		g := rs[300]
		var d *store.RequestDetail
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			d, err = tx.Request(markaz.Scope{All: true}, g.TrackingNumber)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if d.ID != g.ID || d.Status != request.StatusInReview || len(d.Events) != 2 || d.Events[1].Action != request.ActionForward ||
			len(d.Fees) != len(g.Fees) || len(d.Documents) != 1 || !d.SubmittedAt.Equal(g.SubmittedAt) {
			t.Errorf("stored %+v", d)
		}
		found, _, err := db.Requests(ctx, store.RequestFilter{Scope: markaz.Scope{All: true}, Query: "منى", Limit: 1000})
		if err != nil || len(found) != len(rs) {
			t.Errorf("name search found %d of %d: %v", len(found), len(rs), err)
		}
		clerk := reqPrincipal(markaz.RoleClerk, a.ID, a.GovCode, a.UnitCode)
		reg := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
			NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
		if _, err := reg.Validate(today); err != nil {
			t.Fatal(err)
		}
		var got *store.Registered
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			got, err = tx.RegisterRequest(clerk, reg, "", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, seq, _ := tracking.Parse(got.Detail.TrackingNumber); seq != next[a.ID] {
			t.Errorf("the counter's next number is %s, want seq %d", got.Detail.TrackingNumber, next[a.ID])
		}
		// A load that stops after writing leaves its requests pending; the sweep adds them
		// once they are old enough, exactly once.
		more := make([]store.BulkRequest, 5)
		for i := range more {
			more[i] = rs[i]
			more[i].ID, more[i].TrackingNumber = "", ""
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertRequestsStoppedLoad(more) }); err != nil {
			t.Fatal(err)
		}
		if d := kpiVerify(t, db, from, to); len(d) == 0 {
			t.Fatal("verify did not see the pending requests")
		}
		if n, err := db.SweepKPIPending(ctx, store.KPIPendingAge); err != nil || n != 0 {
			t.Fatalf("swept young pending requests: %d %v", n, err)
		}
		clock.T = clock.T.Add(store.KPIPendingAge)
		if n, err := db.SweepKPIPending(ctx, store.KPIPendingAge); err != nil || n != 5 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		if n, err := db.SweepKPIPending(ctx, 0); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
		if d := kpiVerify(t, db, from, to); len(d) != 0 {
			t.Fatalf("kpi after the sweep: %v", d)
		}
	})
}
