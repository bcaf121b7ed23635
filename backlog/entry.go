package backlog

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"

	"markaz"
)

// Entry is one paper file as an operator keys it, field by field, under the template's
// column names (so a file row, a form and an API body share one set of names and one
// validation, ParseRow).
type Entry struct {
	LegacyFileNumber string      `json:"legacy_file_number"`
	CenterCode       string      `json:"center_code"`
	ServiceCode      string      `json:"service_code"`
	NationalID       string      `json:"national_id"`
	Name             string      `json:"name"`
	Mobile           string      `json:"mobile"`
	SubmittedOn      string      `json:"submitted_on"`
	Status           string      `json:"status"`
	DecidedOn        string      `json:"decided_on"`
	DeliveredOn      string      `json:"delivered_on"`
	FeesPaid         json.Number `json:"fees_paid_piasters"`
}

// Cells returns the entry as a row in Columns order.
func (e Entry) Cells() []string {
	return []string{e.LegacyFileNumber, e.CenterCode, e.ServiceCode, e.NationalID, e.Name, e.Mobile,
		e.SubmittedOn, e.Status, e.DecidedOn, e.DeliveredOn, e.FeesPaid.String()}
}

// EntryOf is the entry a cell row in Columns order holds (the inverse of Cells).
func EntryOf(cells []string) Entry {
	c := func(i int) string {
		if i < len(cells) {
			return cells[i]
		}
		return ""
	}
	return Entry{LegacyFileNumber: c(0), CenterCode: c(1), ServiceCode: c(2), NationalID: c(3), Name: c(4),
		Mobile: c(5), SubmittedOn: c(6), Status: c(7), DecidedOn: c(8), DeliveredOn: c(9), FeesPaid: json.Number(c(10))}
}

// English is the header of the English template: entries are parsed through it.
var English = func() *Header {
	h, err := ParseHeader(Columns)
	if err != nil {
		panic(err)
	}
	return h
}()

// Parse validates the entry as ParseRow validates a file row.
func (e Entry) Parse(today markaz.Date) (*Row, error) { return ParseRow(English, e.Cells(), today) }

// Entry returns the row's values as an entry, normalised (Latin digits, codes in upper
// case, dates as YYYY-MM-DD, empty optional dates and fees left empty).
func (r *Row) Entry() Entry {
	e := Entry{LegacyFileNumber: r.LegacyFileNumber, CenterCode: r.CenterCode, ServiceCode: r.ServiceCode,
		NationalID: r.Applicant.NationalID, Name: r.Applicant.Name, Mobile: r.Applicant.Mobile,
		SubmittedOn: dateText(r.SubmittedOn), Status: r.Status, DecidedOn: dateText(r.DecidedOn),
		DeliveredOn: dateText(r.DeliveredOn)}
	if r.FeesPaid != 0 {
		e.FeesPaid = json.Number(strconv.FormatInt(r.FeesPaid, 10))
	}
	return e
}

func dateText(d markaz.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// KeyFields are the fields a second operator re-keys blind: what the file is, for whom
// and where it stands. The legacy file number and the center identify the file and are
// shown to the second operator, not re-keyed.
var KeyFields = []string{"service_code", "national_id", "name", "mobile", "submitted_on", "status"}

// Second is a second operator's blind keying of a file's key fields.
type Second struct {
	ServiceCode string `json:"service_code"`
	NationalID  string `json:"national_id"`
	Name        string `json:"name"`
	Mobile      string `json:"mobile"`
	SubmittedOn string `json:"submitted_on"`
	Status      string `json:"status"`
}

// Parse validates the second keying with the file's identity (legacy file number and
// center code): each key field with ParseRow's rules. The optional fields the second
// operator does not key are left empty, so only the key fields can be at fault.
func (s Second) Parse(legacy, center string, today markaz.Date) (*Row, error) {
	e := Entry{LegacyFileNumber: legacy, CenterCode: center, ServiceCode: s.ServiceCode, NationalID: s.NationalID,
		Name: s.Name, Mobile: s.Mobile, SubmittedOn: s.SubmittedOn, Status: s.Status}
	return e.Parse(today)
}

// keyValue is a key field of a row in the form compared between two keyings: names are
// compared Arabic-folded (alef forms, ta marbuta, alef maqsura, diacritics) so that a
// spelling variant of one name is not a mismatch; every other field as normalised.
func (r *Row) keyValue(field string) string {
	switch field {
	case "service_code":
		return r.ServiceCode
	case "national_id":
		return r.Applicant.NationalID
	case "name":
		return markaz.NormalizeSearch(r.Applicant.Name)
	case "mobile":
		return r.Applicant.Mobile
	case "submitted_on":
		return r.SubmittedOn.String()
	case "status":
		return r.Status
	}
	return ""
}

// Mismatches lists the key fields on which two keyings of one file differ, in KeyFields
// order.
func Mismatches(a, b *Row) []string {
	var out []string
	for _, f := range KeyFields {
		if a.keyValue(f) != b.keyValue(f) {
			out = append(out, f)
		}
	}
	return out
}

// Fingerprint identifies a row's content: two rows with the same fingerprint describe
// the same file the same way (names compared folded, as in Mismatches). Uploading a row
// again whose fingerprint matches the record already entered is "already entered", not
// a conflict.
func (r *Row) Fingerprint() string {
	e := r.Entry()
	e.Name = markaz.NormalizeSearch(e.Name)
	h := sha256.New()
	for _, c := range e.Cells() {
		h.Write([]byte(c))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// RowKey names the paper file a raw row is about, for counting rejected rows once
// however often they are uploaded: the center code and legacy file number when the row
// has both, else a hash of the whole row.
func RowKey(h *Header, cells []string) string {
	center := strings.ToUpper(strings.TrimSpace(h.Cell(cells, "center_code")))
	legacy := strings.Join(strings.Fields(markaz.LatinDigits(h.Cell(cells, "legacy_file_number"))), " ")
	if center != "" && legacy != "" {
		return "f:" + center + "\x1f" + legacy
	}
	s := sha256.New()
	for _, c := range cells {
		s.Write([]byte(strings.TrimSpace(c)))
		s.Write([]byte{0x1f})
	}
	return "h:" + hex.EncodeToString(s.Sum(nil)[:16])
}

// FileKey is the row key of an entered file (see RowKey).
func FileKey(centerCode, legacy string) string { return "f:" + centerCode + "\x1f" + legacy }

// Sampled reports whether the row at line of an import falls in the share (per cent) of
// imported rows sent to verification: a hash of the import and the line, so the choice is
// random across the file yet the same when an interrupted import is resumed.
func Sampled(importID string, line, percent int) bool {
	if percent <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(importID))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(line))
	h.Write(b[:])
	return int(h.Sum64()%100) < percent
}

// TemplateHeader is the template's header row in language lang: the column names in
// English (exactly Columns), their Arabic headers in Arabic.
func TemplateHeader(lang string) []string {
	if lang != "ar" {
		return append([]string(nil), Columns...)
	}
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = ArabicHeaders[c]
	}
	return out
}
