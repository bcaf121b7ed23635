package payment

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"markaz"
)

var now = time.Date(2026, 3, 15, 8, 0, 0, 0, time.UTC)

func body(ts time.Time) []byte {
	cb := Callback{EventID: "ev-1", PaymentID: "pay-1", AmountPiasters: 15000, Status: CallbackPaid,
		GatewayReference: "gw-1", Timestamp: ts}
	return cb.Encode()
}

func TestVerifyCallback(t *testing.T) {
	secret := []byte("s3cret-for-tests")
	good := body(now)
	cases := []struct {
		name   string
		secret []byte
		body   []byte
		sig    string
		want   error
	}{
		{"signed and fresh", secret, good, Sign(secret, good), nil},
		{"upper-case hex is the same signature", secret, good, strings.ToUpper(Sign(secret, good)), nil},
		{"surrounding spaces are ignored", secret, good, " " + Sign(secret, good) + " ", nil},
		{"signed with another secret", secret, good, Sign([]byte("other"), good), ErrBadSignature},
		{"body changed after signing", secret, bytes.Replace(good, []byte("15000"), []byte("15001"), 1), Sign(secret, good), ErrBadSignature},
		{"no signature", secret, good, "", ErrBadSignature},
		{"signature not hex", secret, good, "zz" + Sign(secret, good)[2:], ErrBadSignature},
		{"signature too short", secret, good, Sign(secret, good)[:62], ErrBadSignature},
		{"empty secret verifies nothing", nil, good, Sign(nil, good), ErrBadSignature},
		{"9 minutes old", secret, body(now.Add(-9 * time.Minute)), Sign(secret, body(now.Add(-9*time.Minute))), nil},
		{"exactly 10 minutes old", secret, body(now.Add(-10 * time.Minute)), Sign(secret, body(now.Add(-10*time.Minute))), nil},
		{"10 minutes and a second old", secret, body(now.Add(-10*time.Minute - time.Second)), Sign(secret, body(now.Add(-10*time.Minute-time.Second))), ErrStale},
		{"a day old", secret, body(now.Add(-24 * time.Hour)), Sign(secret, body(now.Add(-24*time.Hour))), ErrStale},
		{"11 minutes in the future", secret, body(now.Add(11 * time.Minute)), Sign(secret, body(now.Add(11*time.Minute))), ErrStale},
		{"signed but not JSON", secret, []byte("paid"), Sign(secret, []byte("paid")), ErrMalformed},
		{"signed, timestamp not RFC 3339", secret, []byte(`{"event_id":"e","payment_id":"p","amount_piasters":1,"status":"paid","gateway_reference":"g","timestamp":"15/03/2026"}`),
			Sign(secret, []byte(`{"event_id":"e","payment_id":"p","amount_piasters":1,"status":"paid","gateway_reference":"g","timestamp":"15/03/2026"}`)), ErrMalformed},
	}
	for _, c := range cases {
		_, err := Verify(c.secret, c.body, c.sig, now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestParseCallbackFields(t *testing.T) {
	ok := `{"event_id":"e1","payment_id":"p1","amount_piasters":100,"status":"paid","gateway_reference":"g1","timestamp":"2026-03-15T08:00:00Z","extra":1}`
	if cb, err := ParseCallback([]byte(ok)); err != nil || cb.AmountPiasters != 100 || !cb.Timestamp.Equal(now) {
		t.Fatalf("a good callback with an extra field: %+v %v", cb, err)
	}
	for name, b := range map[string]string{
		"status unknown":     strings.Replace(ok, `"paid"`, `"done"`, 1),
		"zero amount":        strings.Replace(ok, `100`, `0`, 1),
		"negative amount":    strings.Replace(ok, `100`, `-5`, 1),
		"fractional amount":  strings.Replace(ok, `100`, `1.5`, 1),
		"amount as string":   strings.Replace(ok, `100`, `"100"`, 1),
		"no event id":        strings.Replace(ok, `"e1"`, `""`, 1),
		"spaces in id":       strings.Replace(ok, `"p1"`, `"p 1"`, 1),
		"no reference":       strings.Replace(ok, `"g1"`, `""`, 1),
		"two objects":        ok + ok,
		"huge amount":        strings.Replace(ok, `100`, `10000000000001`, 1),
		"missing timestamp":  strings.Replace(ok, `"timestamp":"2026-03-15T08:00:00Z",`, ``, 1),
		"array instead":      `[` + ok + `]`,
		"control char in id": strings.Replace(ok, `"e1"`, `"e\u00011"`, 1),
	} {
		if _, err := ParseCallback([]byte(b)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDecide(t *testing.T) {
	paid := func(amount int64) *Callback { return &Callback{Status: CallbackPaid, AmountPiasters: amount} }
	failed := &Callback{Status: CallbackFailed, AmountPiasters: 100}
	pay := func(status string) *Payment { return &Payment{Status: status, AmountPiasters: 100} }
	cases := []struct {
		name     string
		p        *Payment
		cb       *Callback
		due      int64
		awaiting bool
		want     Decision
	}{
		{"paid exactly what is due", pay(StatusPending), paid(100), 100, true, Decision{Outcome: OutcomeBooked}},
		{"paid less", pay(StatusPending), paid(90), 100, true, Decision{OutcomeHeld, HoldAmount}},
		{"paid more", pay(StatusPending), paid(110), 100, true, Decision{OutcomeHeld, HoldAmount}},
		{"paid the payment's amount but the due changed", pay(StatusPending), paid(100), 0, true, Decision{OutcomeHeld, HoldAmount}},
		{"request no longer awaits payment", pay(StatusPending), paid(100), 100, false, Decision{OutcomeHeld, HoldNotAwaited}},
		{"paid after a failure (out of order)", pay(StatusFailed), paid(100), 100, true, Decision{Outcome: OutcomeBooked}},
		{"reference paid after it expired", pay(StatusExpired), paid(100), 100, true, Decision{Outcome: OutcomeBooked}},
		{"paid again (another charge)", pay(StatusPaid), paid(100), 0, true, Decision{Outcome: OutcomeIgnored}},
		{"held stays held", pay(StatusHeld), paid(100), 100, true, Decision{Outcome: OutcomeIgnored}},
		{"voided stays voided", pay(StatusVoided), paid(100), 100, true, Decision{Outcome: OutcomeIgnored}},
		{"failure of a pending payment", pay(StatusPending), failed, 100, true, Decision{Outcome: OutcomeFailed}},
		{"failure after paid (out of order) changes nothing", pay(StatusPaid), failed, 0, true, Decision{Outcome: OutcomeIgnored}},
		{"failure of an expired payment changes nothing", pay(StatusExpired), failed, 100, true, Decision{Outcome: OutcomeIgnored}},
	}
	for _, c := range cases {
		if got := Decide(c.p, c.cb, c.due, c.awaiting); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestReceiptNumbers(t *testing.T) {
	n, err := FormatReceipt("1301", 2025, 42)
	if err != nil || !strings.HasPrefix(n, "1301-2025-000042-") || len(n) != 18 {
		t.Fatalf("FormatReceipt = %q, %v", n, err)
	}
	for _, in := range []string{n, strings.ReplaceAll(n, "-", ""), strings.ReplaceAll(n, "-", " "), markazArabic(n)} {
		got, digits, err := ParseReceipt(in)
		if err != nil || got != n || digits != strings.ReplaceAll(n, "-", "") {
			t.Errorf("ParseReceipt(%q) = %q %q %v", in, got, digits, err)
		}
	}
	// Every single-digit error and every adjacent swap is caught.
	d := []byte(strings.ReplaceAll(n, "-", ""))
	for i := range d {
		for x := byte('0'); x <= '9'; x++ {
			if x == d[i] {
				continue
			}
			e := append([]byte{}, d...)
			e[i] = x
			if _, _, err := ParseReceipt(string(e)); err == nil {
				t.Errorf("typo %s accepted", e)
			}
		}
		if i+1 < len(d) && d[i] != d[i+1] {
			e := append([]byte{}, d...)
			e[i], e[i+1] = e[i+1], e[i]
			if _, _, err := ParseReceipt(string(e)); err == nil {
				t.Errorf("swap %s accepted", e)
			}
		}
	}
	big, _ := FormatReceipt("1301", 2025, 1234567)
	if got, _, err := ParseReceipt(big); err != nil || got != big {
		t.Errorf("a seven-digit sequence: %q %v", got, err)
	}
	for _, bad := range []string{"", "1301-2025", "abc", "1301-2025-0000042-" + big[len(big)-1:], strings.Repeat("1", 500)} {
		if _, _, err := ParseReceipt(bad); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("ParseReceipt(%q) = %v", bad, err)
		}
	}
	for _, c := range []struct {
		prefix string
		fy     int
		seq    int64
	}{{"130", 2025, 1}, {"1301", 999, 1}, {"1301", 2025, 0}, {"1301", 2025, 1_000_000_000}} {
		if _, err := FormatReceipt(c.prefix, c.fy, c.seq); err == nil {
			t.Errorf("FormatReceipt(%+v) accepted", c)
		}
	}
}

func markazArabic(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '٠' + (r - '0')
		}
		return r
	}, s)
}

func TestCheckRefund(t *testing.T) {
	card := &Payment{Method: MethodGateway, ReceivedPiasters: 10000}
	cash := &Payment{Method: MethodCash, ReceivedPiasters: 10000}
	cases := []struct {
		name      string
		p         *Payment
		committed int64
		in        RefundInput
		field     string
	}{
		{"full refund to the card", card, 0, RefundInput{10000, "gateway", "rejected"}, ""},
		{"partial refund in cash", cash, 0, RefundInput{2500, "cash", "overpaid"}, ""},
		{"the rest after a partial refund", card, 2500, RefundInput{7500, "gateway", "rest"}, ""},
		{"more than what is left", card, 2500, RefundInput{7501, "gateway", "too much"}, "amount_piasters"},
		{"more than was paid", card, 0, RefundInput{10001, "gateway", "too much"}, "amount_piasters"},
		{"nothing", card, 0, RefundInput{0, "gateway", "zero"}, "amount_piasters"},
		{"negative", card, 0, RefundInput{-1, "gateway", "negative"}, "amount_piasters"},
		{"cash paid back through a gateway", cash, 0, RefundInput{100, "gateway", "no card"}, "method"},
		{"an unknown method", card, 0, RefundInput{100, "cheque", "x"}, "method"},
		{"no reason", card, 0, RefundInput{100, "gateway", "  "}, "reason"},
	}
	for _, c := range cases {
		err := CheckRefund(c.p, c.committed, &c.in)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.field != "" && !hasField(err, c.field):
			t.Errorf("%s: %v, want a problem with %s", c.name, err, c.field)
		}
	}
	booked := time.Now()
	p := &Payment{Status: StatusPaid, ReceivedPiasters: 10000, PaidAt: &booked}
	if AfterRefund(p, 2500) != StatusPartlyRefunded || AfterRefund(p, 10000) != StatusRefunded {
		t.Error("AfterRefund of a booked payment")
	}
	held := &Payment{Status: StatusHeld, ReceivedPiasters: 10000}
	if AfterRefund(held, 10000) != StatusRefunded || AfterRefund(held, 100) != StatusHeld {
		t.Error("AfterRefund of a held payment")
	}
}

func hasField(err error, field string) bool {
	var e *markaz.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestCheckClosing(t *testing.T) {
	if err := CheckClosing(5000, &Closing{CountedPiasters: 5000}); err != nil {
		t.Errorf("an even count needs no explanation: %v", err)
	}
	if err := CheckClosing(5000, &Closing{CountedPiasters: 4900}); !hasField(err, "explanation") {
		t.Errorf("a short count without explanation: %v", err)
	}
	if err := CheckClosing(5000, &Closing{CountedPiasters: 4900, Explanation: "  "}); !hasField(err, "explanation") {
		t.Errorf("a blank explanation: %v", err)
	}
	if err := CheckClosing(5000, &Closing{CountedPiasters: 5100, Explanation: "change given short"}); err != nil {
		t.Errorf("an explained difference: %v", err)
	}
	if err := CheckClosing(0, &Closing{CountedPiasters: -1, Explanation: "x"}); !hasField(err, "counted_piasters") {
		t.Errorf("a negative count: %v", err)
	}
}

func TestStartValidate(t *testing.T) {
	if err := (&Start{Method: "cash"}).Validate(false); !hasField(err, "method") {
		t.Error("a citizen may not pay cash through the API")
	}
	for _, m := range Methods {
		if err := (&Start{Method: m}).Validate(true); err != nil {
			t.Errorf("staff %s: %v", m, err)
		}
	}
	if err := (&Start{Method: "bitcoin"}).Validate(true); !hasField(err, "method") {
		t.Error("unknown method")
	}
}

func TestPoundsAndShare(t *testing.T) {
	for p, want := range map[int64]string{0: "0.00", 5: "0.05", 15000: "150.00", 123456: "1234.56", -250: "-2.50"} {
		if got := Pounds(p); got != want {
			t.Errorf("Pounds(%d) = %q", p, got)
		}
	}
	for _, c := range []struct {
		cash, elec int64
		want       int
	}{{0, 0, 0}, {100, 0, 0}, {0, 100, 1000}, {100, 100, 500}, {2, 1, 333}, {1, 2, 667}} {
		if got := ElectronicShare(c.cash, c.elec); got != c.want {
			t.Errorf("ElectronicShare(%d, %d) = %d", c.cash, c.elec, got)
		}
	}
}
