package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/kpi"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// kpiStaff is a principal holding every role of a center's workflow.
func kpiStaff(c *markaz.Center) *markaz.Principal {
	p := &markaz.Principal{UserID: "staff" + c.ID, Username: "staff"}
	for _, r := range []string{markaz.RoleClerk, markaz.RoleBackOffice, markaz.RoleCenterManager} {
		p.Assignments = append(p.Assignments, markaz.Assignment{Role: r, Level: markaz.LevelCenter, CenterID: c.ID,
			GovCode: c.GovCode, UnitCode: c.UnitCode})
	}
	return p
}

func kpiAct(t *testing.T, db *store.DB, p *markaz.Principal, number string, actions ...string) {
	t.Helper()
	for _, a := range actions {
		note := ""
		if a == request.ActionReturn || a == request.ActionCancel {
			note = "missing document"
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(p, number, a, note, nil)
			return err
		}); err != nil {
			t.Fatalf("%s %s: %v", number, a, err)
		}
	}
}

func kpiVerify(t *testing.T, db *store.DB, from, to markaz.Date) []store.KPIDifference {
	t.Helper()
	diffs, err := db.VerifyKPI(ctx, from, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	return diffs
}

var nationalReader = &markaz.Principal{UserID: "ministry", Username: "ministry", Assignments: []markaz.Assignment{
	{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}

// The rollups follow every change of a request: the figures read from them are the
// definition's, verify finds nothing, a tampered row is found, and rebuild repairs it.
func TestKPIRollupsFollowRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-KPI-01", "13-001")
		staff := kpiStaff(c)
		day0 := markaz.DateOf(clock.T)
		done := dlRegister(t, db, clock, c, "SHOP-LIC")      // approved the next day
		late := dlRegister(t, db, clock, c, "SHOP-LIC")      // left open past its due date
		waiting := dlRegister(t, db, clock, c, "SHOP-LIC")   // returned to the citizen
		cancelled := dlRegister(t, db, clock, c, "SHOP-LIC") // cancelled: never completed
		kpiAct(t, db, staff, waiting.TrackingNumber, request.ActionForward, request.ActionReturn)
		kpiAct(t, db, staff, cancelled.TrackingNumber, request.ActionCancel)
		clock.T = clock.T.Add(24 * time.Hour)
		kpiAct(t, db, staff, done.TrackingNumber, request.ActionForward, request.ActionForward, request.ActionApprove)

		to := late.DueDate.AddDays(3)
		q := kpi.Query{Level: kpi.LevelCenter, Code: c.Code, From: day0, To: to}
		f, err := db.KPI(ctx, nationalReader, q)
		if err != nil {
			t.Fatal(err)
		}
		if f.Received != 4 || f.Completed != 1 || f.OnTimeRate == nil || *f.OnTimeRate != 1 || f.OverdueOpen != 1 ||
			f.OnlineShare == nil || *f.OnlineShare != 0 || f.MedianProcessingDays == nil || f.Counts.Timed != 1 {
			t.Errorf("figures: %+v", f)
		}
		// overdue_open at the end of the day before the due date: nothing yet.
		q.To = late.DueDate.AddDays(-1)
		if f, err := db.KPI(ctx, nationalReader, q); err != nil || f.OverdueOpen != 0 {
			t.Errorf("overdue before the due date: %+v %v", f, err)
		}
		// The same figures for the district, the governorate and the nation.
		for _, lc := range [][2]string{{kpi.LevelDistrict, c.UnitCode}, {kpi.LevelGovernorate, c.GovCode}, {kpi.LevelNation, ""}} {
			g, err := db.KPI(ctx, nationalReader, kpi.Query{Level: lc[0], Code: lc[1], From: day0, To: to})
			if err != nil || g.Received != 4 || g.Completed != 1 || g.OverdueOpen != 1 {
				t.Errorf("%s: %+v %v", lc[0], g, err)
			}
		}
		if d := kpiVerify(t, db, day0.AddDays(-40), to.AddDays(40)); len(d) != 0 {
			t.Fatalf("verify: %v", d)
		}
		// Another governorate's staff may not read this center.
		other := reqPrincipal(markaz.RoleHead, "", "01", "")
		other.Assignments[0].Level = markaz.LevelGovernorate
		if _, err := db.KPI(ctx, other, kpi.Query{Level: kpi.LevelGovernorate, Code: c.GovCode, From: day0, To: to}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("another governorate: %v", err)
		}
		// A tampered row of any kind is found; rebuild repairs it.
		for _, q := range []string{
			`UPDATE kpi_counts SET completed = completed + 1 WHERE grain = 'D' AND scope = 'C' AND service_code <> '' AND completed > 0`,
			`UPDATE kpi_counts SET received = received + 1 WHERE grain = 'D' AND scope = 'C' AND service_code = '' AND received > 0`,
			`UPDATE kpi_counts SET overdue = overdue - 1 WHERE grain = 'M' AND scope = 'C' AND service_code = '' AND overdue > 0`,
			`UPDATE kpi_counts SET received = received + 1 WHERE grain = 'M' AND scope = 'G' AND service_code = '' AND received > 0`,
			`UPDATE kpi_counts SET on_time = on_time + 1 WHERE grain = 'D' AND scope = 'N' AND service_code <> '' AND completed > 0`,
			`UPDATE kpi_days SET n = n + 1 WHERE grain = 'M' AND scope = 'N' AND service_code = ''`,
			`DELETE FROM kpi_days WHERE grain = 'D' AND scope = 'C'`,
			`INSERT INTO kpi_payments (grain, scope, service_code, gov_code, period, unit_code, center_id, channel,
				cash_count, cash_piasters) VALUES ('D', 'N', '', '', '` + day0.String() + `', '', '', 'counter', 1, 500)`,
		} {
			if err := db.Write(ctx, func(tx *store.Tx) error {
				res, err := tx.Exec(q)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					t.Errorf("nothing tampered by %s", q)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if d := kpiVerify(t, db, day0.AddDays(-40), to.AddDays(40)); len(d) == 0 {
				t.Errorf("verify missed %s", q)
			}
			if err := db.RebuildKPI(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if d := kpiVerify(t, db, day0.AddDays(-40), to.AddDays(40)); len(d) != 0 {
				t.Fatalf("verify after rebuild: %v", d)
			}
		}
		// A request decided before processing days were recorded gets them from a rebuild.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(`UPDATE requests SET processing_days = NULL WHERE id = ?`, done.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := db.RebuildKPI(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if g, err := db.KPI(ctx, nationalReader, kpi.Query{Level: kpi.LevelCenter, Code: c.Code, From: day0, To: to}); err != nil ||
			g.MedianProcessingDays == nil || *g.MedianProcessingDays != *f.MedianProcessingDays {
			t.Errorf("processing days filled by the rebuild: %+v %v", g, err)
		}
		if g, err := db.KPI(ctx, nationalReader, kpi.Query{Level: kpi.LevelCenter, Code: c.Code, From: day0, To: to}); err != nil ||
			g.Completed != 1 || g.Received != 4 {
			t.Errorf("after rebuild: %+v %v", g, err)
		}
	})
}

// Many requests moved by concurrent transactions (which commit in any order): the
// rollups miss none of them.
func TestKPIRollupsUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-KPI-02", "13-001")
		staff := kpiStaff(c)
		day0 := markaz.DateOf(clock.T)
		const n = 24
		numbers := make([]string, n)
		for i := range numbers {
			numbers[i] = dlRegister(t, db, clock, c, "SHOP-LIC").TrackingNumber
		}
		clock.T = clock.T.Add(48 * time.Hour)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, num := range numbers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				actions := []string{request.ActionForward, request.ActionForward, request.ActionApprove}
				if i%3 == 1 {
					actions = []string{request.ActionForward, request.ActionReturn, request.ActionComplete,
						request.ActionForward, request.ActionReject}
				} else if i%3 == 2 {
					actions = []string{request.ActionCancel}
				}
				for _, a := range actions {
					note := ""
					if a == request.ActionReturn || a == request.ActionCancel {
						note = "n"
					}
					if err := db.Write(ctx, func(tx *store.Tx) error {
						_, err := tx.ActOnRequest(staff, num, a, note, nil)
						return err
					}); err != nil {
						errs <- fmt.Errorf("%s %s: %w", num, a, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if d := kpiVerify(t, db, day0.AddDays(-5), day0.AddDays(60)); len(d) != 0 {
			t.Fatalf("verify: %v", d)
		}
		f, err := db.KPI(ctx, nationalReader, kpi.Query{Level: kpi.LevelCenter, Code: c.Code, From: day0, To: day0.AddDays(10)})
		if err != nil || f.Received != n || f.Completed != 2*n/3 {
			t.Errorf("figures: %+v %v", f, err)
		}
	})
}
