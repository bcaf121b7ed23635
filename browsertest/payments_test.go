package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"markaz"
	"markaz/demo"
	"markaz/store"
)

// The demo citizen pays their request by card through the simulated gateway in a real
// browser, and every payment page passes axe in Arabic and English and fits a phone.
func TestPaymentPagesInTheBrowser(t *testing.T) {
	s := start(t, store.SQLite)
	var receipt, till, rec, held, awaiting string
	err := s.db.Read(s.ctx, func(tx *store.Tx) error {
		for _, q := range []struct {
			to  *string
			sql string
		}{
			{&receipt, `SELECT number FROM receipts ORDER BY number LIMIT 1`},
			{&till, `SELECT id FROM tills LIMIT 1`},
			{&rec, `SELECT id FROM reconciliations LIMIT 1`},
			{&held, `SELECT id FROM payments WHERE status = 'held_for_review' LIMIT 1`},
			{&awaiting, `SELECT tracking_number FROM requests WHERE mobile = '` + demo.CitizenMobile + `' AND status = 'awaiting_payment'`},
		} {
			if err := tx.Get(q.to, q.sql); err != nil {
				return fmt.Errorf("%s: %w", q.sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	both := func(label string, paths ...string) {
		for range 2 { // Arabic, then English
			for _, p := range paths {
				s.open(p)
				s.axe(fmt.Sprintf("%s %s %s", label, p, s.attr("html", "lang")))
			}
			s.switchLang()
		}
	}

	// The citizen: their request's fees → the gateway's page → pay → back to Markaz.
	s.login("citizen")
	both("citizen", "/payments", "/requests/"+awaiting+"/payments")
	s.open("/payments")
	s.clickNav("#my-fees a.button")
	s.clickNav("#pay-card button")
	if !strings.Contains(s.text("h1"), "محاكاة") && !strings.Contains(s.text("h1"), "checkout") {
		t.Fatalf("not on the simulated checkout: %q", s.text("h1"))
	}
	s.axe("simulated checkout")
	s.clickNav("#sim-pay")
	if got := s.attr("#payment-status", "class"); !strings.Contains(got, "pay-paid") {
		t.Fatalf("after paying, the payment is %q", got)
	}
	s.clickNav("#receipt-link")
	number := markaz.LatinDigits(s.text("#receipt-number"))
	s.axe("receipt (citizen)")
	both("public", "/verify?n="+number)
	if !strings.Contains(s.text("#void-status"), "لا") && !strings.Contains(s.text("#void-status"), "No") {
		t.Errorf("verification of a valid receipt: %q", s.text("#void-status"))
	}
	s.clickNav("#logout")

	// The clerk and the center manager: tills and receipts; the finance officer's desk.
	s.login("clerk")
	both("clerk", "/tills", "/tills/"+till, "/receipts/"+receipt)
	s.clickNav("#logout")
	s.login("manager")
	both("manager", "/receipts/"+number)
	s.clickNav("#logout")
	s.login("finance")
	both("finance", "/finance", "/finance/reconciliations/"+rec, "/payments/"+held)

	// On a phone nothing needs horizontal scrolling.
	s.do(chromedp.EmulateViewport(375, 740))
	for _, p := range []string{"/finance", "/finance/reconciliations/" + rec, "/payments/" + held, "/collections", "/simgw"} {
		s.open(p)
		scroll, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if scroll > 0 {
			t.Errorf("%s overflows a phone screen by %dpx", p, scroll)
		}
	}
}
