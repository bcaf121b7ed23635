package worker_test

import (
	"context"
	"testing"
	"time"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/worker"
)

// The day's deadlines job is enqueued once however often the schedule runs, and the
// worker's run of it deems an overdue shop licence approved.
func TestDeadlinesJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		c := &markaz.Center{Code: "SH-WDL-01", Kind: markaz.KindFixed, NameAr: "مركز", NameEn: "Center",
			UnitCode: "13-001", DevStatus: markaz.DevDeveloped}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, c) }); err != nil {
			t.Fatal(err)
		}
		clerk := &markaz.Principal{UserID: "u1", Username: "clerk", Assignments: []markaz.Assignment{
			{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode}}}
		reg := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
			NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
		ws, err := reg.Validate(markaz.DateOf(clock.T))
		if err != nil {
			t.Fatal(err)
		}
		var got *store.Registered
		if err := db.Write(ctx, func(tx *store.Tx) error {
			got, err = tx.RegisterRequest(clerk, reg, "", ws)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		clock.T = clock.T.Add(61 * 24 * time.Hour)
		sctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { worker.ScheduleDeadlines(sctx, db, time.Millisecond, quiet); close(done) }()
		count := func() (n int) {
			db.Read(ctx, func(tx *store.Tx) error {
				return tx.Get(&n, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedup_key = ?`, store.JobDeadlines,
					store.DeadlinesKey(markaz.DateOf(clock.T)))
			})
			return n
		}
		// Wait (however busy the machine) for the first tick's job, then let it tick on:
		// many ticks, one job.
		for deadline := time.Now().Add(30 * time.Second); count() == 0 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		stop()
		<-done
		jobs := count()
		if jobs != 1 {
			t.Fatalf("%d deadlines jobs for the day", jobs)
		}
		w := worker.New(db, map[string]worker.Handler{store.JobDeadlines: worker.Deadlines(db, quiet)}, opts("w1"))
		if n := runOnce(t, w); n != 1 {
			t.Fatalf("claimed %d jobs", n)
		}
		var d *store.RequestDetail
		db.Read(ctx, func(tx *store.Tx) (err error) {
			d, err = tx.Request(markaz.Scope{All: true}, got.Detail.TrackingNumber)
			return err
		})
		if d == nil || d.Status != request.StatusDeemedApproved {
			t.Fatalf("after the job: %+v", d)
		}
		if n := runOnce(t, w); n != 0 {
			t.Errorf("the day's job ran twice: %d", n)
		}
	})
}
