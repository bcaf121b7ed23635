package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"markaz"
	"markaz/backlog"
	"markaz/importer"
)

// blWorld is a Sharqia campaign over two centers, its supervisor and operators, a Cairo
// supervisor and operator, and a ministry reader.
type blWorld struct {
	a, b, cairo                            *markaz.Center
	campaign                               string
	sup, op1, op2, cairoSup, cairoOp, mini string
}

func newBLWorld(e *env) blWorld {
	w := blWorld{a: usersCenter(e, "SH-WB-01", "13-001"), b: usersCenter(e, "SH-WB-02", "13-002"),
		cairo: usersCenter(e, "CA-WB-01", "01-001")}
	e.user("bsup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
	e.user("bop1", at(markaz.RoleBacklogOperator, markaz.LevelGovernorate, "13"))
	e.user("bop2", at(markaz.RoleBacklogOperator, markaz.LevelGovernorate, "13"))
	e.user("bcsup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "01"))
	e.user("bcop", at(markaz.RoleBacklogOperator, markaz.LevelGovernorate, "01"))
	e.user("bmin", at(markaz.RoleMinistry, markaz.LevelNation, ""))
	w.sup, w.op1, w.op2, w.cairoSup, w.cairoOp, w.mini = e.token("bsup"), e.token("bop1"), e.token("bop2"),
		e.token("bcsup"), e.token("bcop"), e.token("bmin")
	st, b := e.call("POST", "/api/v1/backlog/campaigns", w.sup, map[string]any{"name": "حملة الشرقية", "governorate": "13",
		"starts_on": "2026-01-01", "ends_on": "2026-12-31", "sample_percent": 0})
	if st != 201 {
		e.t.Fatalf("campaign: %d %v", st, b["_raw"])
	}
	w.campaign = b["id"].(string)
	for _, op := range []string{"bop1", "bop2"} {
		if st, b := e.call("POST", "/api/v1/backlog/campaigns/"+w.campaign+"/operators", w.sup, map[string]any{"username": op}); st != 200 {
			e.t.Fatalf("operator %s: %d %v", op, st, b["_raw"])
		}
	}
	return w
}

// uploadImport posts a file to a campaign's imports as multipart form data (field "file").
func (e *env) uploadImport(path, token, name string, data []byte) (int, map[string]any) {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	return e.sendRaw("POST", path, token, mw.FormDataContentType(), body.String())
}

// get fetches path with a token in language lang and returns status and body.
func (e *env) get(path, token, lang string) (int, []byte, http.Header) {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// runImports runs the queued import jobs as the server's runner would.
func (e *env) runImports() {
	e.t.Helper()
	for {
		n, err := importer.RunOnce(context.Background(), e.db, importer.JobOptions{ID: "test"})
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func csvFile(rows ...[]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(backlog.Columns)
	w.WriteAll(rows)
	return b.Bytes()
}

func blRow(legacy, center, nid, mobile string) []string {
	return []string{legacy, center, "SHOP-LIC", nid, "محمد أحمد", mobile, "2024-05-12", "delivered", "2024-06-02", "2024-06-10", "5000"}
}

func TestBacklogTemplateDownloads(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newBLWorld(e)
		st, body, h := e.get("/api/v1/backlog/template.csv?lang=en", w.op1, "en")
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") ||
			string(body) != "\ufefflegacy_file_number,center_code,service_code,national_id,name,mobile,submitted_on,status,decided_on,delivered_on,fees_paid_piasters\n" {
			t.Fatalf("English CSV template: %d %q", st, body)
		}
		st, body, _ = e.get("/api/v1/backlog/template.xlsx?lang=ar", w.sup, "en")
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if st != 200 || err != nil {
			t.Fatalf("Arabic XLSX template: %d %v", st, err)
		}
		head, _ := x.GetRows(x.GetSheetName(0))
		view, _ := x.GetSheetView(x.GetSheetName(0), 0)
		if len(head) != 1 || head[0][0] != "رقم الملف الورقي" || len(head[0]) != len(backlog.Columns) || view.RightToLeft == nil || !*view.RightToLeft {
			t.Errorf("Arabic template %v", head)
		}
		e.user("bclerk", at(markaz.RoleClerk, markaz.LevelCenter, w.a.ID))
		if st, _, _ := e.get("/api/v1/backlog/template.csv", e.token("bclerk"), "en"); st != 403 {
			t.Errorf("template without a backlog role: %d", st)
		}
	})
}

func TestBacklogImportAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newBLWorld(e)
		file := csvFile(
			blRow("1/2024", "SH-WB-01", validNID(1), "01001234567"),
			blRow("2/2024", "SH-WB-02", validNID(2), "01001234567"),
			blRow("=HYPERLINK(\"http://x\")", "SH-WB-01", "123", "01001234567"),
			blRow("4/2024", "CA-WB-01", validNID(4), "0100"),
		)
		path := "/api/v1/backlog/campaigns/" + w.campaign + "/imports"
		// A Cairo operator cannot even see the campaign.
		if st, _ := e.uploadImport(path, w.cairoOp, "f.csv", file); st != 404 {
			t.Errorf("Cairo operator uploading: %d", st)
		}
		st, b := e.uploadImport(path, w.op1, "sharqia.csv", file)
		if st != 202 || b["status"] != "queued" {
			t.Fatalf("upload: %d %v", st, b["_raw"])
		}
		id := b["id"].(string)
		e.runImports()
		st, b = e.call("GET", "/api/v1/backlog/imports/"+id, w.op1, nil)
		if st != 200 || b["status"] != "done" || b["rows_read"] != 4.0 || b["imported"] != 2.0 || b["rejected"] != 2.0 ||
			b["percent"] != 100.0 || b["total_rows"] != 4.0 {
			t.Fatalf("import: %d %v", st, b["_raw"])
		}
		// The error report, in the reader's language, escapes formula cells.
		st, body, _ := e.get("/api/v1/backlog/imports/"+id+"/errors.csv", w.sup, "en")
		report := string(body)
		if st != 200 || !strings.Contains(report, "'=HYPERLINK") || !strings.Contains(report, "national_id") ||
			!strings.Contains(report, "This center is not in the campaign's territory.") || !strings.Contains(report, "Row,Column,Reason") {
			t.Errorf("English report: %d %s", st, report)
		}
		_, body, _ = e.get("/api/v1/backlog/imports/"+id+"/errors.csv", w.sup, "ar")
		if ar := string(body); !strings.Contains(ar, "هذا المركز خارج نطاق الحملة.") || !strings.Contains(ar, "الصف,العمود,السبب") {
			t.Errorf("Arabic report: %s", ar)
		}
		_, body, _ = e.get("/api/v1/backlog/imports/"+id+"/errors.xlsx", w.sup, "en")
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		formula, _ := x.GetCellFormula(x.GetSheetName(0), "D2")
		if len(rows) != 4 || formula != "" || rows[1][3] != `=HYPERLINK("http://x")` || rows[1][0] != "4" || rows[1][1] != "national_id" {
			t.Errorf("XLSX report: %v (formula %q)", rows, formula)
		}
		// The same file again adds nothing.
		_, b = e.uploadImport(path, w.op1, "sharqia.csv", file)
		e.runImports()
		_, b = e.call("GET", "/api/v1/backlog/imports/"+b["id"].(string), w.op1, nil)
		if b["imported"] != 0.0 || b["skipped"] != 2.0 || b["rejected"] != 2.0 {
			t.Errorf("second upload: %v", b["_raw"])
		}
		// Progress per governorate: the two files, each once; the rejected rows, each once.
		st, b = e.call("GET", "/api/v1/backlog/progress?governorate=13", w.mini, nil)
		if st != 200 || b["entered"] != 2.0 || b["verified"] != 0.0 || b["estimated"] != 0.0 || b["rejected"] != 2.0 {
			t.Errorf("progress: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/backlog/progress?governorate=13", w.cairoSup, nil); st != 403 {
			t.Errorf("Cairo supervisor reading Sharqia's progress: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/backlog/progress?governorate=13", "", nil); st != 401 {
			t.Errorf("anonymous progress: %d", st)
		}
		// Imported requests are followed by tracking number.
		st, b = e.call("GET", "/api/v1/backlog/campaigns/"+w.campaign+"/records?status=entered", w.op1, nil)
		items, _ := b["items"].([]any)
		if st != 200 || len(items) != 2 {
			t.Fatalf("records: %d %v", st, b["_raw"])
		}
		number := items[0].(map[string]any)["tracking_number"].(string)
		if st, b := e.call("GET", "/api/v1/track/"+url.PathEscape(number)+"?verify=4567", "", nil); st != 200 {
			t.Errorf("tracking an imported request: %d %v", st, b["_raw"])
		}
	})
}

func TestBacklogDoubleEntryAPIAndScope(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newBLWorld(e)
		entry := map[string]any{"legacy_file_number": "77/2019", "center_code": "SH-WB-01", "service_code": "SHOP-LIC",
			"national_id": validNID(7), "name": "سعاد علي", "mobile": "01001234567", "submitted_on": "2019-03-02",
			"status": "approved", "decided_on": "2019-04-01", "fees_paid_piasters": 5000}
		recs := "/api/v1/backlog/campaigns/" + w.campaign + "/records"
		st, b := e.call("POST", recs, w.op1, entry)
		if st != 201 || b["status"] != "pending" || b["verification"] != "awaiting" {
			t.Fatalf("first keying: %d %v", st, b["_raw"])
		}
		id := b["id"].(string)
		bad := map[string]any{}
		for k, v := range entry {
			bad[k] = v
		}
		bad["legacy_file_number"], bad["mobile"], bad["decided_on"] = "78/2019", "123", "2019-01-01"
		st, b = e.call("POST", recs, w.op1, bad)
		if st != 422 || !strings.Contains(b["_raw"].(string), `"field":"mobile"`) || !strings.Contains(b["_raw"].(string), `"field":"decided_on"`) {
			t.Errorf("bad keying: %d %v", st, b["_raw"])
		}
		// Scope: the Cairo operator and supervisor reach nothing of it.
		for _, tok := range []string{w.cairoOp, w.cairoSup} {
			if st, _ := e.call("GET", "/api/v1/backlog/records/"+id, tok, nil); st != 404 {
				t.Errorf("outsider reading the record: %d", st)
			}
			if st, _ := e.call("POST", recs, tok, entry); st != 404 && st != 403 {
				t.Errorf("outsider keying: %d", st)
			}
		}
		// The second operator does not see the first keying, and keys blind.
		st, b = e.call("GET", "/api/v1/backlog/campaigns/"+w.campaign+"/verify/next", w.op2, nil)
		if st != 200 || b["id"] != id || b["first"] != nil {
			t.Fatalf("next to verify: %d %v", st, b["_raw"])
		}
		if st, _ := e.call("GET", "/api/v1/backlog/campaigns/"+w.campaign+"/verify/next", w.op1, nil); st != 404 {
			t.Errorf("the author offered its own file: %d", st)
		}
		second := map[string]any{"service_code": "SHOP-LIC", "national_id": validNID(7), "name": "سعاد على",
			"mobile": "01001234567", "submitted_on": "2019-03-02", "status": "approved"}
		st, b = e.call("POST", "/api/v1/backlog/records/"+id+"/verify", w.op2, second)
		if st != 200 || b["matched"] != true {
			t.Fatalf("verify: %d %v", st, b["_raw"])
		}
		rec := b["record"].(map[string]any)
		if rec["status"] != "entered" || rec["tracking_number"] == nil {
			t.Errorf("verified record: %v", rec)
		}
		// A mismatch, decided by the supervisor.
		entry["legacy_file_number"] = "79/2019"
		_, b = e.call("POST", recs, w.op1, entry)
		id2 := b["id"].(string)
		second["status"] = "rejected"
		_, b = e.call("POST", "/api/v1/backlog/records/"+id2+"/verify", w.op2, second)
		if b["matched"] != false || b["mismatch"].([]any)[0] != "status" {
			t.Fatalf("mismatch: %v", b["_raw"])
		}
		values := map[string]any{}
		for k, v := range entry {
			values[k] = v
		}
		if st, _ := e.call("POST", "/api/v1/backlog/records/"+id2+"/decide", w.op1, map[string]any{"values": values}); st != 403 {
			t.Errorf("operator deciding: %d", st)
		}
		st, b = e.call("POST", "/api/v1/backlog/records/"+id2+"/decide", w.sup, map[string]any{"values": values})
		if st != 200 || b["status"] != "entered" || b["verification"] != "decided" {
			t.Errorf("decide: %d %v", st, b["_raw"])
		}
		st, b = e.call("GET", "/api/v1/backlog/progress?campaign="+w.campaign, w.op1, nil)
		if st != 200 || b["entered"] != 2.0 || b["verified"] != 2.0 || b["pending_verification"] != 0.0 {
			t.Errorf("operator's view of its campaign's progress: %d %v", st, b["_raw"])
		}
	})
}

func TestBacklogPagesForOperatorsAndSupervisor(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newBLWorld(e)
		sup, op1, op2 := e.browser(), e.browser(), e.browser()
		e.uiLogin(sup, "bsup")
		e.uiLogin(op1, "bop1")
		e.uiLogin(op2, "bop2")
		camp := "/backlog/campaigns/" + w.campaign
		// The supervisor sets the estimates on the campaign's page.
		_, html := e.page(sup, camp)
		if !strings.Contains(html, `id="f-est-`+w.a.ID+`"`) || !strings.Contains(html, "bop1") {
			t.Fatalf("campaign page: %.500s", html)
		}
		resp := e.form(sup, camp+"/estimates", url.Values{"center": {w.a.ID, w.b.ID}, "est-" + w.a.ID: {"40"}, "est-" + w.b.ID: {"x"}})
		if resp.StatusCode != 422 {
			t.Errorf("bad estimate: %d", resp.StatusCode)
		}
		if resp := e.form(sup, camp+"/estimates", url.Values{"center": {w.a.ID, w.b.ID}, "est-" + w.a.ID: {"40"}, "est-" + w.b.ID: {"٦٠"}}); resp.StatusCode != 303 {
			t.Errorf("estimates: %d", resp.StatusCode)
		}
		// The keyboard screen: focus on the first field, errors re-shown, save and next.
		st, html := e.page(op1, camp+"/enter")
		if st != 200 || !regexp.MustCompile(`id="f-center_code"[^>]*autofocus`).MatchString(html) || !strings.Contains(html, "data-enter-next") {
			t.Fatalf("entry screen: %d %.300s", st, html)
		}
		form := url.Values{"center_code": {"SH-WB-01"}, "legacy_file_number": {"15/2020"}, "service_code": {"SHOP-LIC"},
			"national_id": {validNID(15)}, "name": {"منى حسن"}, "mobile": {"01201234567"}, "submitted_on": {"2020-02-02"},
			"status": {"submitted"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("submitted_on", "2020-13-40")
		req, _ := http.NewRequest("POST", e.srv.URL+camp+"/enter", strings.NewReader(bad.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.srv.URL)
		resp, _ = op1.Do(req)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !regexp.MustCompile(`id="f-submitted_on"[^>]*autofocus`).Match(page) {
			t.Errorf("bad entry: %d", resp.StatusCode)
		}
		resp = e.form(op1, camp+"/enter", form)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.Contains(loc, "center_code=SH-WB-01") || !strings.Contains(loc, "saved=15%2F2020") {
			t.Fatalf("save and next: %d %s", resp.StatusCode, loc)
		}
		_, html = e.page(op1, loc)
		if !strings.Contains(html, `id="saved"`) || !regexp.MustCompile(`id="f-legacy_file_number"[^>]*autofocus`).MatchString(html) {
			t.Errorf("next entry screen: %.400s", html)
		}
		// The second operator sees the legacy number, not the values.
		_, html = e.page(op2, camp+"/verify")
		m := regexp.MustCompile(`action="/backlog/records/([0-9a-f-]+)/verify"`).FindStringSubmatch(html)
		if m == nil || !strings.Contains(html, "15/2020") || strings.Contains(html, "منى حسن") || strings.Contains(html, validNID(15)) {
			t.Fatalf("blind verify screen: %.600s", html)
		}
		second := url.Values{"campaign": {w.campaign}, "service_code": {"SHOP-LIC"}, "national_id": {validNID(15)},
			"name": {"منى حسين"}, "mobile": {"01201234567"}, "submitted_on": {"2020-02-02"}, "status": {"submitted"}}
		if resp := e.form(op2, "/backlog/records/"+m[1]+"/verify", second); resp.StatusCode != 303 {
			t.Fatalf("verify: %d", resp.StatusCode)
		}
		// The supervisor picks the second keying's name.
		_, html = e.page(sup, "/backlog/records/"+m[1])
		if !strings.Contains(html, `id="decide-form"`) || !strings.Contains(html, "منى حسين") {
			t.Fatalf("decide page: %.500s", html)
		}
		decide := url.Values{"do": {"accept"}, "pick-name": {"second"}}
		for k, v := range form {
			decide[k] = v
		}
		if resp := e.form(sup, "/backlog/records/"+m[1]+"/decide", decide); resp.StatusCode != 303 {
			t.Fatalf("decide: %d", resp.StatusCode)
		}
		_, html = e.page(sup, "/backlog/records/"+m[1])
		if !strings.Contains(html, `id="tracking"`) {
			t.Errorf("decided record has no tracking number: %.500s", html)
		}
		// Progress page: the supervisor's governorate.
		_, html = e.page(sup, "/backlog/progress?governorate=13")
		if !strings.Contains(html, `id="by-center"`) || !strings.Contains(html, `<title id="trend-title">`) {
			t.Errorf("progress page: %.500s", html)
		}
		// The supervisor closes the campaign: nothing more is keyed in it.
		edit := url.Values{"name": {"حملة الشرقية"}, "starts_on": {"2026-01-01"}, "ends_on": {"2026-12-31"},
			"status": {"closed"}, "sample_percent": {"x"}}
		if resp := e.form(sup, camp, edit); resp.StatusCode != 422 {
			t.Errorf("bad sample share: %d", resp.StatusCode)
		}
		edit.Set("sample_percent", "10")
		if resp := e.form(sup, camp, edit); resp.StatusCode != 303 {
			t.Fatalf("close: %d", resp.StatusCode)
		}
		form.Set("legacy_file_number", "16/2020")
		if resp := e.form(op1, camp+"/enter", form); resp.StatusCode != 409 {
			t.Errorf("keying in a closed campaign: %d", resp.StatusCode)
		}
		// An operator of another governorate gets nothing of this campaign.
		cop := e.browser()
		e.uiLogin(cop, "bcop")
		for _, p := range []string{camp, camp + "/enter", camp + "/verify", "/backlog/records/" + m[1]} {
			if st, _ := e.page(cop, p); st != 404 {
				t.Errorf("Cairo operator on %s: %d", p, st)
			}
		}
	})
}

func TestBacklogUploadPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		w := newBLWorld(e)
		c := e.browser()
		e.uiLogin(c, "bop1")
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "files.csv")
		fw.Write(csvFile(blRow("9/2024", "SH-WB-01", validNID(9), "01001234567")))
		mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/backlog/campaigns/"+w.campaign+"/import", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", e.srv.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/backlog/imports/") {
			t.Fatalf("upload: %d %s", resp.StatusCode, loc)
		}
		_, html := e.page(c, loc)
		if !strings.Contains(html, `id="import-progress"`) || !strings.Contains(html, `data-status="queued"`) {
			t.Errorf("queued import page: %.500s", html)
		}
		e.runImports()
		_, html = e.page(c, loc)
		if !strings.Contains(html, `data-status="done"`) || !strings.Contains(html, `value="100"`) {
			t.Errorf("finished import page: %.500s", html)
		}
		// A file that is not a file at all.
		var body2 bytes.Buffer
		mw = multipart.NewWriter(&body2)
		mw.WriteField("x", "y")
		mw.Close()
		req, _ = http.NewRequest("POST", e.srv.URL+"/backlog/campaigns/"+w.campaign+"/import", &body2)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", e.srv.URL)
		resp, _ = c.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 422 {
			t.Errorf("upload without a file: %d", resp.StatusCode)
		}
	})
}
