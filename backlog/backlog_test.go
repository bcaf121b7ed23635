package backlog

import (
	"strings"
	"testing"

	"markaz"
	"markaz/i18n"
)

var today = markaz.Date{Y: 2026, M: 11, D: 27}

func enHeader(t *testing.T) *Header {
	h, err := ParseHeader(Columns)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func fieldCodes(err error) string {
	e, ok := err.(*markaz.Error)
	if !ok {
		return "?"
	}
	var s []string
	for _, f := range e.Fields {
		s = append(s, f.Field+":"+f.Code)
	}
	return strings.Join(s, " ")
}

func TestEnglishHeaderIsExact(t *testing.T) {
	const want = "legacy_file_number,center_code,service_code,national_id,name,mobile,submitted_on,status,decided_on,delivered_on,fees_paid_piasters"
	if got := strings.Join(Columns, ","); got != want {
		t.Fatalf("header %q", got)
	}
}

func TestParseHeader(t *testing.T) {
	var ar []string
	for _, c := range Columns {
		ar = append(ar, ArabicHeaders[c])
	}
	reordered := append([]string{}, Columns...)
	reordered[0], reordered[10] = reordered[10], reordered[0]
	for _, c := range []struct {
		name  string
		cells []string
		lang  string
		err   string
	}{
		{"english", Columns, "en", ""},
		{"english with BOM, spaces, capitals and a blank tail", append([]string{"\ufeff Legacy_File_Number "}, append(Columns[1:], "")...), "en", ""},
		{"arabic", ar, "ar", ""},
		{"reordered", reordered, "en", ""},
		{"missing", Columns[:10], "", "header:missing_column"},
		{"duplicate", append(append([]string{}, Columns...), "name"), "", "header:duplicate_column"},
		{"unknown", append(append([]string{}, Columns...), "remarks"), "", "header:unknown_column"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := ParseHeader(c.cells)
			if c.err != "" {
				if fieldCodes(err) != c.err {
					t.Fatalf("err %v, want %s", fieldCodes(err), c.err)
				}
				return
			}
			if err != nil || h.Lang != c.lang {
				t.Fatalf("%v %+v", err, h)
			}
			if h.Index["fees_paid_piasters"] != indexOf(c.cells, "fees_paid_piasters", ar) {
				t.Errorf("index %v", h.Index)
			}
		})
	}
}

func indexOf(cells []string, col string, ar []string) int {
	for i, c := range cells {
		if strings.EqualFold(strings.TrimSpace(c), col) || c == ArabicHeaders[col] {
			return i
		}
	}
	return -1
}

func TestParseRow(t *testing.T) {
	h := enHeader(t)
	base := map[string]string{"legacy_file_number": " 1234/2019 ", "center_code": "sh-zag-01", "service_code": "build-lic",
		"national_id": "29001011301234", "name": " محمد   أحمد ", "mobile": "٠١٠٠١٢٣٤٥٦٧", "submitted_on": "2019-03-10",
		"status": "delivered", "decided_on": "2019-04-01", "delivered_on": "2019-04-10", "fees_paid_piasters": "15000"}
	row := func(change map[string]string) []string {
		var out []string
		for _, c := range Columns {
			v := base[c]
			if x, ok := change[c]; ok {
				v = x
			}
			out = append(out, v)
		}
		return out
	}
	r, err := ParseRow(h, row(nil), today)
	if err != nil {
		t.Fatal(err)
	}
	if r.LegacyFileNumber != "1234/2019" || r.CenterCode != "SH-ZAG-01" || r.ServiceCode != "BUILD-LIC" ||
		r.Applicant.Mobile != "01001234567" || r.Applicant.Name != "محمد أحمد" || r.FeesPaid != 15000 ||
		r.DeliveredOn.String() != "2019-04-10" || r.Status != "delivered" {
		t.Errorf("normalised row %+v", r)
	}
	for _, c := range []struct {
		name   string
		change map[string]string
		want   string // field:code list, "" for valid
	}{
		{"arabic status word", map[string]string{"status": "تم التسليم"}, ""},
		{"open request without dates", map[string]string{"status": "in_review", "decided_on": "", "delivered_on": ""}, ""},
		{"approved, not yet delivered", map[string]string{"status": "approved", "delivered_on": ""}, ""},
		{"decision date known, delivery not", map[string]string{"delivered_on": ""}, ""},
		{"no fees", map[string]string{"fees_paid_piasters": ""}, ""},
		{"check digit mismatch is only a warning", map[string]string{"national_id": "29001011301235"}, ""},
		{"missing legacy number", map[string]string{"legacy_file_number": " "}, "legacy_file_number:required"},
		{"legacy number too long", map[string]string{"legacy_file_number": strings.Repeat("9", 41)}, "legacy_file_number:too_long"},
		{"bad center code", map[string]string{"center_code": "زقازيق"}, "center_code:code_format"},
		{"bad national id", map[string]string{"national_id": "123"}, "national_id:" + nidCode(t, "123")},
		{"bad mobile", map[string]string{"mobile": "0123"}, "mobile:mobile_format"},
		{"no name", map[string]string{"name": ""}, "name:required"},
		{"submitted in the future", map[string]string{"submitted_on": "2026-11-28", "status": "submitted", "decided_on": "", "delivered_on": ""}, "submitted_on:date_in_future"},
		{"bad date", map[string]string{"submitted_on": "10/03/2019"}, "submitted_on:date_format"},
		{"decided before submitted", map[string]string{"decided_on": "2019-03-01", "delivered_on": ""}, "decided_on:before_submitted"},
		{"delivered before decided", map[string]string{"delivered_on": "2019-03-20"}, "delivered_on:before_decided"},
		{"decision date on an open request", map[string]string{"status": "in_review", "delivered_on": ""}, "decided_on:decision_date_undecided"},
		{"delivery date on an approved request", map[string]string{"status": "approved"}, "delivered_on:delivery_date_undelivered"},
		{"unknown status", map[string]string{"status": "lost"}, "status:one_of"},
		{"negative fees", map[string]string{"fees_paid_piasters": "-5"}, "fees_paid_piasters:piasters_format"},
		{"fees in pounds with decimals", map[string]string{"fees_paid_piasters": "150.50"}, "fees_paid_piasters:piasters_format"},
		{"short row", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			cells := row(c.change)
			if c.name == "short row" {
				cells = cells[:9] // trailing optional cells left off by a spreadsheet
				cells[8] = ""
			}
			_, err := ParseRow(h, cells, today)
			if got := fieldCodes(err); (c.want == "" && err != nil) || (c.want != "" && got != c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func nidCode(t *testing.T, s string) string {
	h, _ := ParseHeader(Columns)
	cells := make([]string, len(Columns))
	cells[h.Index["national_id"]] = s
	_, err := ParseRow(h, cells, today)
	for _, f := range err.(*markaz.Error).Fields {
		if f.Field == "national_id" {
			return f.Code
		}
	}
	t.Fatal("no national_id error")
	return ""
}

// Every row error a file can produce has a message in both languages, and the Arabic
// status words are the UI's own.
func TestMessagesExist(t *testing.T) {
	for _, code := range []string{"unknown_column", "duplicate_column", "missing_column", "decision_date_undecided",
		"delivery_date_undelivered", "before_submitted", "before_decided", "piasters_format", "date_format", "date_in_future"} {
		if !i18n.Has("field." + code) {
			t.Errorf("field.%s has no message", code)
		}
	}
}

func FuzzParseRow(f *testing.F) {
	f.Add("1/2019,SH-ZAG-01,BUILD-LIC,29001011301234,محمد,01001234567,2019-03-10,delivered,2019-04-01,2019-04-10,15000")
	f.Add(",,,,,,,,,,")
	f.Add("\ufeffx,\"y\",٢٠١٩-٠٣-١٠,مقبول حكما,-1,9999999999999999999")
	h, _ := ParseHeader(Columns)
	f.Fuzz(func(t *testing.T, line string) {
		cells := strings.Split(line, ",")
		r, err := ParseRow(h, cells, today)
		if err != nil {
			if e, ok := err.(*markaz.Error); !ok || e.Code != markaz.EInvalid || len(e.Fields) == 0 {
				t.Fatalf("error %v is not a field validation error", err)
			}
			return
		}
		if r.SubmittedOn.IsZero() || r.SubmittedOn.After(today) || r.FeesPaid < 0 || r.LegacyFileNumber == "" {
			t.Fatalf("accepted a bad row: %+v", r)
		}
		if _, err := ParseHeader(cells); err == nil && len(cells) < len(Columns) {
			t.Fatal("short header accepted")
		}
	})
}
