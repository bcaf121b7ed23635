package payment

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A gateway's statement is CSV (UTF-8, an optional byte-order mark, comma-separated) with
// a header row naming at least these columns, in any order; other columns are ignored:
//
//	gateway_reference,payment_id,amount_piasters,status,settled_at
//
// One row per payment the gateway settled that day: its own reference (unique in the
// statement), Markaz's payment id, the amount in piasters (a whole number above zero),
// status "paid", and when it settled (RFC 3339).
var StatementColumns = []string{"gateway_reference", "payment_id", "amount_piasters", "status", "settled_at"}

// MaxStatementRows bounds one day's statement.
const MaxStatementRows = 1_000_000

// StatementRow is one settled payment in a gateway's statement.
type StatementRow struct {
	GatewayReference string
	PaymentID        string
	AmountPiasters   int64
	Status           string
	SettledAt        time.Time
}

// StatementError names the line of a statement that could not be read and why.
type StatementError struct {
	Line   int
	Reason string
}

func (e *StatementError) Error() string {
	return fmt.Sprintf("statement line %d: %s", e.Line, e.Reason)
}

// ParseStatement reads a statement and checks every row; the first problem is returned as
// a *StatementError with its line number.
func ParseStatement(r io.Reader) ([]StatementRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &StatementError{Line: 1, Reason: "empty statement: a header row is needed"}
		}
		return nil, &StatementError{Line: 1, Reason: csvReason(err)}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := col[h]; dup && slices.Contains(StatementColumns, h) {
			return nil, &StatementError{Line: 1, Reason: "column " + h + " appears twice"}
		}
		col[h] = i
	}
	for _, c := range StatementColumns {
		if _, ok := col[c]; !ok {
			return nil, &StatementError{Line: 1, Reason: "missing column " + c}
		}
	}
	var rows []StatementRow
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, &StatementError{Line: line, Reason: csvReason(err)}
		}
		line, _ := cr.FieldPos(0)
		if len(rows) >= MaxStatementRows {
			return nil, &StatementError{Line: line, Reason: "more rows than a day's statement may hold"}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := StatementRow{GatewayReference: get("gateway_reference"), PaymentID: get("payment_id"), Status: get("status")}
		if !token(row.GatewayReference) {
			return nil, &StatementError{Line: line, Reason: "gateway_reference is empty or not an identifier"}
		}
		if prev, dup := seen[row.GatewayReference]; dup {
			return nil, &StatementError{Line: line, Reason: fmt.Sprintf("gateway_reference repeats line %d", prev)}
		}
		seen[row.GatewayReference] = line
		if !token(row.PaymentID) {
			return nil, &StatementError{Line: line, Reason: "payment_id is empty or not an identifier"}
		}
		a := get("amount_piasters")
		row.AmountPiasters, err = strconv.ParseInt(a, 10, 64)
		if err != nil || row.AmountPiasters <= 0 || row.AmountPiasters > MaxAmount || a[0] == '+' {
			return nil, &StatementError{Line: line, Reason: "amount_piasters must be a whole number of piasters above zero"}
		}
		if row.Status != CallbackPaid {
			return nil, &StatementError{Line: line, Reason: `status must be "paid"`}
		}
		if row.SettledAt, err = time.Parse(time.RFC3339, get("settled_at")); err != nil {
			return nil, &StatementError{Line: line, Reason: "settled_at must be an RFC 3339 time"}
		}
		rows = append(rows, row)
	}
}

// csvReason is the reason of a CSV syntax error, without the reader's own line prefix.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// WriteStatement writes rows as a statement ParseStatement reads back.
func WriteStatement(w io.Writer, rows []StatementRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(StatementColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.GatewayReference, r.PaymentID, strconv.FormatInt(r.AmountPiasters, 10), r.Status,
			r.SettledAt.UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// StatementBytes is WriteStatement into a byte slice.
func StatementBytes(rows []StatementRow) []byte {
	var b bytes.Buffer
	WriteStatement(&b, rows)
	return b.Bytes()
}

// Mismatch kinds.
const (
	MissingInMarkaz    = "missing_in_markaz"    // the gateway settled it; Markaz has not received it
	MissingInStatement = "missing_in_statement" // Markaz booked it; the gateway's statement lacks it
	AmountDiffers      = "amount_differs"       // both have it, for different amounts
)

// Received is a payment Markaz received electronically (booked or held), as the
// reconciliation compares it.
type Received struct {
	PaymentID        string
	GatewayReference string
	AmountPiasters   int64
}

// Mismatch is one difference between Markaz and the gateway's statement.
type Mismatch struct {
	Kind              string
	PaymentID         string
	GatewayReference  string
	MarkazPiasters    int64
	StatementPiasters int64
}

// Match compares the payments Markaz received on a day (day) with the gateway's
// statement for that day, by the gateway's reference. A statement row whose reference
// Markaz received on another day is looked up in other (reference → payment) before it
// is called missing, so a payment settled just before midnight and booked just after is
// not a mismatch. It returns how many matched and the mismatches, statement order first.
func Match(day []Received, other map[string]Received, statement []StatementRow) (matched int, out []Mismatch) {
	ours := map[string]Received{}
	for _, r := range day {
		ours[r.GatewayReference] = r
	}
	inStatement := map[string]bool{}
	for _, s := range statement {
		inStatement[s.GatewayReference] = true
		r, ok := ours[s.GatewayReference]
		if !ok {
			r, ok = other[s.GatewayReference]
		}
		switch {
		case !ok:
			out = append(out, Mismatch{Kind: MissingInMarkaz, PaymentID: s.PaymentID, GatewayReference: s.GatewayReference,
				StatementPiasters: s.AmountPiasters})
		case r.AmountPiasters != s.AmountPiasters:
			out = append(out, Mismatch{Kind: AmountDiffers, PaymentID: r.PaymentID, GatewayReference: s.GatewayReference,
				MarkazPiasters: r.AmountPiasters, StatementPiasters: s.AmountPiasters})
		default:
			matched++
		}
	}
	for _, r := range day {
		if !inStatement[r.GatewayReference] {
			out = append(out, Mismatch{Kind: MissingInStatement, PaymentID: r.PaymentID, GatewayReference: r.GatewayReference,
				MarkazPiasters: r.AmountPiasters})
		}
	}
	return matched, out
}
