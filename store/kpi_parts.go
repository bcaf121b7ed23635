package store

import (
	"markaz"
	"markaz/kpi"
)

// kpiParts reads the indicators that come from other records than requests (payments,
// inspection visits, problems, training) for f over [from, to], per group of f.
func (tx *Tx) kpiParts(f kpiFilter, from, to markaz.Date) (map[string]kpi.Parts, error) {
	return map[string]kpi.Parts{}, nil
}
