package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"markaz/store"
	"markaz/store/storetest"
)

// startServe runs `markaz serve` in-process on port 0 and returns its base URL.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	out := &syncBuffer{}
	getenv := func(k string) string { return env[k] }
	go func() {
		done <- serve(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), getenv, out, io.Discard, ready)
	}()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		return "http://" + addr, &out.buf
	case err := <-done:
		cancel()
		t.Fatalf("serve ended: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestServeEndToEnd(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.NewDSN(t, d)
			// Two instances on one database start together: one migrates, both serve.
			var urls [2]string
			var wg sync.WaitGroup
			for i := range urls {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					urls[i], _ = startServe(t, map[string]string{"MARKAZ_DB": dsn})
				}(i)
			}
			wg.Wait()
			for _, u := range urls {
				if st, h, body := get(t, u+"/healthz"); st != 200 || body != "ok\n" || h.Get("X-Request-ID") == "" {
					t.Fatalf("healthz: %d %q", st, body)
				}
				st, h, body := get(t, u+"/")
				if st != 200 || !strings.Contains(body, `dir="rtl"`) || h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
					t.Fatalf("home: %d", st)
				}
				if _, _, m := get(t, u+"/metrics"); !strings.Contains(m, "markaz_http_requests_total") {
					t.Fatal("metrics missing")
				}
				if st, h, _ := get(t, u+"/api/v1/me"); st != 401 || h.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("anonymous api: %d %s", st, h.Get("Content-Type"))
				}
			}
		})
	}
}

func TestDemoRefusesARealDatabase(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.NewDSN(t, d)
			ctx := context.Background()
			env := func(k string) string { return map[string]string{"MARKAZ_DB": dsn}[k] }
			if err := Run(ctx, []string{"migrate"}, env, io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, dsn, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(`INSERT INTO users (id, username, full_name, password_hash, created_at, updated_at)
					VALUES ('u1', 'real', 'A real user', 'x', ?, ?)`, tx.Now, tx.Now)
				return err
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			err = Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--demo"}, env, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "demo") {
				t.Fatalf("--demo on a real database: %v", err)
			}
		})
	}
}

func TestDemoPasswordPolicy(t *testing.T) {
	env := map[string]string{"MARKAZ_DB": storetest.NewDSN(t, store.SQLite), "MARKAZ_DEMO_PASSWORD": "short"}
	err := Run(context.Background(), []string{"serve", "--demo", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MARKAZ_DEMO_PASSWORD") {
		t.Fatalf("short demo password: %v", err)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
	if err := Run(context.Background(), []string{"help"}, func(string) string { return "" }, &out, &out); err != nil || !strings.Contains(out.String(), "markaz serve") {
		t.Fatal("help")
	}
}

// --debug-addr serves the profiler on its own listener, never on the public address.
func TestServeDebugAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debugAddr := ln.Addr().String()
	ln.Close()
	u, _ := startServe(t, map[string]string{"MARKAZ_DB": storetest.NewDSN(t, store.SQLite)}, "--debug-addr", debugAddr)
	if st, _, body := get(t, "http://"+debugAddr+"/debug/pprof/"); st != 200 || !strings.Contains(body, "heap") {
		t.Fatalf("profiler index: %d", st)
	}
	if st, _, _ := get(t, "http://"+debugAddr+"/debug/pprof/heap"); st != 200 {
		t.Fatalf("heap profile: %d", st)
	}
	if st, _, _ := get(t, u+"/debug/pprof/"); st == 200 {
		t.Fatal("the public address serves the profiler")
	}
}
