package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func numCPU() int { return runtime.NumCPU() }

// Rate limits raised for the run: the benchmark's load comes from one address.
const (
	loginRate = 1_000_000
	trackRate = 100_000_000
)

// rateNote is what the results say about the raised limits.
var rateNote = fmt.Sprintf("the server runs with `--login-rate %d --track-rate %d` (per-address limits on one "+
	"instance, defaults 30 and 600 a minute) because all load comes from 127.0.0.1; the per-tracking-number "+
	"failure limit in the database is unchanged (the benchmark only makes correct checks)", loginRate, trackRate)

// server is a running markaz serve.
type server struct {
	cmd     *exec.Cmd
	base    string
	startup time.Duration
}

// startServer starts markaz serve on a free port and waits for /healthz.
func startServer(ctx context.Context, bin, dsn string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(filepath.Join("bench", "data", "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", addr,
		"--login-rate", strconv.Itoa(loginRate), "--track-rate", strconv.Itoa(trackRate))
	cmd.Env = append(os.Environ(), "MARKAZ_LOG_FORMAT=text")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 2*time.Minute {
		if resp, err := client.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				s.startup = time.Since(start)
				return s, nil
			}
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("markaz serve did not answer /healthz (see bench/data/server.log)")
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

// rssKB is the server's resident memory now.
func (s *server) rssKB() int64 {
	return procField(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid), "VmRSS:")
}

// call makes one request and returns the status and body.
func (s *server) call(method, path, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// token logs a demo user in and returns an API token.
func (s *server) token(user string) (string, error) {
	st, b, err := s.call("POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"username":%q,"password":%q}`, user, benchPassword))
	if err != nil {
		return "", err
	}
	var out struct{ Token string }
	if st != 200 || json.Unmarshal(b, &out) != nil || out.Token == "" {
		return "", fmt.Errorf("login as %s: %d %s", user, st, b)
	}
	return out.Token, nil
}

// cpuTicks is the server's CPU time so far (user and system), in clock ticks.
func (s *server) cpuTicks() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which is in parentheses and may hold spaces):
	// state is the first, utime the 12th, stime the 13th.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

// waitIdle waits until the server has used under 5 % of a core for two seconds running
// (start-up work such as the planner statistics pass runs after /healthz answers), at most
// limit, and says how long that took and whether it became idle.
func (s *server) waitIdle(limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	last, calm := s.cpuTicks(), 0
	for time.Since(start) < limit {
		time.Sleep(time.Second)
		now := s.cpuTicks()
		if now-last <= 5 { // ticks are 10 ms: 50 ms of CPU in a second
			calm++
		} else {
			calm = 0
		}
		last = now
		if calm >= 2 {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}
