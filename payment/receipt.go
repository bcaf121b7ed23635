package payment

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"markaz"
	"markaz/tracking"
)

// A receipt number is PPPP-YYYY-SSSSSS-C: the issuing center's series prefix (the same
// four digits as its tracking numbers, so a mobile unit working offline numbers its own
// receipts without colliding), the first calendar year of the fiscal year (2025 for
// 2025–2026), the sequence in that center's series for that fiscal year (at least six
// digits) and a Verhoeff check digit over all the digits before it (as tracking numbers,
// it catches every single-digit error and adjacent swap). The series has no gaps: the
// store takes the next sequence from a counter row locked in the payment's own
// transaction, so a rolled-back payment gives its number back.

// Shape of a receipt number.
const (
	receiptSeqDigits = 6
	receiptMaxSeq    = 999_999_999
	receiptMin       = tracking.PrefixLen + 4 + receiptSeqDigits + 1
	receiptMax       = tracking.PrefixLen + 4 + 9 + 1
)

// ReceiptField is the field name Parse's errors carry.
const ReceiptField = "receipt_number"

// FormatReceipt returns the number of sequence seq in the series of prefix for fiscal
// year fy.
func FormatReceipt(prefix string, fy int, seq int64) (string, error) {
	prefix = markaz.LatinDigits(prefix)
	if !tracking.ValidPrefix(prefix) || fy < 1000 || fy > 9999 || seq < 1 || seq > receiptMaxSeq {
		return "", fmt.Errorf("receipt number: prefix %q, fiscal year %d, sequence %d out of range", prefix, fy, seq)
	}
	body := fmt.Sprintf("%s%04d%0*d", prefix, fy, receiptSeqDigits, seq)
	c, err := tracking.CheckDigit(body)
	if err != nil {
		return "", err
	}
	return body[:4] + "-" + body[4:8] + "-" + body[8:] + "-" + string(c), nil
}

// ParseReceipt reads a receipt number in any grouping of spaces and dashes, in Latin,
// Arabic-Indic or Persian digits, and returns its canonical form and Latin digits. A
// malformed number or a wrong check digit is an EInvalid error on ReceiptField.
func ParseReceipt(s string) (number, digits string, err error) {
	if len(s) > 8*receiptMax {
		return "", "", receiptInvalid("receipt_format")
	}
	d := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) {
			return -1
		}
		return r
	}, markaz.LatinDigits(s))
	if len(d) < receiptMin || len(d) > receiptMax || strings.Trim(d, "0123456789") != "" {
		return "", "", receiptInvalid("receipt_format")
	}
	body := d[:len(d)-1]
	seqPart := body[8:]
	if len(seqPart) > receiptSeqDigits && seqPart[0] == '0' {
		return "", "", receiptInvalid("receipt_format")
	}
	if c, _ := tracking.CheckDigit(body); c != d[len(d)-1] {
		return "", "", receiptInvalid("receipt_check_digit")
	}
	fy, _ := strconv.Atoi(body[4:8])
	seq, _ := strconv.ParseInt(seqPart, 10, 64)
	number, err = FormatReceipt(body[:4], fy, seq)
	if err != nil {
		return "", "", receiptInvalid("receipt_format")
	}
	return number, d, nil
}

func receiptInvalid(code string) error {
	var v markaz.Validator
	v.Add(ReceiptField, code, nil)
	return v.Err()
}

// Receipt is the proof of one booked payment.
type Receipt struct {
	Number         string      `json:"number" db:"number"`
	PaymentID      string      `json:"payment_id" db:"payment_id"`
	TrackingNumber string      `json:"tracking_number" db:"tracking_number"`
	ServiceCode    string      `json:"service_code" db:"service_code"`
	ApplicantName  string      `json:"applicant_name" db:"applicant_name"`
	CenterID       string      `json:"center_id" db:"center_id"`
	CenterNameAr   string      `json:"center_name_ar" db:"center_name_ar"`
	CenterNameEn   string      `json:"center_name_en" db:"center_name_en"`
	GovCode        string      `json:"governorate" db:"gov_code"`
	UnitCode       string      `json:"unit" db:"unit_code"`
	FiscalYear     int         `json:"fiscal_year" db:"fiscal_year"`
	Seq            int64       `json:"seq" db:"seq"`
	AmountPiasters int64       `json:"amount_piasters" db:"amount_piasters"`
	Method         string      `json:"method" db:"method"`
	IssuedAt       time.Time   `json:"issued_at" db:"issued_at"`
	IssuedOn       markaz.Date `json:"issued_on" db:"issued_on"`
	IssuedBy       string      `json:"issued_by" db:"issued_by"`
	VoidedAt       *time.Time  `json:"voided_at,omitempty" db:"voided_at"`
	VoidReason     string      `json:"void_reason,omitempty" db:"void_reason"`
	VoidedBy       string      `json:"voided_by,omitempty" db:"voided_by"`
}

// Ref is the receipt's place in the territory.
func (r *Receipt) Ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

// Verification is everything the public verification of a receipt shows: the number,
// the amount, the date, the issuing center and whether it is void — nothing about who
// paid or what for.
type Verification struct {
	Number         string       `json:"number"`
	AmountPiasters int64        `json:"amount_piasters"`
	IssuedOn       markaz.Date  `json:"issued_on"`
	CenterNameAr   string       `json:"center_name_ar"`
	CenterNameEn   string       `json:"center_name_en"`
	Void           bool         `json:"void"`
	VoidedOn       *markaz.Date `json:"voided_on,omitempty"`
}

// Verify returns the public view of r.
func (r *Receipt) Verify() Verification {
	v := Verification{Number: r.Number, AmountPiasters: r.AmountPiasters, IssuedOn: r.IssuedOn,
		CenterNameAr: r.CenterNameAr, CenterNameEn: r.CenterNameEn, Void: r.VoidedAt != nil}
	if r.VoidedAt != nil {
		d := markaz.DateOf(*r.VoidedAt)
		v.VoidedOn = &d
	}
	return v
}
