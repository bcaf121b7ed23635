package web

import (
	"regexp"

	"markaz"
)

// nidRun matches a run of 14 digits: a national ID, as it appears in some paths
// (/api/v1/applicants/{national_id}).
var nidRun = regexp.MustCompile(`[0-9]{14,}`)

// logPath is a request path as log lines show it: any national ID (in any digit script)
// kept to its last four digits, so that no log line holds a full national ID.
func logPath(path string) string {
	p := markaz.LatinDigits(path)
	if !nidRun.MatchString(p) {
		return path
	}
	return nidRun.ReplaceAllStringFunc(p, func(d string) string { return "**********" + d[len(d)-4:] })
}
