package payment

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

const goodStatement = "\ufeffgateway_reference,payment_id,amount_piasters,status,settled_at\n" +
	"gw-1,pay-1,15000,paid,2026-03-14T09:00:00Z\n" +
	"gw-2,pay-2,2500,paid,2026-03-14T11:30:00+02:00\n"

func TestParseStatement(t *testing.T) {
	rows, err := ParseStatement(strings.NewReader(goodStatement))
	if err != nil || len(rows) != 2 || rows[1].AmountPiasters != 2500 || rows[0].PaymentID != "pay-1" {
		t.Fatalf("%+v %v", rows, err)
	}
	// Columns in another order, an extra column, a blank line.
	other := "status,extra,amount_piasters,settled_at,payment_id,gateway_reference\npaid,x,100,2026-03-14T09:00:00Z,p,g\n  \n"
	if rows, err := ParseStatement(strings.NewReader(other)); err != nil || len(rows) != 1 || rows[0].GatewayReference != "g" {
		t.Fatalf("reordered: %+v %v", rows, err)
	}
	if rows, err := ParseStatement(strings.NewReader("gateway_reference,payment_id,amount_piasters,status,settled_at\n")); err != nil || len(rows) != 0 {
		t.Fatalf("header only: %+v %v", rows, err)
	}
	head := "gateway_reference,payment_id,amount_piasters,status,settled_at\n"
	for name, c := range map[string]struct {
		csv  string
		line int
	}{
		"empty":              {"", 1},
		"missing column":     {"gateway_reference,payment_id,amount_piasters,status\n", 1},
		"column twice":       {"gateway_reference,gateway_reference,payment_id,amount_piasters,status,settled_at\n", 1},
		"amount with pounds": {head + "g,p,150.00,paid,2026-03-14T09:00:00Z\n", 2},
		"amount zero":        {head + "g,p,0,paid,2026-03-14T09:00:00Z\n", 2},
		"amount negative":    {head + "g,p,-5,paid,2026-03-14T09:00:00Z\n", 2},
		"amount with plus":   {head + "g,p,+5,paid,2026-03-14T09:00:00Z\n", 2},
		"status refunded":    {head + "g,p,5,refunded,2026-03-14T09:00:00Z\n", 2},
		"bad time":           {head + "g,p,5,paid,yesterday\n", 2},
		"no reference":       {head + ",p,5,paid,2026-03-14T09:00:00Z\n", 2},
		"short row":          {head + "g,p\n", 2},
		"duplicate ref":      {head + "g,p,5,paid,2026-03-14T09:00:00Z\ng,q,5,paid,2026-03-14T09:00:00Z\n", 3},
		"broken quote":       {head + "g,\"p,5,paid,2026-03-14T09:00:00Z\n", 0},
	} {
		_, err := ParseStatement(strings.NewReader(c.csv))
		var se *StatementError
		if !errors.As(err, &se) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if c.line != 0 && se.Line != c.line {
			t.Errorf("%s: line %d, want %d (%v)", name, se.Line, c.line, se)
		}
	}
}

func TestStatementRoundTrip(t *testing.T) {
	rows := []StatementRow{{"g1", "p1", 100, "paid", time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)},
		{"g,2", "p\"2", 99, "paid", time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)}}
	got, err := ParseStatement(bytes.NewReader(StatementBytes(rows)))
	if err != nil || len(got) != 2 || got[1] != rows[1] || got[0] != rows[0] {
		t.Fatalf("%+v %v", got, err)
	}
}

// FuzzParseStatement: any input either parses into rows that all hold the rules and
// survive a round trip, or fails with a *StatementError; it never panics.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(goodStatement))
	f.Add([]byte("gateway_reference,payment_id,amount_piasters,status,settled_at\ng,p,1,paid,2026-03-14T09:00:00Z"))
	f.Add([]byte("a,b\n\"x"))
	f.Add([]byte{0xff, 0xfe, ','})
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseStatement(bytes.NewReader(b))
		if err != nil {
			var se *StatementError
			if !errors.As(err, &se) {
				t.Fatalf("error of another type: %T %v", err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, r := range rows {
			if r.AmountPiasters <= 0 || r.AmountPiasters > MaxAmount || r.Status != "paid" || !token(r.GatewayReference) ||
				!token(r.PaymentID) || seen[r.GatewayReference] {
				t.Fatalf("a row breaks the rules: %+v", r)
			}
			seen[r.GatewayReference] = true
		}
		again, err := ParseStatement(bytes.NewReader(StatementBytes(rows)))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("round trip: %v (%d vs %d rows)", err, len(again), len(rows))
		}
		for i := range rows {
			if again[i].GatewayReference != rows[i].GatewayReference || again[i].AmountPiasters != rows[i].AmountPiasters ||
				!again[i].SettledAt.Equal(rows[i].SettledAt) {
				t.Fatalf("round trip changed row %d: %+v → %+v", i, rows[i], again[i])
			}
		}
	})
}

func TestMatch(t *testing.T) {
	day := []Received{{"p1", "g1", 100}, {"p2", "g2", 200}, {"p3", "g3", 300}}
	other := map[string]Received{"g9": {"p9", "g9", 900}}
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	statement := []StatementRow{
		{"g1", "p1", 100, "paid", at}, // matches
		{"g2", "p2", 250, "paid", at}, // amount differs
		{"g4", "p4", 400, "paid", at}, // not in Markaz
		{"g9", "p9", 900, "paid", at}, // booked the next day: matches
	}
	matched, ms := Match(day, other, statement)
	if matched != 2 || len(ms) != 3 {
		t.Fatalf("matched %d, mismatches %+v", matched, ms)
	}
	want := []Mismatch{{AmountDiffers, "p2", "g2", 200, 250}, {MissingInMarkaz, "p4", "g4", 0, 400}, {MissingInStatement, "p3", "g3", 300, 0}}
	for i := range want {
		if ms[i] != want[i] {
			t.Errorf("mismatch %d: %+v, want %+v", i, ms[i], want[i])
		}
	}
	if m, ms := Match(nil, nil, nil); m != 0 || len(ms) != 0 {
		t.Error("nothing matches nothing")
	}
}
