package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"markaz/demo"
	"markaz/store"
	"markaz/store/storetest"
)

// benchServer serves the demo dataset on the engine named by MARKAZ_BENCH_DB ("postgres"
// needs MARKAZ_TEST_POSTGRES; SQLite otherwise) and returns a logged-in admin token.
func benchServer(b *testing.B) (*httptest.Server, string) {
	b.Helper()
	d := store.SQLite
	if os.Getenv("MARKAZ_BENCH_DB") == "postgres" {
		d = store.Postgres
	}
	db := storetest.Open(b, d, nil)
	if _, err := demo.Ensure(context.Background(), db, testPassword); err != nil {
		b.Fatal(err)
	}
	s, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{LoginRatePerMinute: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	s.SetReady()
	srv := httptest.NewServer(s)
	b.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/api/v1/auth/token", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+testPassword+`"}`))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	tok := strings.Split(strings.Split(string(body), `"token":"`)[1], `"`)[0]
	return srv, tok
}

func benchGet(b *testing.B, srv *httptest.Server, tok, path string) {
	b.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
}

// Every API call authenticates (token lookup + the user's assignments): the floor of
// every other figure.
func BenchmarkAPIMe(b *testing.B) {
	srv, tok := benchServer(b)
	benchGet(b, srv, tok, "/api/v1/me")
}

func BenchmarkProgramSummaryNational(b *testing.B) {
	srv, tok := benchServer(b)
	benchGet(b, srv, tok, "/api/v1/program/summary")
}

func BenchmarkCentersListSearch(b *testing.B) {
	srv, tok := benchServer(b)
	benchGet(b, srv, tok, "/api/v1/centers?q=%D8%A7%D9%84%D8%B4%D8%B1%D9%82%D9%8A%D9%87&limit=50")
}

func BenchmarkAuditListNational(b *testing.B) {
	srv, tok := benchServer(b)
	benchGet(b, srv, tok, "/api/v1/audit?limit=50")
}
