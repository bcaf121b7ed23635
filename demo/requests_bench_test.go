package demo

import (
	"context"
	"os"
	"testing"

	"markaz"
	"markaz/store"
	"markaz/store/storetest"
)

// benchDB is a fresh demo database on the engine MARKAZ_BENCH_DB names (sqlite by
// default; postgres needs MARKAZ_TEST_POSTGRES).
func benchDB(b *testing.B) (*store.DB, markaz.Clock) {
	b.Helper()
	d := store.SQLite
	if os.Getenv("MARKAZ_BENCH_DB") == "postgres" {
		d = store.Postgres
	}
	clock := &markaz.FixedClock{T: storetest.Epoch}
	db := storetest.Open(b, d, clock)
	if _, err := Ensure(context.Background(), db, pw); err != nil {
		b.Fatal(err)
	}
	return db, clock
}

// BenchmarkSimulateRequests measures the simulation alone: requests generated per
// second through the domain rules, nothing written.
func BenchmarkSimulateRequests(b *testing.B) {
	db, clock := benchDB(b)
	s := newSimulation(1, clock)
	if err := db.Read(context.Background(), s.prepare); err != nil {
		b.Fatal(err)
	}
	out := make(chan *chunk, 1)
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- s.generate(context.Background(), b.N, out); close(out) }()
	for range out {
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "requests/s")
}

// BenchmarkAddRequests measures AddRequests end to end: simulated and written in bulk.
func BenchmarkAddRequests(b *testing.B) {
	db, clock := benchDB(b)
	b.ResetTimer()
	st, err := AddRequests(context.Background(), db, b.N, 1, clock)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Requests)/b.Elapsed().Seconds(), "requests/s")
}
