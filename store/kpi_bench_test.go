package store_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"markaz"
	"markaz/demo"
	"markaz/kpi"
	"markaz/store"
	"markaz/store/storetest"
)

// kpiBenchDB opens the database MARKAZ_BENCH_KPI_DB names (a SQLite file or a postgres://
// URL made by `markaz demo --requests N`), or else makes a fresh SQLite demo database with
// MARKAZ_BENCH_KPI_REQUESTS requests (default 20,000).
func kpiBenchDB(b *testing.B) *store.DB {
	b.Helper()
	ctx := context.Background()
	if dsn := os.Getenv("MARKAZ_BENCH_KPI_DB"); dsn != "" {
		db, err := store.Open(ctx, dsn, markaz.SystemClock{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := db.KPIBackfill(ctx); err != nil {
			b.Fatal(err)
		}
		if err := db.Optimize(ctx); err != nil { // as serve does once it answers
			b.Fatal(err)
		}
		return db
	}
	n := 20000
	if s := os.Getenv("MARKAZ_BENCH_KPI_REQUESTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db := storetest.Open(b, store.SQLite, markaz.SystemClock{})
	if _, err := demo.Ensure(ctx, db, "bench-password-123"); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.AddRequests(ctx, db, n, 1, markaz.SystemClock{}); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkKPI times every KPI read the API and the dashboards make, over the year up to
// today, and reports the 95th percentile of the calls (p95-ms) beside the mean.
//
//	MARKAZ_BENCH_KPI_DB=/path/to/1m.db go test ./store -run '^$' -bench KPI -benchtime 200x
func BenchmarkKPI(b *testing.B) {
	db := kpiBenchDB(b)
	ctx := context.Background()
	ministry := &markaz.Principal{Assignments: []markaz.Assignment{{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}
	var busiest struct {
		Code string `db:"code"`
		Gov  string `db:"gov_code"`
		Unit string `db:"unit_code"`
	}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&busiest, `SELECT c.code, c.gov_code, c.unit_code FROM centers c JOIN (SELECT center_id, COUNT(*) AS n
			FROM requests GROUP BY center_id ORDER BY n DESC LIMIT 1) r ON r.center_id = c.id`)
	}); err != nil {
		b.Fatal(err)
	}
	to := markaz.Today(markaz.SystemClock{})
	from := to.AddDays(-364)
	year := func(level, code string) kpi.Query { return kpi.Query{Level: level, Code: code, From: from, To: to} }
	month := kpi.Query{Level: kpi.LevelNation, From: kpi.PeriodStart(kpi.StepMonth, to), To: to}
	calls := []struct {
		name string
		do   func() error
	}{
		{"national year", func() error { _, err := db.KPI(ctx, ministry, year(kpi.LevelNation, "")); return err }},
		{"national month", func() error { _, err := db.KPI(ctx, ministry, month); return err }},
		{"governorate year", func() error { _, err := db.KPI(ctx, ministry, year(kpi.LevelGovernorate, busiest.Gov)); return err }},
		{"district year", func() error { _, err := db.KPI(ctx, ministry, year(kpi.LevelDistrict, busiest.Unit)); return err }},
		{"center year", func() error { _, err := db.KPI(ctx, ministry, year(kpi.LevelCenter, busiest.Code)); return err }},
		{"ranking governorates", func() error {
			_, err := db.KPIRanking(ctx, ministry, kpi.LevelGovernorate, "", year(kpi.LevelNation, ""))
			return err
		}},
		{"ranking centers of a governorate", func() error {
			_, err := db.KPIRanking(ctx, ministry, kpi.LevelCenter, busiest.Gov, year(kpi.LevelNation, ""))
			return err
		}},
		{"national series by month", func() error {
			_, err := db.KPISeries(ctx, ministry, year(kpi.LevelNation, ""), kpi.StepMonth)
			return err
		}},
		{"national worst services", func() error { _, err := db.KPIServices(ctx, ministry, year(kpi.LevelNation, "")); return err }},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if err := c.do(); err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			p95 := times[(len(times)*95+99)/100-1]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}
