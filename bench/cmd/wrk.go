package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkResult is what one wrk run measured (latencies in microseconds).
type wrkResult struct {
	Requests, Non2xx, SocketErrors int64
	Seconds                        float64
	P50, P95, P99, Max             float64
}

// OK is the number of answers with a 2xx or 3xx status.
func (r wrkResult) OK() int64 { return r.Requests - r.Non2xx - r.SocketErrors }

// Rate is successful answers per second.
func (r wrkResult) Rate() float64 { return float64(r.OK()) / r.Seconds }

// wrkDone prints the figures in one parseable line when wrk finishes.
const wrkDone = `
done = function(s, lat, req)
  local e = s.errors
  io.write(string.format("BENCHRESULT %d %d %d %d %d %d %d %d\n", s.requests, s.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    lat:percentile(50), lat:percentile(95), lat:percentile(99), lat.max))
end
`

var wrkLine = regexp.MustCompile(`BENCHRESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)`)

// runWrk runs wrk with conns connections for d against url with the Lua script (wrkDone
// is appended). Threads: one per CPU, never more than connections.
func runWrk(ctx context.Context, url, script string, conns int, d time.Duration) (wrkResult, error) {
	f, err := os.CreateTemp(filepath.Join("bench", "data"), "wrk-*.lua")
	if err != nil {
		return wrkResult{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(script + wrkDone); err != nil {
		return wrkResult{}, err
	}
	f.Close()
	threads := min(conns, max(2, numCPU()))
	cmd := exec.CommandContext(ctx, "wrk", "-t", strconv.Itoa(threads), "-c", strconv.Itoa(conns),
		"-d", fmt.Sprintf("%ds", max(1, int(d.Seconds()))), "--timeout", "10s", "-s", f.Name(), url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	m := wrkLine.FindStringSubmatch(string(out))
	if m == nil {
		return wrkResult{}, fmt.Errorf("wrk printed no result:\n%s", out)
	}
	n := make([]float64, 8)
	for i := range n {
		n[i], _ = strconv.ParseFloat(m[i+1], 64)
	}
	return wrkResult{Requests: int64(n[0]), Seconds: n[1] / 1e6, Non2xx: int64(n[2]), SocketErrors: int64(n[3]),
		P50: n[4], P95: n[5], P99: n[6], Max: n[7]}, nil
}

// luaString quotes s for Lua.
func luaString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// luaHeaders sets wrk's method, body and headers.
func luaRequest(method, body string, headers map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wrk.method = %s\n", luaString(method))
	if body != "" {
		fmt.Fprintf(&b, "wrk.body = %s\n", luaString(body))
	}
	for k, v := range headers {
		fmt.Fprintf(&b, "wrk.headers[%s] = %s\n", luaString(k), luaString(v))
	}
	return b.String()
}

// luaRandomPaths makes each request a GET of one of paths, chosen at random; each wrk
// thread has its own seed so threads do not repeat one another.
func luaRandomPaths(paths []string) string {
	var b strings.Builder
	b.WriteString("local paths = {\n")
	for _, p := range paths {
		b.WriteString(luaString(p) + ",\n")
	}
	b.WriteString(`}
local n = 0
setup = function(thread) n = n + 1; thread:set("seed", n * 7919) end
init = function(args) math.randomseed(seed or 1) end
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
`)
	return b.String()
}
