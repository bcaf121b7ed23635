// Package backlog owns the rules for entering the accumulated paper files: the import
// template's columns (English and Arabic headers), the validation of one row — with the
// counter request's own rules for the applicant and service, plus dates that make sense
// — and the statuses a past request may have at entry. Reading files and storing records
// are other packages' work.
package backlog

import (
	"strconv"
	"strings"

	"markaz"
	"markaz/nationalid"
	"markaz/request"
)

// Columns are the template's columns in order; the English template's header row is
// exactly these names joined by commas.
var Columns = []string{"legacy_file_number", "center_code", "service_code", "national_id", "name", "mobile",
	"submitted_on", "status", "decided_on", "delivered_on", "fees_paid_piasters"}

// ArabicHeaders are the Arabic template's headers, column by column.
var ArabicHeaders = map[string]string{
	"legacy_file_number": "رقم الملف الورقي",
	"center_code":        "كود المركز",
	"service_code":       "كود الخدمة",
	"national_id":        "الرقم القومي",
	"name":               "اسم مقدم الطلب",
	"mobile":             "رقم المحمول",
	"submitted_on":       "تاريخ التقديم",
	"status":             "الحالة",
	"decided_on":         "تاريخ البت",
	"delivered_on":       "تاريخ التسليم",
	"fees_paid_piasters": "الرسوم المدفوعة بالقرش",
}

// ArabicStatuses are the status words the Arabic template accepts beside the codes.
var ArabicStatuses = map[string]string{
	"مقدم":             request.StatusSubmitted,
	"قيد المراجعة":     request.StatusInReview,
	"مرتجع للاستكمال":  request.StatusReturned,
	"في انتظار السداد": request.StatusAwaitingPayment,
	"مقبول":            request.StatusApproved,
	"مرفوض":            request.StatusRejected,
	"مقبول حكما":       request.StatusDeemedApproved,
	"جاهز للتسليم":     request.StatusReady,
	"تم التسليم":       request.StatusDelivered,
	"ملغى":             request.StatusCancelled,
}

// Limits of a row.
const (
	MaxLegacyLength = 40
	MaxFeesPiasters = 100_000_000_00 // one hundred million pounds: far above any local-service fee
)

// Header is the layout of an uploaded file: the position of each column and the
// template's language.
type Header struct {
	Lang  string         // "en" or "ar"
	Index map[string]int // column → position in the row
	Cells []string       // the header row as the file gives it
}

// ParseHeader reads a header row in either language, in any order. Every column must
// appear exactly once, and nothing else (a blank trailing cell is ignored).
func ParseHeader(cells []string) (*Header, error) {
	byName := map[string]string{}
	for _, c := range Columns {
		byName[c] = c
		byName[normaliseHeader(ArabicHeaders[c])] = c
	}
	h := &Header{Index: map[string]int{}, Cells: cells}
	var v markaz.Validator
	ar, en := 0, 0
	for i, cell := range cells {
		cell = normaliseHeader(cell)
		if cell == "" {
			continue
		}
		col, ok := byName[cell]
		switch {
		case !ok:
			v.Add("header", "unknown_column", map[string]any{"column": cell})
		case hasAt(h.Index, col):
			v.Add("header", "duplicate_column", map[string]any{"column": cell})
		default:
			h.Index[col] = i
			if cell == col {
				en++
			} else {
				ar++
			}
		}
	}
	for _, c := range Columns {
		if !hasAt(h.Index, c) {
			v.Add("header", "missing_column", map[string]any{"column": c})
		}
	}
	h.Lang = "en"
	if ar > en {
		h.Lang = "ar"
	}
	return h, v.Err()
}

func hasAt(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// normaliseHeader trims a header cell, drops a byte-order mark and folds case.
func normaliseHeader(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Row is one past request as the file gives it, normalised.
type Row struct {
	LegacyFileNumber string
	CenterCode       string
	ServiceCode      string
	Applicant        request.Applicant
	SubmittedOn      markaz.Date
	Status           string
	DecidedOn        markaz.Date // zero when not known
	DeliveredOn      markaz.Date // zero when not known
	FeesPaid         int64
	Warnings         []nationalid.Warning
}

// Cell returns a row's cell for a column ("" when the row is short).
func (h *Header) Cell(cells []string, col string) string {
	i := h.Index[col]
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// ParseRow validates one data row against today (entry day): the applicant and service
// with request.Registration's rules (national ID strict, check digit only a warning;
// mobile normalised), dates in YYYY-MM-DD not after today, decided on or after submitted,
// delivered on or after decided and only for a delivered request, a decision date only
// for a decided request, fees a whole number of piasters. Field names in the error are
// the template's column names.
func ParseRow(h *Header, cells []string, today markaz.Date) (*Row, error) {
	var v markaz.Validator
	get := func(col string) string { return strings.TrimSpace(h.Cell(cells, col)) }
	r := &Row{LegacyFileNumber: strings.Join(strings.Fields(markaz.LatinDigits(get("legacy_file_number"))), " "),
		CenterCode: strings.ToUpper(get("center_code"))}
	if v.Required("legacy_file_number", r.LegacyFileNumber) {
		v.Text("legacy_file_number", r.LegacyFileNumber, MaxLegacyLength, true)
	}
	v.Code("center_code", r.CenterCode)

	reg := request.Registration{ServiceCode: get("service_code"), Channel: request.ChannelBacklog,
		Applicant: request.Applicant{NationalID: get("national_id"), Name: get("name"), Mobile: get("mobile")}}
	ws, err := reg.Validate(today)
	if err := v.Merge(err, strings.NewReplacer("applicant.", "").Replace); err != nil {
		return nil, err
	}
	r.ServiceCode, r.Applicant = reg.ServiceCode, reg.Applicant
	for _, w := range ws {
		r.Warnings = append(r.Warnings, nationalid.Warning{Field: "national_id", Code: w.Code})
	}

	r.SubmittedOn = date(&v, "submitted_on", get("submitted_on"), today, true)
	r.DecidedOn = date(&v, "decided_on", get("decided_on"), today, false)
	r.DeliveredOn = date(&v, "delivered_on", get("delivered_on"), today, false)
	r.Status = status(get("status"))
	if v.Required("status", r.Status) && v.OneOf("status", r.Status, request.Statuses...) {
		decided := HasDecision(r.Status)
		switch {
		case !r.DecidedOn.IsZero() && !decided:
			v.Add("decided_on", "decision_date_undecided", nil)
		case !r.DeliveredOn.IsZero() && r.Status != request.StatusDelivered:
			v.Add("delivered_on", "delivery_date_undelivered", nil)
		}
	}
	if !r.SubmittedOn.IsZero() && !r.DecidedOn.IsZero() && r.DecidedOn.Before(r.SubmittedOn) {
		v.Add("decided_on", "before_submitted", nil)
	}
	after := r.DecidedOn
	if after.IsZero() {
		after = r.SubmittedOn
	}
	if !after.IsZero() && !r.DeliveredOn.IsZero() && r.DeliveredOn.Before(after) {
		v.Add("delivered_on", "before_decided", nil)
	}
	if s := markaz.LatinDigits(get("fees_paid_piasters")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > MaxFeesPiasters {
			v.Add("fees_paid_piasters", "piasters_format", nil)
		}
		r.FeesPaid = n
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// HasDecision reports whether a request in status s has been decided: approved,
// rejected or deemed approved, or past approval (ready, delivered).
func HasDecision(s string) bool {
	return request.Decided(s) || s == request.StatusReady || s == request.StatusDelivered
}

// status maps a status cell (code in any case, or the Arabic word) to its code.
func status(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if code, ok := ArabicStatuses[s]; ok {
		return code
	}
	return strings.ToLower(s)
}

// date parses an optional (or required) YYYY-MM-DD date that must not be after today.
func date(v *markaz.Validator, field, s string, today markaz.Date, required bool) markaz.Date {
	s = markaz.LatinDigits(s)
	if s == "" {
		if required {
			v.Add(field, "required", nil)
		}
		return markaz.Date{}
	}
	d, err := markaz.ParseDate(s)
	switch {
	case err != nil:
		v.Add(field, "date_format", nil)
	case d.After(today):
		v.Add(field, "date_in_future", nil)
	}
	return d
}
