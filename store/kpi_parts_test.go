package store_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/kpi"
	"markaz/payment"
	"markaz/problem"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/training"
)

// kpiWorld is the training world's three centers (A and B in Sharqia, districts 13-001
// and 13-002, C in Cairo 01-001) with their staff, and a period, the first half of March
// 2026, with payments, inspection visits, problems and training in and around it.
type kpiWorld struct {
	*trainingWorld
	pay                 map[string]*payWorld // by center code
	cashA, elecA, cashB int64                // booked in the period
	elecC               int64
}

// cairoAt is h o'clock on day d of month m of 2026 in Cairo.
func cairoAt(m time.Month, d, h int) time.Time {
	return time.Date(2026, m, d, h, 0, 0, 0, markaz.Cairo).UTC()
}

func newKPIWorld(t *testing.T, db *store.DB, clock *markaz.FixedClock) *kpiWorld {
	w := &kpiWorld{trainingWorld: newTrainingWorld(t, db), pay: map[string]*payWorld{}}
	for i, c := range []*markaz.Center{w.c13a, w.c13b, w.c01} {
		w.pay[c.Code] = &payWorld{t: t, db: db, clock: clock, c: c, n: 100 * (i + 1),
			clerk: reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode),
			back:  reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode),
			mgr:   reqPrincipal(markaz.RoleCenterManager, c.ID, c.GovCode, c.UnitCode)}
	}
	A, B, C := w.pay["TR-13-A"], w.pay["TR-13-B"], w.pay["TR-01-A"]
	cash := func(p *payWorld, svc string) (*payment.Payment, int64) {
		number, due := p.awaitingFor(svc, "01001234567")
		return p.mustStart(p.clerk, number, payment.MethodCash), due
	}
	elec := func(p *payWorld, svc, event string) int64 {
		number, due := p.awaitingFor(svc, "01001234567")
		pm := p.mustStart(p.clerk, number, payment.MethodGateway)
		if o, err := p.callback(pm.ID, event, payment.CallbackPaid, due); err != nil || o != payment.OutcomeBooked {
			t.Fatalf("callback %s: %s %v", event, o, err)
		}
		return due
	}
	problemAt := func(c *markaz.Center) *store.ProblemDetail {
		return report(t, db, reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode),
			problem.Report{Category: "network", Title: "الشبكة", Description: "x"})
	}
	sup := func(gov string) *markaz.Principal {
		return &markaz.Principal{UserID: "ksup" + gov, Username: "ksup" + gov, Assignments: []markaz.Assignment{
			{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, GovCode: gov}}}
	}
	resolve := func(gov, id string) { mustAct(t, db, sup(gov), id, problem.Act{Action: "resolve", Note: "done"}) }

	// Before the period: a cash payment and a problem at A.
	clock.T = cairoAt(2, 27, 10)
	cash(A, "SHOP-LIC")
	problemAt(w.c13a)
	// In it.
	clock.T = cairoAt(3, 2, 10)
	_, w.cashA = cash(A, "SHOP-LIC")
	p1 := problemAt(w.c13a)
	clock.T = cairoAt(3, 3, 11)
	w.elecA = elec(A, "SHOP-LIC", "ev-a")
	_, w.cashB = cash(B, "SITE-VALID")
	p2 := problemAt(w.c13a)
	dup := problemAt(w.c13a)
	clock.T = cairoAt(3, 4, 9)
	w.elecC = elec(C, "SHOP-LIC", "ev-c")
	mustAct(t, db, sup("13"), dup.ID, problem.Act{Action: "merge", Into: p1.ID})
	problemAt(w.c13b) // left open
	p5 := problemAt(w.c01)
	clock.T = cairoAt(3, 5, 12)
	voided, _ := cash(A, "SHOP-LIC")
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.VoidReceipt(A.mgr, *voided.ReceiptNumber, "recorded on the wrong request")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	resolve("13", p1.ID)
	resolve("01", p5.ID)
	// After it (today): an electronic payment at A; p2 resolved too late for the period.
	clock.T = cairoAt(3, 15, 10)
	elec(A, "SHOP-LIC", "ev-late")
	resolve("13", p2.ID)

	// Visits: one before the period, three in it.
	write(t, db, func(tx *store.Tx) error {
		var ver string
		if err := tx.Get(&ver, `SELECT id FROM checklist_versions ORDER BY version LIMIT 1`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO committees (id, name_ar, name_en, gov_code, created_by, created_at, updated_at)
			VALUES ('kc', 'لجنة', 'Committee', '', 'test', ?, ?)`, tx.Now, tx.Now); err != nil {
			return err
		}
		for i, v := range []struct {
			c     *markaz.Center
			on    string
			score int
		}{{w.c13a, "2026-02-20", 10}, {w.c13a, "2026-03-02", 80}, {w.c13b, "2026-03-10", 60}, {w.c01, "2026-03-04", 90}} {
			if _, err := tx.Exec(`INSERT INTO visits (id, center_id, gov_code, unit_code, committee_id, checklist_version_id,
				visited_on, score, recorded_by, recorded_by_name, created_at) VALUES (?, ?, ?, ?, 'kc', ?, ?, ?, 'i', 'i', ?)`,
				fmt.Sprintf("visit-%d", i), v.c.ID, v.c.GovCode, v.c.UnitCode, ver, v.on, v.score, tx.Now); err != nil {
				return err
			}
		}
		return nil
	})

	// Training: clerk A passed a course this fiscal year, clerk B last year, clerk C (B's
	// center) failed this year's.
	course := mkCourse(t, db, "KPI-1", "", markaz.RoleClerk, markaz.RoleCenterManager)
	t13, sup13 := principalOf(t, db, w.trainer13.ID), principalOf(t, db, w.sup13.ID)
	last := mkSession(t, db, course.ID, "13", "2025-06-20", "2025-06-22", w.trainer13, 10)
	this := mkSession(t, db, course.ID, "13", "2026-02-01", "2026-02-02", w.trainer13, 10)
	eb, _ := enrol(db, sup13, last.ID, w.clerkB)
	ea, _ := enrol(db, sup13, this.ID, w.clerkA)
	ec, _ := enrol(db, sup13, this.ID, w.clerkC)
	failed := store.ResultInput{EnrolmentID: ec.ID, Record: training.Record{Attendance: training.Attended, Result: training.Failed}}
	for _, err := range []error{record(db, t13, last.ID, passed(eb.ID)), record(db, t13, this.ID, passed(ea.ID), failed)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestKPIParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newKPIWorld(t, db, clock)
		A, B, C := w.c13a.ID, w.c13b.ID, w.c01.ID
		from, to := markaz.Date{Y: 2026, M: 3, D: 1}, markaz.Date{Y: 2026, M: 3, D: 14}
		// Staff in the fiscal year to 14 March: Sharqia's three clerks, A's manager, the
		// back office of 13-001 and the governorate's supervisor; Cairo's clerk and
		// supervisor. Trainers are not an audience of training.
		type parts = map[string]kpi.Parts
		part := func(cash, elec int64, visits int, score float64, probs, solved, staff, trained int) kpi.Parts {
			return kpi.Parts{PaidCash: cash, PaidElectronic: elec, Visits: visits, VisitScoreSum: score, Problems: probs,
				ProblemsSolved: solved, Staff: staff, StaffTrained: trained}
		}
		for _, c := range []struct {
			name                            string
			level, code, service, ch, group string
			from, to                        markaz.Date
			want                            parts
		}{
			{"nation", kpi.LevelNation, "", "", "", "", from, to,
				parts{"": part(w.cashA+w.cashB, w.elecA+w.elecC, 3, 230, 4, 2, 8, 1)}},
			{"Sharqia", kpi.LevelGovernorate, "13", "", "", "", from, to,
				parts{"": part(w.cashA+w.cashB, w.elecA, 2, 140, 3, 1, 6, 1)}},
			{"Cairo", kpi.LevelGovernorate, "01", "", "", "", from, to,
				parts{"": part(0, w.elecC, 1, 90, 1, 1, 2, 0)}},
			{"district 13-001", kpi.LevelDistrict, "13-001", "", "", "", from, to,
				parts{"": part(w.cashA, w.elecA, 1, 80, 2, 1, 4, 1)}},
			{"center A", kpi.LevelCenter, "TR-13-A", "", "", "", from, to,
				parts{"": part(w.cashA, w.elecA, 1, 80, 2, 1, 3, 1)}},
			{"center B", kpi.LevelCenter, "TR-13-B", "", "", "", from, to,
				parts{"": part(w.cashB, 0, 1, 60, 1, 0, 1, 0)}},
			{"nation by governorate", kpi.LevelNation, "", "", "", "gov_code", from, to, parts{
				"13": part(w.cashA+w.cashB, w.elecA, 2, 140, 3, 1, 6, 1),
				"01": part(0, w.elecC, 1, 90, 1, 1, 2, 0)}},
			{"Sharqia by district", kpi.LevelGovernorate, "13", "", "", "unit_code", from, to, parts{
				"13-001": part(w.cashA, w.elecA, 1, 80, 2, 1, 4, 1),
				"13-002": part(w.cashB, 0, 1, 60, 1, 0, 1, 0)}},
			{"nation by center", kpi.LevelNation, "", "", "", "center_id", from, to, parts{
				A: part(w.cashA, w.elecA, 1, 80, 2, 1, 3, 1),
				B: part(w.cashB, 0, 1, 60, 1, 0, 1, 0),
				C: part(0, w.elecC, 1, 90, 1, 1, 1, 0)}},
			{"nation by service: payments only", kpi.LevelNation, "", "*", "", "service_code", from, to, parts{
				"SHOP-LIC":   part(w.cashA, w.elecA+w.elecC, 0, 0, 0, 0, 0, 0),
				"SITE-VALID": part(w.cashB, 0, 0, 0, 0, 0, 0, 0)}},
			{"one service narrows payments only", kpi.LevelGovernorate, "13", "SITE-VALID", "", "", from, to,
				parts{"": part(w.cashB, 0, 2, 140, 3, 1, 6, 1)}},
			{"online requests paid nothing", kpi.LevelNation, "", "", "online", "", from, to,
				parts{"": part(0, 0, 3, 230, 4, 2, 8, 1)}},
			{"counter requests paid everything", kpi.LevelCenter, "TR-13-A", "", "counter", "", from, to,
				parts{"": part(w.cashA, w.elecA, 1, 80, 2, 1, 3, 1)}},
			// February and March are read from the month rows: the February payment at A
			// counts, the voided one never; p2 solved on the 15th counts once March is
			// over; the visit of 20 February counts.
			{"whole months", kpi.LevelCenter, "TR-13-A", "", "", "", markaz.Date{Y: 2026, M: 2, D: 1},
				markaz.Date{Y: 2026, M: 3, D: 31}, parts{"": part(2*w.cashA, 2*w.elecA, 2, 90, 3, 2, 3, 1)}},
			// By the end of January nobody had completed this year's course (it ended on 2
			// February): the staff are there, none trained yet.
			{"January", kpi.LevelCenter, "TR-13-A", "", "", "", markaz.Date{Y: 2026, M: 1, D: 1},
				markaz.Date{Y: 2026, M: 1, D: 31}, parts{"": part(0, 0, 0, 0, 0, 0, 3, 0)}},
			// A period of the previous fiscal year sees clerk B's course.
			{"June 2025", kpi.LevelCenter, "TR-13-A", "", "", "", markaz.Date{Y: 2025, M: 6, D: 1},
				markaz.Date{Y: 2025, M: 6, D: 30}, parts{"": part(0, 0, 0, 0, 0, 0, 3, 1)}},
		} {
			var got parts
			if err := db.Read(ctx, func(tx *store.Tx) (err error) {
				got, err = tx.KPIPartsOf(c.level, c.code, c.service, c.ch, c.group, c.from, c.to)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
			}
		}

		// The dashboard and the collections report agree on what was collected.
		_, total, err := db.Collections(ctx, store.CollectionFilter{Scope: nation, From: from, To: to, By: "center"})
		if err != nil || total.CashPiasters != w.cashA+w.cashB || total.ElectronicPiasters != w.elecA+w.elecC {
			t.Errorf("collections %+v %v", total, err)
		}
	})
}

func TestPaymentRollupVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		newKPIWorld(t, db, clock)
		feb, mar := markaz.Date{Y: 2026, M: 2, D: 1}, markaz.Date{Y: 2026, M: 3, D: 31}
		verify := func() []string {
			t.Helper()
			var diffs []string
			if err := db.Read(ctx, func(tx *store.Tx) (err error) {
				diffs, err = tx.VerifyPaymentRollup(feb, mar)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return diffs
		}
		if d := verify(); len(d) != 0 {
			t.Fatalf("the rollup differs from the payments: %q", d)
		}
		for _, c := range []struct {
			name, sql, undo string
		}{
			{"a day's amount changed", `UPDATE kpi_payments SET cash_piasters = cash_piasters + 1
				WHERE grain = 'D' AND scope = 'C' AND period = '2026-03-02' AND service_code = ''`,
				`UPDATE kpi_payments SET cash_piasters = cash_piasters - 1
				WHERE grain = 'D' AND scope = 'C' AND period = '2026-03-02' AND service_code = ''`},
			{"a row no payment explains", `INSERT INTO kpi_payments (grain, scope, service_code, gov_code, period, unit_code,
				center_id, channel, cash_count, cash_piasters) VALUES ('D', 'C', '', '13', '2026-03-20', '13-001', 'x', 'counter', 1, 5)`,
				`DELETE FROM kpi_payments WHERE center_id = 'x'`},
			{"a month row lost", `DELETE FROM kpi_payments WHERE grain = 'M' AND scope = 'C' AND service_code = 'SITE-VALID'`, ""},
		} {
			write(t, db, func(tx *store.Tx) error { _, err := tx.Exec(c.sql); return err })
			if d := verify(); len(d) != 1 {
				t.Errorf("%s: %d differences, want 1: %q", c.name, len(d), d)
			}
			if c.undo != "" {
				write(t, db, func(tx *store.Tx) error { _, err := tx.Exec(c.undo); return err })
				if d := verify(); len(d) != 0 {
					t.Fatalf("%s undone: %q", c.name, d)
				}
			}
		}
		// Migration 0017 fills the rollup from the payments booked before it.
		ms, err := store.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ms, func(m store.Migration) bool { return m.Version == 17 })
		fill := strings.Index(ms[i].SQL, "CREATE TEMP VIEW")
		if fill < 0 {
			t.Fatal("migration 0017 does not fill the rollup")
		}
		write(t, db, func(tx *store.Tx) error {
			if _, err := tx.Exec(`DELETE FROM kpi_payments`); err != nil {
				return err
			}
			_, err := tx.Exec(ms[i].SQL[fill:])
			return err
		})
		var rows int
		db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&rows, `SELECT COUNT(*) FROM kpi_payments`) })
		if d := verify(); len(d) != 0 || rows == 0 {
			t.Errorf("filled by the migration: %d rows, %q", rows, d)
		}
	})
}

// TestPaymentRollupUnderConcurrentBookings books many callbacks of one center at once
// (PostgreSQL runs them truly in parallel): the rollup loses none and still agrees with
// the payments, and the share read from it is the collections report's.
func TestPaymentRollupUnderConcurrentBookings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		type started struct {
			id  string
			due int64
		}
		var pms []started
		var cash int64
		for i := range 16 {
			number, due := w.awaitingFor([]string{"SHOP-LIC", "SITE-VALID"}[i%2], "01001234567")
			if i%4 == 0 {
				w.mustStart(w.clerk, number, payment.MethodCash)
				cash += due
				continue
			}
			pms = append(pms, started{w.mustStart(w.clerk, number, payment.MethodGateway).ID, due})
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(pms))
		var elec int64
		for i, p := range pms {
			elec += p.due
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := w.callback(p.id, fmt.Sprintf("ev-%d", i), payment.CallbackPaid, p.due)
				if err == nil && o != payment.OutcomeBooked {
					err = fmt.Errorf("callback %d: %s", i, o)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		today := markaz.DateOf(clock.Now())
		var diffs []string
		var got map[string]kpi.Parts
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			if diffs, err = tx.VerifyPaymentRollup(today, today); err != nil {
				return err
			}
			got, err = tx.KPIPartsOf(kpi.LevelCenter, w.c.Code, "", "", "", today, today)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(diffs) != 0 {
			t.Errorf("the rollup differs: %q", diffs)
		}
		if p := got[""]; p.PaidCash != cash || p.PaidElectronic != elec {
			t.Errorf("parts %+v, want cash %d electronic %d", p, cash, elec)
		}
	})
}
