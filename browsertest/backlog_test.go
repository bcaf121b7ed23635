package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"markaz/backlog"
	"markaz/importer"
	"markaz/nationalid"
	"markaz/store"
)

// campaignID reads the demo campaign's id from the backlog page's first campaign link.
func (s *session) campaignID() string {
	s.t.Helper()
	s.open("/backlog")
	href := s.attr(`#campaigns a[href^="/backlog/campaigns/"]`, "href")
	return strings.TrimPrefix(href, "/backlog/campaigns/")
}

// An operator uploads a file; the import runs in the background and the page's progress
// bar follows it to the end, then shows the rejected rows. The backlog's working pages
// pass axe in both languages.
func TestBacklogUploadWithProgress(t *testing.T) {
	s := start(t, store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Each batch takes a while, so the page is seen in the middle of the import.
	go importer.Jobs(ctx, s.db, importer.JobOptions{Poll: 200 * time.Millisecond, Batch: 250,
		AfterBatch: func(*store.Import) error { time.Sleep(300 * time.Millisecond); return nil }})

	s.login("operator1")
	id := s.campaignID()
	for _, lang := range []string{"ar", "en"} {
		for _, p := range []string{"/backlog/campaigns/" + id, "/backlog/campaigns/" + id + "/enter",
			"/backlog/campaigns/" + id + "/verify", "/backlog/campaigns/" + id + "/import", "/backlog/progress?campaign=" + id} {
			s.open(p)
			s.axe(fmt.Sprintf("%s %s", p, lang))
		}
		s.switchLang()
	}
	// A file of 3,000 rows, every hundredth with a bad mobile number.
	var b strings.Builder
	b.WriteString(strings.Join(backlog.Columns, ",") + "\n")
	s.open("/backlog/campaigns/" + id + "/enter")
	center := s.attr(`#centers-list option`, "value")
	for i := range 3000 {
		first := fmt.Sprintf("2850505130%03d", i%1000)
		c, _ := nationalid.CheckDigit(first)
		mobile := "01001234567"
		if i%100 == 7 {
			mobile = "0100"
		}
		fmt.Fprintf(&b, "BT-%05d,%s,SHOP-LIC,%s,سارة علي,%s,2019-02-03,delivered,2019-03-01,2019-03-10,5000\n", i, center,
			first+string(c), mobile)
	}
	path := filepath.Join(t.TempDir(), "backlog.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s.open("/backlog/campaigns/" + id + "/import")
	s.do(chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{path}))
	s.clickNav("#upload")
	if !strings.Contains(s.text("h1"), "backlog.csv") {
		t.Fatalf("not on the import page: %s", s.text("h1"))
	}
	s.axe("import page (running)")
	// The page follows the import through its JSON progress (the bar moves without a
	// reload), then reloads when it is done.
	mid, err := chromedp.Run(s.ctx, chromedp.Poll[string](`(() => { const v = document.getElementById('import-progress').value;
		return v > 0 && v < 100 && document.querySelector('[data-count="rows_read"]').textContent + ' at ' + v; })()`))
	if err != nil {
		t.Fatalf("the progress bar never moved: %v", err)
	}
	t.Logf("mid-import: rows read %s per cent", mid)
	s.do(chromedp.WaitVisible(chromedp.CSS(`#rejected`)))
	if v := s.attr("#import-progress", "value"); v != "100" {
		t.Errorf("progress bar at %s", v)
	}
	digitsOnly := strings.NewReplacer(",", "", "٬", "")
	if got := digitsOnly.Replace(s.text(`[data-count="imported"]`)); got != "2970" && got != "٢٩٧٠" {
		t.Errorf("imported %q", got)
	}
	if got := s.text(`[data-count="rejected"]`); got != "30" && got != "٣٠" {
		t.Errorf("rejected %q", got)
	}
	s.axe("import page (done)")
}
