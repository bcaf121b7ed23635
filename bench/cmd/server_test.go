package main

import (
	"os/exec"
	"testing"
	"time"
)

// waitIdle sees a process that uses no CPU as settled after two calm seconds, and one that
// spins as busy until the limit.
func TestWaitIdle(t *testing.T) {
	start := func(name string, args ...string) *server {
		cmd := exec.Command(name, args...)
		if err := cmd.Start(); err != nil {
			t.Skip(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return &server{cmd: cmd}
	}
	quiet := start("sleep", "30")
	if took, ok := quiet.waitIdle(10 * time.Second); !ok || took > 5*time.Second {
		t.Errorf("sleep: settled %v after %v", ok, took)
	}
	busy := start("sh", "-c", "while :; do :; done")
	if took, ok := busy.waitIdle(3 * time.Second); ok {
		t.Errorf("a spinning shell settled after %v", took)
	}
	if busy.cpuTicks() == 0 {
		t.Error("no CPU time read for a spinning shell")
	}
}
