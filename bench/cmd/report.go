package main

import (
	"fmt"
	"strings"
	"time"
)

// renderReport is the results file: what was run where, the table, and the notes that
// say how each figure was taken.
func renderReport(c config, t *target, commit string, started time.Time, m machineInfo, b *bench, rows []row, notes []string) string {
	var s strings.Builder
	mode := "full"
	switch {
	case c.smoke:
		mode = "smoke"
	case c.requests == 200_000:
		mode = "quick"
	}
	fmt.Fprintf(&s, "# Benchmarks: %s, %s, %d requests (%s)\n\n", started.Format("2006-01-02 15:04"), t.engine, c.requests, mode)
	fmt.Fprintf(&s, "- commit: %s\n", commit)
	fmt.Fprintf(&s, "- machine: %s\n", m.oneLine())
	fmt.Fprintf(&s, "- durability: %s\n", b.durability)
	fmt.Fprintf(&s, "- rate limits: %s\n", rateNote)
	fmt.Fprintf(&s, "- each load scenario: %s; command: `bench/run --requests %d --duration %s%s`\n\n", c.duration, c.requests, c.duration, dbArg(c))
	s.WriteString("| scenario | figure | baseline (same run) | target | met? |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&s, "| %s | %s | %s | %s | %s |\n", r.Scenario, r.Figure, r.Baseline, r.Target, r.Met)
	}
	s.WriteString("\nHow the figures were taken:\n\n")
	for _, n := range notes {
		fmt.Fprintf(&s, "- %s\n", n)
	}
	fmt.Fprintf(&s, "- load average at the end: %s\n", loadAvg())
	return s.String()
}

func dbArg(c config) string {
	if c.db == "" {
		return ""
	}
	return " --db '" + c.db + "'"
}
