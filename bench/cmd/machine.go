package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// machineInfo is the description each result carries: the figures mean nothing without it.
type machineInfo struct {
	CPUs   int
	Model  string
	MemGiB float64
	Load   string // load average when the run started
	Go     string
}

func describeMachine() machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), Load: loadAvg(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				m.Model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	if kb := procField("/proc/meminfo", "MemTotal:"); kb > 0 {
		m.MemGiB = float64(kb) / (1 << 20)
	}
	return m
}

func (m machineInfo) oneLine() string {
	return fmt.Sprintf("%d CPUs (%s), %.1f GiB memory, load average %s at start, %s", m.CPUs, m.Model, m.MemGiB, m.Load, m.Go)
}

// loadAvg is the 1, 5 and 15 minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// procField reads a "Name:  123 kB" line of a /proc file (0 when absent).
func procField(path, name string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name) {
			var v int64
			fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(l, name)), &v)
			return v
		}
	}
	return 0
}
