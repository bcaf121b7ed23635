package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"markaz/store/storetest"
)

func TestReportCommand(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			sh := userShell{t: t, dsn: storetest.NewDSN(t, d)}
			dir := t.TempDir()
			out := filepath.Join(dir, "r.xlsx")
			for _, bad := range [][]string{
				{"report", "--territory", "13", "--period", "2024-13", "--out", out},
				{"report", "--territory", "13", "--period", "2024-W60", "--out", out},
				{"report", "--territory", "99", "--period", "2024-05", "--out", out},
				{"report", "--territory", "13", "--period", "2024-05", "--format", "doc", "--out", out},
				{"report", "--territory", "13", "--period", "2024-05", "--lang", "fr", "--out", out},
				{"report", "--territory", "13", "--period", "2024-05"},
			} {
				if _, err := sh.run(bad...); err == nil {
					t.Errorf("%v accepted", bad)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a refused run wrote a file")
			}
			msg := sh.must("report", "--territory", "13", "--period", "2024-Q1", "--out", out, "--lang", "ar")
			if !strings.Contains(msg, "2024-Q1") || !strings.Contains(msg, "2024-07-01") || !strings.Contains(msg, "2024-09-30") {
				t.Errorf("output: %s", msg)
			}
			x, err := excelize.OpenFile(out)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			sheets := x.GetSheetList()
			if len(sheets) != 10 || sheets[0] != "التقرير" {
				t.Fatalf("sheets %v", sheets)
			}
			if v, err := x.GetSheetView(sheets[0], 0); err != nil || v.RightToLeft == nil || !*v.RightToLeft {
				t.Errorf("not right to left: %v", err)
			}
			if cell, _ := x.GetCellValue(sheets[0], "B4"); cell != "2024-Q1" {
				t.Errorf("period cell %q", cell)
			}
			// The nation, in English, as PDF (when a browser is at hand).
			browser := os.Getenv("MARKAZ_TEST_BROWSER")
			if browser == "" {
				t.Log("MARKAZ_TEST_BROWSER not set: PDF not printed")
				return
			}
			pdf := filepath.Join(dir, "r.pdf")
			sh.must("report", "--territory", "EG", "--period", "2024-W18", "--format", "pdf", "--out", pdf, "--lang", "en",
				"--chromium", browser)
			text, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			flat := strings.Join(strings.Fields(string(text)), " ")
			for _, w := range []string{"Weekly performance report of the technology centers", "2024-W18", "2024-04-27",
				"Ranking of the governorates"} {
				if !strings.Contains(flat, w) {
					t.Errorf("PDF lacks %q:\n%s", w, flat)
				}
			}
		})
	}
}
