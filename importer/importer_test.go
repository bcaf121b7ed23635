package importer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/backlog"
	"markaz/importer"
	"markaz/request"
	"markaz/sheet"
	"markaz/store"
	"markaz/store/storetest"
)

var ctx = context.Background()

// fixture is a Sharqia campaign over two centers, and a Cairo center outside it.
type fixture struct {
	t    *testing.T
	db   *store.DB
	camp *store.CampaignRow
	dir  string
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, dir: t.TempDir()}
	err := db.Write(ctx, func(tx *store.Tx) error {
		for _, c := range []struct{ code, unit string }{{"SH-IM-01", "13-001"}, {"SH-IM-02", "13-002"}, {"CA-IM-01", "01-001"}} {
			if err := tx.InsertCenter(store.Actor{}, &markaz.Center{Code: c.code, Kind: markaz.KindFixed,
				NameAr: "مركز " + c.code, NameEn: "Center " + c.code, UnitCode: c.unit, DevStatus: markaz.DevDeveloped}); err != nil {
				return err
			}
		}
		c := &backlog.Campaign{Name: "حملة الشرقية", GovCode: "13", StartsOn: markaz.Date{Y: 2026, M: 1, D: 1},
			EndsOn: markaz.Date{Y: 2026, M: 12, D: 31}, SamplePercent: 10}
		if err := c.Validate(); err != nil {
			return err
		}
		var err error
		f.camp, err = tx.CreateCampaign(nil, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// file writes rows under header to a CSV (or XLSX) file and returns its path.
func (f *fixture) file(name string, format sheet.Format, header []string, rows [][]string) string {
	f.t.Helper()
	path := filepath.Join(f.dir, name)
	out, err := os.Create(path)
	if err != nil {
		f.t.Fatal(err)
	}
	w, err := sheet.NewWriter(out, format, false)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, r := range append([][]string{header}, rows...) {
		if err := w.Write(r); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		f.t.Fatal(err)
	}
	out.Close()
	return path
}

// run imports path as a command-line import would and returns the finished import.
func (f *fixture) run(path string, o importer.Options) (*store.Import, error) {
	f.t.Helper()
	var im *store.Import
	if err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		im, err = tx.CreateImport(nil, store.NewImport{Campaign: f.camp.ID, Origin: store.OriginCLI, FileName: filepath.Base(path)})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return importer.Run(ctx, f.db, im.ID, path, o)
}

func (f *fixture) count(q string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, q, args...) }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) rejected(im *store.Import) map[int]string {
	f.t.Helper()
	out := map[int]string{}
	if err := f.db.EachRejected(ctx, im, func(r store.RejectedRow) error {
		var s []string
		for _, p := range r.Problems {
			s = append(s, p.Field+":"+p.Code)
		}
		out[r.Line] = strings.Join(s, " ")
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// good is a valid row for file legacy at center.
func good(legacy, center string) []string {
	return []string{legacy, center, "SHOP-LIC", "29001011301234", "محمد أحمد", "01001234567", "2024-05-12", "delivered",
		"2024-06-02", "2024-06-10", "5000"}
}

func TestImportHappyPathAndRejectedRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		f := newFixture(t, db)
		rows := [][]string{
			good("100/2024", "SH-IM-01"),
			{"101/2024", "sh-im-02", "BLD-PERMIT", "29001011301234", "سعاد علي", "+201101234567", "2023-11-02", "in_review", "", "", ""},
			{"102/2024", "SH-IM-01", "SHOP-LIC", "123", "اسم", "01001234567", "2024-01-01", "submitted", "", "", ""},            // bad national ID
			{"103/2024", "SH-IM-01", "SHOP-LIC", "29001011301234", "اسم", "01001234567", "2027-01-01", "submitted", "", "", ""}, // future
			{"104/2024", "CA-IM-01", "SHOP-LIC", "29001011301234", "اسم", "01001234567", "2024-01-01", "submitted", "", "", ""}, // Cairo
			{"105/2024", "SH-IM-01", "NO-SUCH", "29001011301234", "اسم", "01001234567", "2024-01-01", "submitted", "", "", ""},
			{"", "", "", "", "", "", "", "", "", "", ""}, // blank: not a row
			{"=HYPERLINK(\"x\")", "SH-IM-01", "SHOP-LIC", "29001011301234", "اسم", "01001234567", "2024-01-01", "approved", "2023-12-01", "", ""},
			good("106/2024", "SH-IM-02"),
		}
		path := f.file("files.csv", sheet.CSV, backlog.Columns, rows)
		var seen []int
		im, err := f.run(path, importer.Options{Batch: 3, Progress: func(im *store.Import) { seen = append(seen, im.Read) }})
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != store.ImportDone || im.TotalRows != 8 || im.Read != 8 || im.Imported != 3 || im.Rejected != 5 ||
			im.Skipped != 0 || im.Lang != "en" {
			t.Fatalf("import %+v %v", im, f.rejected(im))
		}
		if len(seen) < 3 || seen[len(seen)-1] != 8 {
			t.Errorf("progress %v", seen)
		}
		want := map[int]string{4: "national_id:nid_length", 5: "submitted_on:date_in_future",
			6: "center_code:outside_campaign", 7: "service_code:unknown_service", 9: "decided_on:before_submitted"}
		got := f.rejected(im)
		for line, w := range want {
			if !strings.HasPrefix(got[line], strings.SplitN(w, ":", 2)[0]) {
				t.Errorf("line %d: %q, want %q", line, got[line], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("rejected %v", got)
		}
		// The imported files are requests of channel backlog with their dates and history.
		var rs []request.Request
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&rs, `SELECT tracking_number, status, step_key, submitted_on, due_date, decided_at, delivered_at,
				channel, version, paused_since, fees_paid_piasters FROM requests ORDER BY submitted_on`)
		})
		if len(rs) != 3 {
			t.Fatalf("%d requests", len(rs))
		}
		review := rs[0]
		if review.Status != request.StatusInReview || review.StepKey != "review" || review.SubmittedOn.String() != "2023-11-02" ||
			review.Channel != request.ChannelBacklog || review.TrackingNumber == "" || review.Version != 2 {
			t.Errorf("in review: %+v", review)
		}
		if d := rs[1]; d.Status != request.StatusDelivered || d.StepKey != "ready" || d.DeliveredAt == nil ||
			d.DeliveredAt.In(markaz.Cairo).Format("2006-01-02 15") != "2024-06-10 13" || d.FeesPaid != 5000 || d.Version != 3 {
			t.Errorf("delivered: %+v", d)
		}
		if n := f.count(`SELECT COUNT(*) FROM request_events WHERE action = 'backlog_entry'`); n != 1 {
			t.Errorf("%d entry events (only the file under review needs one)", n)
		}

		// The same file again: nothing new, nothing counted twice.
		again, err := f.run(path, importer.Options{Batch: 3})
		if err != nil {
			t.Fatal(err)
		}
		if again.Imported != 0 || again.Skipped != 3 || again.Rejected != 5 || again.Read != 8 {
			t.Errorf("second upload %+v", again)
		}
		if n := f.count(`SELECT COUNT(*) FROM requests`); n != 3 {
			t.Errorf("%d requests after the second upload", n)
		}
		p, err := db.BacklogProgress(ctx, nil, store.ProgressFilter{Campaign: f.camp.ID})
		if err != nil || p.Total.Entered != 3 || p.Total.Rejected != 5 {
			t.Errorf("progress after two uploads: %+v %v", p.Total, err)
		}

		// The corrected file: two fixed rows enter, a changed row of an entered file is
		// refused (it would rewrite a record), the rest is already there.
		rows[2][3] = "29001011301234"
		rows[3][6] = "2024-01-01"
		rows[0][4] = "اسم آخر"
		fixed := f.file("fixed.csv", sheet.CSV, backlog.Columns, rows)
		third, err := f.run(fixed, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if third.Imported != 2 || third.Skipped != 2 || third.Rejected != 4 {
			t.Errorf("corrected upload %+v", third)
		}
		if got := f.rejected(third); got[2] != "legacy_file_number:already_entered_differs" {
			t.Errorf("changed row: %v", got)
		}
		p, _ = db.BacklogProgress(ctx, nil, store.ProgressFilter{Campaign: f.camp.ID})
		if p.Total.Entered != 5 || p.Total.Rejected != 3 {
			t.Errorf("progress after the corrected upload: %+v", p.Total)
		}
	})
}

func TestImportArabicXLSX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		f := newFixture(t, db)
		var head []string
		for _, c := range backlog.Columns {
			head = append(head, backlog.ArabicHeaders[c])
		}
		// Columns in another order: the header says which is which.
		head[0], head[4] = head[4], head[0]
		row := good("٢٠٠/٢٠٢٤", "SH-IM-01")
		row[0], row[4] = row[4], row[0]
		row[7] = "تم التسليم"
		path := f.file("arabic.xlsx", sheet.XLSX, head, [][]string{row})
		im, err := f.run(path, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != store.ImportDone || im.Lang != "ar" || im.Imported != 1 || im.Rejected != 0 {
			t.Fatalf("%+v %v", im, f.rejected(im))
		}
		if n := f.count(`SELECT COUNT(*) FROM backlog_records WHERE legacy_file_number = '200/2024'`); n != 1 {
			t.Errorf("legacy number not normalised: %d", n)
		}
	})
}

func TestImportBadFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		f := newFixture(t, db)
		path := f.file("bad.csv", sheet.CSV, []string{"legacy_file_number", "remarks"}, [][]string{{"1", "x"}})
		im, err := f.run(path, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if im.Status != store.ImportFailed || len(im.Problems()) == 0 || im.Read != 0 {
			t.Fatalf("%+v", im)
		}
		if got := f.rejected(im); !strings.Contains(got[1], "header:unknown_column") || !strings.Contains(got[1], "header:missing_column") {
			t.Errorf("problems %v", got)
		}
	})
}

var errCrash = errors.New("simulated crash")

// bigFile writes n valid rows over both centers, with every tenth row invalid.
func (f *fixture) bigFile(name string, n int) string {
	var rows [][]string
	for i := range n {
		r := good(fmt.Sprintf("R-%06d", i), []string{"SH-IM-01", "SH-IM-02"}[i%2])
		if i%10 == 9 {
			r[5] = "0100" // bad mobile
		}
		rows = append(rows, r)
	}
	return f.file(name, sheet.CSV, backlog.Columns, rows)
}

func TestImportResumesAfterInterruption(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		f := newFixture(t, db)
		path := f.bigFile("big.csv", 2500)
		batches := 0
		im, err := f.run(path, importer.Options{Batch: 400, AfterBatch: func(*store.Import) error {
			if batches++; batches == 3 {
				return errCrash
			}
			return nil
		}})
		if !errors.Is(err, errCrash) {
			t.Fatalf("interrupted run: %v", err)
		}
		if n := f.count(`SELECT COUNT(*) FROM backlog_records`); n != 1080 { // 3 × 400 rows, 10 % rejected
			t.Fatalf("%d records after the interruption", n)
		}
		// A second command on the same file resumes the same import.
		var resumed *store.Import
		db.Read(ctx, func(tx *store.Tx) (err error) {
			resumed, err = tx.ResumableImport(f.camp.ID, "")
			return err
		})
		if resumed == nil || resumed.ID != im.ID || resumed.LastLine != 1201 {
			t.Fatalf("resumable %+v", resumed)
		}
		done, err := importer.Run(ctx, db, im.ID, path, importer.Options{Batch: 400})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != store.ImportDone || done.Read != 2500 || done.Imported != 2250 || done.Rejected != 250 || done.Skipped != 0 {
			t.Fatalf("resumed %+v", done)
		}
		if n := f.count(`SELECT COUNT(*) FROM requests`); n != 2250 {
			t.Errorf("%d requests, want exactly the file's 2250 good rows", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM backlog_import_errors WHERE import_id = ?`, im.ID); n != 250 {
			t.Errorf("%d rejected rows recorded", n)
		}
		if n := f.count(`SELECT COUNT(DISTINCT tracking_number) FROM requests`); n != 2250 {
			t.Errorf("%d distinct tracking numbers", n)
		}
		// The sample sent to verification is about 10 % of the imported rows.
		if done.Sampled < 150 || done.Sampled > 300 {
			t.Errorf("sampled %d of 2250", done.Sampled)
		}
	})
}

// An uploaded file runs as a job; a runner that dies half-way leaves it to another once
// its lease has run out, and the import ends with exactly the file's rows.
func TestUploadedImportJobTakenOverAfterCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		f := newFixture(t, db)
		path := f.bigFile("up.csv", 1800)
		data, _ := os.ReadFile(path)
		var im *store.Import
		err := db.Write(ctx, func(tx *store.Tx) (err error) {
			if im, err = tx.CreateImport(nil, store.NewImport{Campaign: f.camp.ID, Origin: store.OriginUpload, FileName: "up.csv"}); err != nil {
				return err
			}
			for i := 0; i*1000 < len(data); i++ { // small chunks, to test reassembly
				if err := tx.AddImportChunk(im.ID, i, data[i*1000:min(len(data), (i+1)*1000)]); err != nil {
					return err
				}
			}
			im, err = tx.QueueImport(im.ID, "sha", int64(len(data)), "csv")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		crash, cancel := context.WithCancel(ctx)
		batches := 0
		n, err := importer.RunOnce(crash, db, importer.JobOptions{ID: "first", Lease: time.Minute, Batch: 500,
			AfterBatch: func(*store.Import) error {
				if batches++; batches == 2 {
					cancel()
				}
				return nil
			}})
		if n != 1 || err != nil {
			t.Fatalf("first runner: %d %v", n, err)
		}
		// Within the lease, nobody else takes it.
		if n, err := importer.RunOnce(ctx, db, importer.JobOptions{ID: "second", Lease: time.Minute}); n != 0 || err != nil {
			t.Fatalf("claimed within the lease: %d %v", n, err)
		}
		clock.Advance(61 * time.Second)
		if n, err := importer.RunOnce(ctx, db, importer.JobOptions{ID: "second", Lease: time.Minute, Batch: 500}); n != 1 || err != nil {
			t.Fatalf("second runner: %d %v", n, err)
		}
		db.Read(ctx, func(tx *store.Tx) (err error) {
			im, err = tx.Import(im.ID)
			return err
		})
		if im.Status != store.ImportDone || im.Read != 1800 || im.Imported != 1620 || im.Rejected != 180 {
			t.Fatalf("import %+v", im)
		}
		if n := f.count(`SELECT COUNT(*) FROM requests`); n != 1620 {
			t.Errorf("%d requests", n)
		}
		if n := f.count(`SELECT COUNT(*) FROM backlog_import_chunks`); n != 0 {
			t.Errorf("%d chunks left after the import", n)
		}
		if st, _, _, _ := db.JobStatus(ctx, jobID(t, db)); st != "done" {
			t.Errorf("job %s", st)
		}
	})
}

func jobID(t *testing.T, db *store.DB) string {
	var id string
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&id, `SELECT id FROM jobs WHERE kind = ?`, store.JobBacklogImport)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}
