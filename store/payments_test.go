package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"markaz"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// payWorld is a Sharqia center with a clerk, a back-office employee, a manager and a
// finance officer of the governorate.
type payWorld struct {
	t                             *testing.T
	db                            *store.DB
	clock                         *markaz.FixedClock
	c                             *markaz.Center
	clerk, clerk2, back, mgr, fin *markaz.Principal
	fin2                          *markaz.Principal
	n                             int
}

func newPayWorld(t *testing.T, db *store.DB, clock *markaz.FixedClock) *payWorld {
	c := mkCenter(t, db, "SH-PAY-01", "13-001")
	w := &payWorld{t: t, db: db, clock: clock, c: c,
		clerk:  reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode),
		back:   reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode),
		mgr:    reqPrincipal(markaz.RoleCenterManager, c.ID, c.GovCode, c.UnitCode),
		fin:    finance("fin1", "13"),
		fin2:   finance("fin2", "13"),
		clerk2: &markaz.Principal{UserID: "clerk2", Username: "clerk2", Assignments: []markaz.Assignment{{Role: markaz.RoleClerk, Level: markaz.LevelCenter, CenterID: c.ID, GovCode: c.GovCode, UnitCode: c.UnitCode}}}}
	return w
}

func finance(id, gov string) *markaz.Principal {
	level := markaz.LevelGovernorate
	if gov == "" {
		level = markaz.LevelNation
	}
	return &markaz.Principal{UserID: id, Username: id, Assignments: []markaz.Assignment{
		{Role: markaz.RoleFinance, Level: level, GovCode: gov}}}
}

// awaiting registers a request and takes it to awaiting payment; it returns its number
// and the fees due.
func (w *payWorld) awaiting(mobile string) (string, int64) {
	w.t.Helper()
	return w.awaitingFor("SHOP-LIC", mobile)
}

// awaitingFor is awaiting for a request of service svc.
func (w *payWorld) awaitingFor(svc, mobile string) (string, int64) {
	w.t.Helper()
	w.n++
	reg := &request.Registration{ServiceCode: svc, Applicant: request.Applicant{
		NationalID: fmt.Sprintf("290010113%05d", w.n), Name: "مواطن", Mobile: mobile}}
	ws, _ := reg.Validate(markaz.DateOf(w.clock.Now()))
	var d *store.RequestDetail
	err := w.db.Write(ctx, func(tx *store.Tx) error {
		got, err := tx.RegisterRequest(w.clerk, reg, "", ws)
		if err != nil {
			return err
		}
		if _, err := tx.ActOnRequest(w.clerk, got.Detail.TrackingNumber, request.ActionForward, "", nil); err != nil {
			return err
		}
		d, err = tx.ActOnRequest(w.back, got.Detail.TrackingNumber, request.ActionRequestPayment, "", nil)
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if d.Status != request.StatusAwaitingPayment || d.FeesDue <= 0 {
		w.t.Fatalf("request not awaiting payment with fees: %s %d", d.Status, d.FeesDue)
	}
	return d.TrackingNumber, d.FeesDue
}

func (w *payWorld) start(p *markaz.Principal, number, method, key string) (*store.Started, error) {
	var st *store.Started
	err := w.db.Write(ctx, func(tx *store.Tx) (err error) {
		st, err = tx.StartPayment(p, number, payment.Start{Method: method}, key, payment.GatewaySimulated)
		return err
	})
	return st, err
}

func (w *payWorld) mustStart(p *markaz.Principal, number, method string) *payment.Payment {
	w.t.Helper()
	st, err := w.start(p, number, method, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return st.Payment
}

func (w *payWorld) callback(id, event, status string, amount int64) (payment.Outcome, error) {
	cb := &payment.Callback{EventID: event, PaymentID: id, AmountPiasters: amount, Status: status,
		GatewayReference: "GW-" + event, Timestamp: w.clock.Now()}
	var res *store.CallbackResult
	err := w.db.Write(ctx, func(tx *store.Tx) (err error) {
		res, err = tx.BookCallback(payment.GatewaySimulated, cb)
		return err
	})
	if err != nil {
		return "", err
	}
	return res.Outcome, nil
}

func (w *payWorld) request(number string) *store.RequestDetail {
	w.t.Helper()
	var d *store.RequestDetail
	if err := w.db.Read(ctx, func(tx *store.Tx) (err error) {
		d, err = tx.Request(markaz.Scope{All: true}, number)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *payWorld) payment(id string) *payment.Payment {
	w.t.Helper()
	var pm *payment.Payment
	if err := w.db.Read(ctx, func(tx *store.Tx) (err error) {
		pm, err = tx.Payment(finance("nat", ""), id)
		return err
	}); err != nil {
		w.t.Fatal(err)
	}
	return pm
}

func (w *payWorld) count(q string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.db.Read(ctx, func(tx *store.Tx) error { return tx.Get(&n, q, args...) }); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func receiptSeq(t *testing.T, number string) int64 {
	t.Helper()
	n, digits, err := payment.ParseReceipt(number)
	if err != nil || n != number {
		t.Fatalf("receipt number %q: %v", number, err)
	}
	var seq int64
	fmt.Sscanf(digits[8:len(digits)-1], "%d", &seq)
	return seq
}

func TestCashPaymentBooksOnceAndMovesTheRequestOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		st, err := w.start(w.clerk, number, payment.MethodCash, "click-1")
		if err != nil {
			t.Fatal(err)
		}
		pm := st.Payment
		if pm.Status != payment.StatusPaid || pm.ReceiptNumber == nil || pm.AmountPiasters != due || pm.TillID == nil {
			t.Fatalf("cash payment: %+v", pm)
		}
		if receiptSeq(t, *pm.ReceiptNumber) != 1 {
			t.Errorf("first receipt of the center: %s", *pm.ReceiptNumber)
		}
		// A second click with the same key returns the same payment, writing nothing.
		again, err := w.start(w.clerk, number, payment.MethodCash, "click-1")
		if err != nil || !again.Replay || again.Payment.ID != pm.ID {
			t.Fatalf("replay: %+v %v", again, err)
		}
		d := w.request(number)
		if d.Status != request.StatusInReview || d.FeesPaid != due || d.PaymentMethod != payment.MethodCash {
			t.Fatalf("request after cash: status %s, paid %d, method %q", d.Status, d.FeesPaid, d.PaymentMethod)
		}
		last := d.Events[len(d.Events)-1]
		if last.Action != request.ActionComplete || last.Username != "system" || last.From != request.StatusAwaitingPayment {
			t.Errorf("the request moved on by %+v", last)
		}
		// Nothing is owed any more: no second payment starts.
		if _, err := w.start(w.clerk, number, payment.MethodCash, "click-2"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("a second payment of a paid request: %v", err)
		}
		// The same key for another request is refused.
		other, _ := w.awaiting("01001234568")
		if _, err := w.start(w.clerk, other, payment.MethodCash, "click-1"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a key reused for another request: %v", err)
		}
		if n := w.count(`SELECT COUNT(*) FROM receipts`); n != 1 {
			t.Errorf("%d receipts", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('payment.start', 'payment.book', 'receipt.issue', 'till.open')`); n != 4 {
			t.Errorf("%d audit entries of the payment", n)
		}
		// Cash is staff-only; a citizen's principal cannot record it, a Cairo clerk cannot see it.
		cairo := mkCenter(t, db, "CA-PAY-01", "01-001")
		cairoClerk := reqPrincipal(markaz.RoleClerk, cairo.ID, cairo.GovCode, cairo.UnitCode)
		if _, err := w.start(cairoClerk, other, payment.MethodCash, ""); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a clerk of another governorate: %v", err)
		}
	})
}

func TestCallbacksBookExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		pm := w.mustStart(w.clerk, number, payment.MethodGateway)
		if pm.Status != payment.StatusPending || pm.Gateway != payment.GatewaySimulated {
			t.Fatalf("started: %+v", pm)
		}
		// Out of order: a failure of an earlier attempt, then the paid event, then the
		// failure delivered again late: booked once, never un-booked.
		if o, err := w.callback(pm.ID, "e-fail", payment.CallbackFailed, due); err != nil || o != payment.OutcomeFailed {
			t.Fatalf("failure: %s %v", o, err)
		}
		if o, err := w.callback(pm.ID, "e-paid", payment.CallbackPaid, due); err != nil || o != payment.OutcomeBooked {
			t.Fatalf("paid after failure: %s %v", o, err)
		}
		if o, _ := w.callback(pm.ID, "e-paid", payment.CallbackPaid, due); o != payment.OutcomeDuplicate {
			t.Errorf("the same event twice: %s", o)
		}
		if o, _ := w.callback(pm.ID, "e-fail-late", payment.CallbackFailed, due); o != payment.OutcomeIgnored {
			t.Errorf("a failure after paid: %s", o)
		}
		if o, _ := w.callback(pm.ID, "e-paid-2", payment.CallbackPaid, due); o != payment.OutcomeIgnored {
			t.Errorf("a second charge: %s", o)
		}
		if o, _ := w.callback("no-such-payment", "e-x", payment.CallbackPaid, due); o != payment.OutcomeUnknown {
			t.Errorf("unknown payment: %s", o)
		}
		got := w.payment(pm.ID)
		d := w.request(number)
		if got.Status != payment.StatusPaid || got.ReceiptNumber == nil || got.GatewayReference != "GW-e-paid" ||
			d.FeesPaid != due || d.Status != request.StatusInReview || d.PaymentMethod != payment.MethodGateway {
			t.Fatalf("after callbacks: payment %+v, request %s paid %d", got, d.Status, d.FeesPaid)
		}
		if n := w.count(`SELECT COUNT(*) FROM receipts WHERE payment_id = ?`, pm.ID); n != 1 {
			t.Errorf("%d receipts", n)
		}
		if n := w.count(`SELECT COUNT(*) FROM gateway_events`); n != 5 {
			t.Errorf("%d events recorded", n)
		}

		// Concurrent deliveries: 12 of the same event and 12 distinct paid events for one
		// payment, all at once: one booking, one receipt, fees paid once.
		number2, due2 := w.awaiting("01001234569")
		pm2 := w.mustStart(w.clerk, number2, payment.MethodGateway)
		var wg sync.WaitGroup
		var mu sync.Mutex
		outcomes := map[payment.Outcome]int{}
		for i := 0; i < 24; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev := "same"
				if i%2 == 1 {
					ev = fmt.Sprintf("distinct-%d", i)
				}
				o, err := w.callback(pm2.ID, ev, payment.CallbackPaid, due2)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("concurrent callback: %v", err)
				}
				outcomes[o]++
			}()
		}
		wg.Wait()
		if outcomes[payment.OutcomeBooked] != 1 || outcomes[payment.OutcomeDuplicate] != 11 || outcomes[payment.OutcomeIgnored] != 12 {
			t.Errorf("concurrent outcomes: %v", outcomes)
		}
		if d := w.request(number2); d.FeesPaid != due2 || d.Status != request.StatusInReview {
			t.Errorf("request after concurrent callbacks: %s %d", d.Status, d.FeesPaid)
		}
		if n := w.count(`SELECT COUNT(*) FROM receipts WHERE payment_id = ?`, pm2.ID); n != 1 {
			t.Errorf("%d receipts after concurrent callbacks", n)
		}
	})
}

func TestAmountMismatchIsHeldForReview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		pm := w.mustStart(w.clerk, number, payment.MethodGateway)
		if o, err := w.callback(pm.ID, "short", payment.CallbackPaid, due-100); err != nil || o != payment.OutcomeHeld {
			t.Fatalf("short payment: %s %v", o, err)
		}
		got := w.payment(pm.ID)
		if got.Status != payment.StatusHeld || got.HoldReason != payment.HoldAmount || got.ReceivedPiasters != due-100 || got.ReceiptNumber != nil {
			t.Fatalf("held: %+v", got)
		}
		if d := w.request(number); d.FeesPaid != 0 || d.Status != request.StatusAwaitingPayment {
			t.Fatalf("a held payment booked nothing: %s %d", d.Status, d.FeesPaid)
		}
		resolve := func(p *markaz.Principal, id, action string) (*payment.Payment, error) {
			var out *payment.Payment
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.ResolveHeld(p, id, action, "checked with the gateway")
				return err
			})
			return out, err
		}
		if _, err := resolve(w.clerk, pm.ID, "book"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a clerk resolves: %v", err)
		}
		if _, err := resolve(finance("fin01", "01"), pm.ID, "book"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a Cairo finance officer resolves: %v", err)
		}
		// Booked by the finance officer: the short amount counts; the request still owes.
		out, err := resolve(w.fin, pm.ID, "book")
		if err != nil || out.Status != payment.StatusPaid || out.ReceiptNumber == nil {
			t.Fatalf("book: %+v %v", out, err)
		}
		if d := w.request(number); d.FeesPaid != due-100 || d.Status != request.StatusAwaitingPayment {
			t.Fatalf("after booking a short payment: %s %d", d.Status, d.FeesPaid)
		}
		if _, err := resolve(w.fin, pm.ID, "book"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("resolved twice: %v", err)
		}
		// The rest, paid in cash, completes it.
		rest := w.mustStart(w.clerk, number, payment.MethodCash)
		if rest.AmountPiasters != 100 {
			t.Errorf("the rest owed: %d", rest.AmountPiasters)
		}
		if d := w.request(number); d.FeesPaid != due || d.Status != request.StatusInReview {
			t.Errorf("after the rest: %s %d", d.Status, d.FeesPaid)
		}
		// Money for a request cancelled meanwhile is held, and sent back on resolution.
		n2, due2 := w.awaiting("01001234570")
		pm2 := w.mustStart(w.clerk, n2, payment.MethodGateway)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ActOnRequest(w.back, n2, request.ActionCancel, "withdrawn", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if o, _ := w.callback(pm2.ID, "late", payment.CallbackPaid, due2); o != payment.OutcomeHeld {
			t.Fatalf("paid for a cancelled request: %s", o)
		}
		if _, err := resolve(w.fin, pm2.ID, "book"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("booking for a cancelled request: %v", err)
		}
		// Held money partly sent back cannot be booked afterwards.
		n3, due3 := w.awaiting("01001234571")
		pm3 := w.mustStart(w.clerk, n3, payment.MethodGateway)
		if o, _ := w.callback(pm3.ID, "over3", payment.CallbackPaid, due3+300); o != payment.OutcomeHeld {
			t.Fatalf("over-payment: %s", o)
		}
		var part *store.Refund
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			part, err = tx.RequestRefund(w.clerk, pm3.ID, payment.RefundInput{AmountPiasters: 300, Method: "gateway", Reason: "excess"})
			if err == nil {
				_, err = tx.DecideRefund(w.fin, part.ID, true, "ok")
			}
			if err == nil {
				err = tx.RefundSent(part.ID, "R-3")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := resolve(w.fin, pm3.ID, "book"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("booking held money partly refunded: %v", err)
		}
		if _, err := resolve(w.fin, pm2.ID, "refund"); err != nil {
			t.Fatal(err)
		}
		var refunds []store.Refund
		db.Read(ctx, func(tx *store.Tx) (err error) { refunds, err = tx.PaymentRefunds(pm2.ID); return err })
		if len(refunds) != 1 || refunds[0].Status != payment.RefundApproved || refunds[0].AmountPiasters != due2 ||
			refunds[0].Method != "gateway" {
			t.Fatalf("refund of held money: %+v", refunds)
		}
		if n := w.count(`SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedup_key = ?`, store.JobRefund, "refund:"+refunds[0].ID); n != 1 {
			t.Errorf("the gateway refund is not queued")
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RefundSent(refunds[0].ID, "R-1") }); err != nil {
			t.Fatal(err)
		}
		if got := w.payment(pm2.ID); got.Status != payment.StatusRefunded || got.RefundedPiasters != due2 {
			t.Errorf("held payment after its refund: %+v", got)
		}
		if d := w.request(n2); d.FeesPaid != 0 {
			t.Errorf("a refund of money never booked changed fees paid: %d", d.FeesPaid)
		}
	})
}

func TestReferenceCodesExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		pm := w.mustStart(w.clerk, number, payment.MethodReference)
		if pm.ExpiresAt == nil || !pm.ExpiresAt.Equal(clock.Now().Add(48*time.Hour)) {
			t.Fatalf("expiry: %v", pm.ExpiresAt)
		}
		if n := w.count(`SELECT COUNT(*) FROM jobs WHERE kind = ? AND payload = ?`, store.JobPaymentExpire, []byte(pm.ID)); n != 1 {
			t.Fatalf("expiry job: %d", n)
		}
		expire := func() {
			if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExpirePayment(pm.ID) }); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(47 * time.Hour)
		expire()
		if got := w.payment(pm.ID); got.Status != payment.StatusPending {
			t.Fatalf("expired early: %s", got.Status)
		}
		clock.Advance(time.Hour)
		expire()
		expire() // a second run changes nothing
		if got := w.payment(pm.ID); got.Status != payment.StatusExpired {
			t.Fatalf("not expired after 48 hours: %s", got.Status)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'payment.expire'`); n != 1 {
			t.Errorf("%d expiry audits", n)
		}
		// Paid at the outlet after all (the gateway says so): the money is there and the
		// request still awaits it, so it is booked.
		if o, _ := w.callback(pm.ID, "outlet", payment.CallbackPaid, due); o != payment.OutcomeBooked {
			t.Errorf("paid after expiry: %s", o)
		}
		// A paid payment never expires.
		n2, _ := w.awaiting("01001234571")
		pm2 := w.mustStart(w.clerk, n2, payment.MethodCash)
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.ExpirePayment(pm2.ID) }); err != nil {
			t.Fatal(err)
		}
		if got := w.payment(pm2.ID); got.Status != payment.StatusPaid {
			t.Errorf("a cash payment expired: %s", got.Status)
		}
	})
}

func TestRefundsStayWithinWhatWasPaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		pm := w.mustStart(w.clerk, number, payment.MethodGateway)
		if o, _ := w.callback(pm.ID, "paid", payment.CallbackPaid, due); o != payment.OutcomeBooked {
			t.Fatal(o)
		}
		ask := func(p *markaz.Principal, amount int64, method string) (*store.Refund, error) {
			var out *store.Refund
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.RequestRefund(p, pm.ID, payment.RefundInput{AmountPiasters: amount, Method: method, Reason: "rejected"})
				return err
			})
			return out, err
		}
		decide := func(p *markaz.Principal, id string, approve bool) (*store.Refund, error) {
			var out *store.Refund
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.DecideRefund(p, id, approve, "ok")
				return err
			})
			return out, err
		}
		first, err := ask(w.clerk, due/2, "gateway")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ask(w.clerk, due-due/2+1, "gateway"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("more than is left: %v", err)
		}
		second, err := ask(w.fin, due-due/2, "cash")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ask(w.clerk, 1, "cash"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a refund beyond the total: %v", err)
		}
		// The one who asked does not decide; a clerk never decides.
		if _, err := decide(w.fin, second.ID, true); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("deciding one's own refund: %v", err)
		}
		if _, err := decide(w.clerk, first.ID, true); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a clerk decides: %v", err)
		}
		if r, err := decide(w.fin, first.ID, true); err != nil || r.Status != payment.RefundApproved {
			t.Fatalf("approve: %+v %v", r, err)
		}
		if _, err := decide(w.fin2, first.ID, false); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("decided twice: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RefundSent(first.ID, "SIMR-1") }); err != nil {
			t.Fatal(err)
		}
		if got := w.payment(pm.ID); got.Status != payment.StatusPartlyRefunded || got.RefundedPiasters != due/2 {
			t.Errorf("after a partial refund: %+v", got)
		}
		if d := w.request(number); d.FeesPaid != due-due/2 {
			t.Errorf("fees paid after a partial refund: %d", d.FeesPaid)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RefundSent(first.ID, "SIMR-1") }); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("executed twice: %v", err)
		}
		// A rejected refund frees its amount again; the cash one is paid out at the counter.
		if _, err := decide(w.fin2, second.ID, true); err != nil {
			t.Fatal(err)
		}
		var paid *store.Refund
		if err := db.Write(ctx, func(tx *store.Tx) (err error) { paid, err = tx.PayOutRefund(w.clerk, second.ID); return err }); err != nil {
			t.Fatal(err)
		}
		if got := w.payment(pm.ID); got.Status != payment.StatusRefunded || got.RefundedPiasters != due {
			t.Errorf("after the whole refund: %+v (%+v)", got, paid)
		}
		if d := w.request(number); d.FeesPaid != 0 {
			t.Errorf("fees paid after refunding all: %d", d.FeesPaid)
		}
		if n := w.count(`SELECT COUNT(*) FROM refunds WHERE till_id IS NOT NULL`); n != 1 {
			t.Errorf("the cash refund left no mark in a till: %d", n)
		}
	})
}

func TestReceiptNumbersHaveNoGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		first, _ := w.awaiting("01001234567")
		second, _ := w.awaiting("01001234568")
		// A payment whose transaction rolls back gives its number back.
		boom := errors.New("rolled back")
		err := db.Write(ctx, func(tx *store.Tx) error {
			st, err := tx.StartPayment(w.clerk, first, payment.Start{Method: payment.MethodCash}, "", "")
			if err != nil {
				return err
			}
			if st.Payment.ReceiptNumber == nil || receiptSeq(t, *st.Payment.ReceiptNumber) != 1 {
				t.Errorf("inside the rolled-back transaction: %+v", st.Payment)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		pm := w.mustStart(w.clerk, second, payment.MethodCash)
		if receiptSeq(t, *pm.ReceiptNumber) != 1 {
			t.Fatalf("after a rollback the next receipt is %s", *pm.ReceiptNumber)
		}
		// Concurrent payments of one center get distinct, consecutive numbers.
		var numbers []string
		for i := 0; i < 10; i++ {
			n, _ := w.awaiting(fmt.Sprintf("010012346%02d", i))
			numbers = append(numbers, n)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var seqs []int64
		for i, n := range numbers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				clerk := w.clerk
				if i%2 == 1 {
					clerk = w.clerk2
				}
				st, err := w.start(clerk, n, payment.MethodCash, "")
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("concurrent cash payment: %v", err)
					return
				}
				seqs = append(seqs, receiptSeq(t, *st.Payment.ReceiptNumber))
			}()
		}
		wg.Wait()
		slices.Sort(seqs)
		for i, s := range seqs {
			if s != int64(i+2) {
				t.Fatalf("concurrent receipt numbers: %v", seqs)
			}
		}
		// A new fiscal year (1 July) starts a new series at 1.
		clock.T = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
		n, _ := w.awaiting("01001234599")
		next := w.mustStart(w.clerk, n, payment.MethodCash)
		if !slices.Contains([]string{"2026"}, (*next.ReceiptNumber)[5:9]) || receiptSeq(t, *next.ReceiptNumber) != 1 {
			t.Errorf("first receipt of fiscal year 2026: %s", *next.ReceiptNumber)
		}
	})
}

func TestVoidKeepsTheNumberAndCancelsTheCash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, due := w.awaiting("01001234567")
		pm := w.mustStart(w.clerk, number, payment.MethodCash)
		void := func(p *markaz.Principal, n, reason string) (*payment.Receipt, error) {
			var out *payment.Receipt
			err := db.Write(ctx, func(tx *store.Tx) (err error) { out, err = tx.VoidReceipt(p, n, reason); return err })
			return out, err
		}
		if _, err := void(w.clerk, *pm.ReceiptNumber, "typo"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a clerk voids: %v", err)
		}
		if _, err := void(w.mgr, *pm.ReceiptNumber, " "); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a void without a reason: %v", err)
		}
		r, err := void(w.mgr, *pm.ReceiptNumber, "recorded on the wrong request")
		if err != nil || r.VoidedAt == nil || r.Number != *pm.ReceiptNumber || r.VoidReason == "" {
			t.Fatalf("void: %+v %v", r, err)
		}
		if _, err := void(w.mgr, *pm.ReceiptNumber, "again"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("voided twice: %v", err)
		}
		if got := w.payment(pm.ID); got.Status != payment.StatusVoided {
			t.Errorf("payment after void: %s", got.Status)
		}
		if d := w.request(number); d.FeesPaid != 0 {
			t.Errorf("fees paid after void: %d (due %d)", d.FeesPaid, due)
		}
		var v *payment.Verification
		db.Read(ctx, func(tx *store.Tx) (err error) { v, err = tx.VerifyReceipt(*pm.ReceiptNumber); return err })
		if v == nil || !v.Void || v.AmountPiasters != due {
			t.Errorf("verification of a void receipt: %+v", v)
		}
		var till *payment.Till
		db.Read(ctx, func(tx *store.Tx) (err error) { till, err = tx.Till(w.clerk, *pm.TillID); return err })
		if till.RecordedPiasters != 0 {
			t.Errorf("the till still records voided cash: %d", till.RecordedPiasters)
		}
		// The next receipt takes the next number: the void one keeps its own.
		n2, _ := w.awaiting("01001234568")
		pm2 := w.mustStart(w.clerk, n2, payment.MethodCash)
		if receiptSeq(t, *pm2.ReceiptNumber) != 2 {
			t.Errorf("after a void: %s", *pm2.ReceiptNumber)
		}
		// Electronic receipts are returned by refunds; counted cash too.
		n3, due3 := w.awaiting("01001234569")
		pm3 := w.mustStart(w.clerk, n3, payment.MethodGateway)
		w.callback(pm3.ID, "p3", payment.CallbackPaid, due3)
		if _, err := void(w.mgr, *w.payment(pm3.ID).ReceiptNumber, "x"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("void of an electronic receipt: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CloseTill(w.clerk, *pm2.TillID, payment.Closing{CountedPiasters: pm2.AmountPiasters})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := void(w.mgr, *pm2.ReceiptNumber, "x"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("void after the till closed: %v", err)
		}
	})
}

func TestTillClosingAndSignOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		var total int64
		var till string
		for i := 0; i < 2; i++ {
			n, due := w.awaiting(fmt.Sprintf("0100123456%d", i))
			pm := w.mustStart(w.clerk, n, payment.MethodCash)
			total += due
			till = *pm.TillID
		}
		closeTill := func(p *markaz.Principal, counted int64, why string) (*payment.Till, error) {
			var out *payment.Till
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.CloseTill(p, till, payment.Closing{CountedPiasters: counted, Explanation: why})
				return err
			})
			return out, err
		}
		if _, err := closeTill(w.clerk2, total, ""); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("another clerk closes the till: %v", err)
		}
		if _, err := closeTill(w.clerk, total-500, ""); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a short count without explanation: %v", err)
		}
		got, err := closeTill(w.clerk, total-500, "change given twice")
		if err != nil || got.Status != payment.TillClosed || got.RecordedPiasters != total || got.DifferencePiasters != -500 {
			t.Fatalf("close: %+v %v", got, err)
		}
		if _, err := closeTill(w.clerk, total, ""); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("closed twice: %v", err)
		}
		// Cash after closing opens the clerk's second till of the day.
		n, _ := w.awaiting("01001234599")
		pm := w.mustStart(w.clerk, n, payment.MethodCash)
		if *pm.TillID == till {
			t.Fatal("cash went into a closed till")
		}
		var tills []payment.Till
		db.Read(ctx, func(tx *store.Tx) (err error) {
			tills, err = tx.Tills(store.TillFilter{ClerkID: w.clerk.UserID})
			return err
		})
		if len(tills) != 2 || tills[0].Seq+tills[1].Seq != 3 {
			t.Errorf("tills of the day: %+v", tills)
		}
		sign := func(p *markaz.Principal, note string) error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.SignOffTill(p, till, note); return err })
		}
		if err := sign(w.clerk, "mine"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("the clerk signs off: %v", err)
		}
		if err := sign(w.mgr, ""); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a difference signed off without a note: %v", err)
		}
		if err := sign(w.mgr, "deducted from the clerk"); err != nil {
			t.Fatal(err)
		}
		if err := sign(w.mgr, "again"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("signed off twice: %v", err)
		}
		if n := w.count(`SELECT COUNT(*) FROM audit_log WHERE action IN ('till.close', 'till.sign_off')`); n != 2 {
			t.Errorf("%d till audits", n)
		}
	})
}

func TestReconciliationListsMismatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		day := markaz.DateOf(clock.Now())
		var ids []string
		var dues []int64
		for i := 0; i < 3; i++ {
			n, due := w.awaiting(fmt.Sprintf("0100123456%d", i))
			pm := w.mustStart(w.clerk, n, payment.MethodGateway)
			if o, _ := w.callback(pm.ID, fmt.Sprintf("ev%d", i), payment.CallbackPaid, due); o != payment.OutcomeBooked {
				t.Fatal(o)
			}
			ids, dues = append(ids, pm.ID), append(dues, due)
		}
		at := clock.Now()
		statement := []payment.StatementRow{
			{GatewayReference: "GW-ev0", PaymentID: ids[0], AmountPiasters: dues[0], Status: "paid", SettledAt: at},
			{GatewayReference: "GW-ev1", PaymentID: ids[1], AmountPiasters: dues[1] + 1, Status: "paid", SettledAt: at},
			{GatewayReference: "GW-extra", PaymentID: ids[0], AmountPiasters: dues[0], Status: "paid", SettledAt: at},
		}
		rec, err := db.ReconcileDay(ctx, store.Actor{}, payment.GatewaySimulated, day, statement)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Matched != 1 || rec.Mismatches != 3 || rec.StatementRows != 3 || rec.BookedRows != 3 {
			t.Fatalf("reconciliation: %+v", rec)
		}
		if _, err := db.ReconcileDay(ctx, store.Actor{}, payment.GatewaySimulated, day, statement); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("the same day twice: %v", err)
		}
		var items []store.ReconItem
		db.Read(ctx, func(tx *store.Tx) (err error) {
			_, items, err = tx.ReconciliationByID(w.fin.Scope(markaz.PermFinanceManage), rec.ID)
			return err
		})
		kinds := map[string]store.ReconItem{}
		for _, it := range items {
			kinds[it.Kind] = it
		}
		if len(items) != 3 || kinds[payment.AmountDiffers].PaymentID != ids[1] || kinds[payment.MissingInStatement].PaymentID != ids[2] ||
			kinds[payment.MissingInMarkaz].GatewayReference != "GW-extra" || kinds[payment.MissingInMarkaz].CenterID != w.c.ID {
			t.Fatalf("items: %+v", items)
		}
		// A Cairo finance officer sees none of them.
		db.Read(ctx, func(tx *store.Tx) (err error) {
			_, items, err = tx.ReconciliationByID(finance("f01", "01").Scope(markaz.PermFinanceManage), rec.ID)
			return err
		})
		if len(items) != 0 {
			t.Errorf("Cairo sees Sharqia's mismatches: %d", len(items))
		}
		resolve := func(p *markaz.Principal, note string) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ResolveReconItem(p, kinds[payment.AmountDiffers].ID, note)
				return err
			})
		}
		if err := resolve(w.fin, ""); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("resolved without a note: %v", err)
		}
		if err := resolve(finance("f01", "01"), "x"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("resolved from Cairo: %v", err)
		}
		if err := resolve(w.fin, "the gateway charged its fee on top"); err != nil {
			t.Fatal(err)
		}
		if err := resolve(w.fin, "again"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("resolved twice: %v", err)
		}
		var recs []store.Reconciliation
		db.Read(ctx, func(tx *store.Tx) (err error) { recs, err = tx.Reconciliations(10); return err })
		if len(recs) != 1 || recs[0].Open != 2 {
			t.Errorf("open mismatches: %+v", recs)
		}
	})
}

func TestCollectionsByCenterAndGovernorate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		var cash, elec int64
		for i := 0; i < 3; i++ {
			n, due := w.awaiting(fmt.Sprintf("0100123456%d", i))
			if i == 0 {
				w.mustStart(w.clerk, n, payment.MethodCash)
				cash += due
				continue
			}
			pm := w.mustStart(w.clerk, n, payment.MethodGateway)
			w.callback(pm.ID, fmt.Sprintf("e%d", i), payment.CallbackPaid, due)
			elec += due
		}
		// A held payment is not collected.
		n, due := w.awaiting("01001234599")
		pm := w.mustStart(w.clerk, n, payment.MethodGateway)
		w.callback(pm.ID, "short", payment.CallbackPaid, due-1)
		today := markaz.DateOf(clock.Now())
		sup := &markaz.Principal{UserID: "s", Username: "s", Assignments: []markaz.Assignment{{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, GovCode: "13"}}}
		for _, by := range []string{"center", "governorate"} {
			rows, total, err := db.Collections(ctx, store.CollectionFilter{Scope: sup.Scope(markaz.PermPaymentsRead), From: today, To: today, By: by})
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || total.CashPiasters != cash || total.ElectronicPiasters != elec || total.CashCount != 1 ||
				total.ElectronicCount != 2 || rows[0].GovCode != "13" {
				t.Fatalf("by %s: %+v total %+v", by, rows, total)
			}
			if want := payment.ElectronicShare(cash, elec); rows[0].ElectronicShare() != want || want <= 500 {
				t.Errorf("electronic share %d, want %d", rows[0].ElectronicShare(), want)
			}
		}
		cairoSup := &markaz.Principal{UserID: "c", Username: "c", Assignments: []markaz.Assignment{{Role: markaz.RoleSupervisor, Level: markaz.LevelGovernorate, GovCode: "01"}}}
		rows, _, err := db.Collections(ctx, store.CollectionFilter{Scope: cairoSup.Scope(markaz.PermPaymentsRead), From: today, To: today})
		if err != nil || len(rows) != 0 {
			t.Errorf("Cairo sees Sharqia's collections: %v %v", rows, err)
		}
		if _, _, err := db.Collections(ctx, store.CollectionFilter{Scope: cairoSup.Scope(markaz.PermPaymentsRead), From: today, To: today, Gov: "13"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo filters on Sharqia: %v", err)
		}
		yesterday := today.AddDays(-1)
		if rows, _, _ := db.Collections(ctx, store.CollectionFilter{Scope: markaz.Scope{All: true}, From: yesterday, To: yesterday}); len(rows) != 0 {
			t.Errorf("collections of a day without payments: %+v", rows)
		}
	})
}

func TestCitizenOwnsByNationalIDAndMobile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newPayWorld(t, db, clock)
		number, _ := w.awaiting("01001234567")
		var nid string // the request's applicant: a citizen owns it by national ID and mobile
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&nid, `SELECT national_id FROM requests WHERE tracking_number = ?`, number)
		})
		mk := func(name, mobile, nid string) *markaz.Principal {
			u := &markaz.User{Username: name, FullName: name, Mobile: mobile, PasswordHash: "x"}
			if err := u.Validate(); err != nil {
				t.Fatal(err)
			}
			u.Assignments = []markaz.Assignment{{Role: markaz.RoleCitizen, Level: markaz.LevelNation, StartsOn: markaz.Date{Y: 2020, M: 1, D: 1}}}
			if err := db.Write(ctx, func(tx *store.Tx) error {
				if err := tx.InsertUser(store.Actor{}, u); err != nil {
					return err
				}
				_, err := tx.Exec(`UPDATE users SET national_id = ? WHERE id = ?`, nid, u.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return &markaz.Principal{UserID: u.ID, Username: name, Assignments: u.Assignments}
		}
		owner, stranger := mk("owner", "+20 100 123 4567", nid), mk("stranger", "01111111111", "29001011399992")
		if _, err := w.start(owner, number, payment.MethodCash, ""); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("a citizen pays cash through the API: %v", err)
		}
		if _, err := w.start(stranger, number, payment.MethodGateway, ""); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("a stranger starts a payment: %v", err)
		}
		st, err := w.start(owner, number, payment.MethodGateway, "k")
		if err != nil || st.Payment.Status != payment.StatusPending {
			t.Fatalf("the owner starts a payment: %+v %v", st, err)
		}
		if _, err := w.start(stranger, number, payment.MethodGateway, "k"); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("a stranger with the owner's key: %v", err)
		}
	})
}
