package demo

import (
	"markaz/kpi"
	"markaz/report"
	"markaz/store"
)

// loadReports defines the demo's periodic reports: Sharqia's monthly report to its
// governor, committee members and the ministry; the demo head's district monthly; the
// nation's quarterly report in English to the ministry. They start a month back, so the
// server's schedule makes last month's (and last quarter's, if it closed since) at once.
func loadReports(tx *store.Tx) error {
	var unit string
	if err := tx.Get(&unit, `SELECT a.unit_code FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE u.username = 'head' AND a.level = 'unit'`); err != nil {
		return err
	}
	all := []string{report.PDF, report.XLSX}
	defs := []*report.Definition{
		{Level: kpi.LevelGovernorate, Code: "13", Frequency: report.Monthly, Lang: "ar", Formats: all,
			Roles: []string{report.RecipientGovernor, report.RecipientCommittee, report.RecipientMinistry}},
		{Level: kpi.LevelDistrict, Code: unit, Frequency: report.Monthly, Lang: "ar", Formats: []string{report.PDF},
			Roles: []string{report.RecipientHeads}},
		{Level: kpi.LevelNation, Code: "", Frequency: report.Quarterly, Lang: "en", Formats: all,
			Roles: []string{report.RecipientMinistry}},
	}
	start, _ := kpi.Previous(kpi.StepMonth, tx.Today())
	for _, d := range defs {
		if err := tx.CreateReportDefinition(store.ReportReader(), d); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE report_definitions SET starts_on = ? WHERE id = ?`, start, d.ID); err != nil {
			return err
		}
	}
	return nil
}
