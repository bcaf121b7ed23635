package demo

// Demo payments: at the demo center, a day of fees collected yesterday — cash at the
// counter into the demo clerk's till (closed with a small difference and signed off by
// the demo manager), card payments and a reference code through the simulated gateway
// (one card charged twice, so that last night's reconciliation has one mismatch), one
// payment held for review and one refund waiting for the finance officer — and, today,
// requests awaiting payment: one of them the demo citizen's (whose account holds the
// applicant's mobile number, the ownership link), one with a reference code to pay at
// the simulated outlet. Everything goes through the store's own payment functions, so
// receipts, tills, audit entries and the gateway's statement are what the application
// would have written.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"markaz"
	"markaz/nationalid"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
)

// CitizenMobile is the demo citizen's mobile number: requests made for it are theirs.
const CitizenMobile = "01550000001"

// demoFeeServices are the services demo payments are for (all carry fees).
var demoFeeServices = []string{"SHOP-LIC", "SITE-VALID", "BLD-PERMIT", "SHOP-CHANGE"}

// payDemo holds the demo staff while the payments are made.
type payDemo struct {
	tx                    *store.Tx
	clerk, back, mgr, fin *markaz.Principal
	citizen               *markaz.User
	services              []string
	n                     int
	charge, sessions      int
	until                 time.Time
}

// AddPayments adds the demo payments to a database demo mode created, once (a second
// call finds them there and does nothing), in one transaction.
func AddPayments(ctx context.Context, db *store.DB) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		var flags []string
		if err := tx.Select(&flags, `SELECT key FROM meta WHERE key IN ('demo', 'demo_payments')`); err != nil {
			return err
		}
		switch {
		case !slices.Contains(flags, "demo"):
			return fmt.Errorf("demo payments go only into a database demo mode created (%w)", ErrNotDemo)
		case slices.Contains(flags, "demo_payments"):
			return nil
		}
		if err := addPayments(tx); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO meta (key, value) VALUES ('demo_payments', 'loaded')`)
		return err
	})
}

func addPayments(tx *store.Tx) error {
	d := &payDemo{tx: tx}
	for _, x := range []struct {
		name string
		p    **markaz.Principal
	}{{"clerk", &d.clerk}, {"backoffice", &d.back}, {"manager", &d.mgr}, {"finance", &d.fin}} {
		u, err := tx.GetUserByName(x.name)
		if err != nil {
			return fmt.Errorf("demo payments: user %s: %w", x.name, err)
		}
		*x.p = tx.Principal(u)
	}
	var err error
	if d.citizen, err = tx.GetUserByName("citizen"); err != nil {
		return fmt.Errorf("demo payments: user citizen: %w", err)
	}
	if err := tx.SetCitizenMobile(store.Actor{}, d.citizen.ID, CitizenMobile); err != nil {
		return err
	}
	center := d.clerk.Assignments[0].CenterID
	c, err := tx.GetCenter(center)
	if err != nil {
		return err
	}
	for _, code := range demoFeeServices {
		if f, err := tx.FeesOn(code, c.GovCode, tx.Today()); err == nil && f.TotalPiasters > 0 {
			d.services = append(d.services, code)
		}
	}
	if len(d.services) == 0 {
		return fmt.Errorf("demo payments: no service with fees in governorate %s", c.GovCode)
	}
	cal, err := tx.CalendarFor(c.GovCode, c.ID)
	if err != nil {
		return err
	}
	now := tx.Now
	defer func() { tx.Now = now }()
	today := tx.Today()
	day := today.AddDays(-1) // the last working day before today
	for !cal.IsWorkingDay(day) {
		day = day.AddDays(-1)
	}
	tx.Now = day.Start().Add(9 * time.Hour)
	if err := d.collect(); err != nil {
		return err
	}
	// The nightly reconciliation of that day (at 02:30 the next morning, or now if sooner).
	tx.Now = day.AddDays(1).Start().Add(2*time.Hour + 30*time.Minute)
	if tx.Now.After(now) {
		tx.Now = now
	}
	rows, err := tx.SimStatement(day)
	if err != nil {
		return err
	}
	if _, err := tx.Reconcile(store.Actor{}, payment.GatewaySimulated, day, rows); err != nil {
		return err
	}
	// Today's requests came in over the last three hours (of today), up to now.
	tx.Now, d.until = now.Add(-3*time.Hour), now
	if tx.Now.Before(today.Start()) {
		tx.Now = today.Start()
	}
	return d.today()
}

// step moves the demo clock on by some minutes, never past d.until when it is set.
func (d *payDemo) step(min int) {
	d.tx.Now = d.tx.Now.Add(time.Duration(min) * time.Minute)
	if !d.until.IsZero() && d.tx.Now.After(d.until) {
		d.tx.Now = d.until
	}
}

// awaiting registers a request for a citizen and takes it to awaiting payment.
func (d *payDemo) awaiting(name, mobile string) (string, error) {
	d.n++
	nid := demoNID(d.n)
	if mobile == CitizenMobile { // the demo citizen's own request
		nid = demoCitizenNationalID
	}
	reg := &request.Registration{ServiceCode: d.services[d.n%len(d.services)], Channel: request.ChannelCounter,
		Applicant: request.Applicant{NationalID: nid, Name: name, Mobile: mobile}, Documents: []string{"صورة بطاقة الرقم القومي"}}
	ws, err := reg.Validate(d.tx.Today())
	if err != nil {
		return "", err
	}
	got, err := d.tx.RegisterRequest(d.clerk, reg, "", ws)
	if err != nil {
		return "", err
	}
	number := got.Detail.TrackingNumber
	d.step(3)
	if _, err := d.tx.ActOnRequest(d.clerk, number, request.ActionForward, "", nil); err != nil {
		return "", err
	}
	d.step(20)
	if _, err := d.tx.ActOnRequest(d.back, number, request.ActionRequestPayment, "", nil); err != nil {
		return "", err
	}
	d.step(7)
	return number, nil
}

// demoNID is a valid-looking national ID (born 1 January 1985 in Sharqia), distinct per n.
func demoNID(n int) string {
	first := fmt.Sprintf("2850101130%03d", n%1000)
	c, _ := nationalid.CheckDigit(first)
	return first + string(c)
}

// start begins a payment of a request by the clerk.
func (d *payDemo) start(number, method string) (*payment.Payment, error) {
	st, err := d.tx.StartPayment(d.clerk, number, payment.Start{Method: method}, "", payment.GatewaySimulated)
	if err != nil {
		return nil, err
	}
	return st.Payment, nil
}

// checkout opens the simulated gateway's checkout of an electronic payment.
func (d *payDemo) checkout(pm *payment.Payment) (*store.SimSession, error) {
	d.sessions++
	s := store.SimSession{Token: fmt.Sprintf("demo%028d", d.sessions), PaymentID: pm.ID, Method: pm.Method,
		AmountPiasters: pm.AmountPiasters, CallbackURL: "/api/v1/payments/callback/" + payment.GatewaySimulated,
		ReturnURL: "/payments/" + pm.ID}
	started := payment.Started{RedirectURL: "/simgw/pay/" + s.Token}
	if pm.Method == payment.MethodReference {
		code := fmt.Sprintf("9%08d", d.sessions)
		s.ReferenceCode, started = &code, payment.Started{ReferenceCode: code}
	}
	sess, err := d.tx.SimCreateSession(s)
	if err != nil {
		return nil, err
	}
	_, err = d.tx.SetStarted(pm.ID, started)
	return sess, err
}

// pay has the simulated gateway charge amount on a checkout and Markaz receive its
// callback, as if delivered.
func (d *payDemo) pay(sess *store.SimSession, amount int64) error {
	d.charge++
	c := store.SimCharge{ID: markaz.NewID(), Token: sess.Token, GatewayReference: fmt.Sprintf("SIM-DEMO-%04d", d.charge),
		EventID: fmt.Sprintf("evt-demo-%04d", d.charge), Status: payment.CallbackPaid, AmountPiasters: amount,
		CallbackDueAt: d.tx.Now}
	if err := d.tx.SimCharge(c); err != nil {
		return err
	}
	if err := d.tx.SimCallbackSent(c.ID, ""); err != nil {
		return err
	}
	_, err := d.tx.BookCallback(payment.GatewaySimulated, &payment.Callback{EventID: c.EventID, PaymentID: sess.PaymentID,
		AmountPiasters: amount, Status: payment.CallbackPaid, GatewayReference: c.GatewayReference, Timestamp: d.tx.Now})
	return err
}

// collect is a full day of collection at the demo center.
func (d *payDemo) collect() error {
	names := []string{"أحمد محمود السيد", "منى عبدالعزيز", "خالد حسن النجار", "سارة علي منصور", "عمرو فتحي زكي",
		"هبة سامح الجمال", "يوسف طارق البنا", "دعاء رضا عثمان", "كريم جمال فرج"}
	var numbers []string
	for i, name := range names {
		n, err := d.awaiting(name, fmt.Sprintf("01012%06d", 300+i))
		if err != nil {
			return err
		}
		numbers = append(numbers, n)
	}
	var till string
	for _, n := range numbers[:3] { // cash at the counter
		pm, err := d.start(n, payment.MethodCash)
		if err != nil {
			return err
		}
		till = *pm.TillID
		d.step(11)
	}
	var card []*payment.Payment
	for i, n := range numbers[3:7] { // cards; the last one is charged twice
		pm, err := d.start(n, payment.MethodGateway)
		if err != nil {
			return err
		}
		sess, err := d.checkout(pm)
		if err != nil {
			return err
		}
		if err := d.pay(sess, pm.AmountPiasters); err != nil {
			return err
		}
		if i == 3 {
			d.step(1)
			if err := d.pay(sess, pm.AmountPiasters); err != nil {
				return err
			}
		}
		card = append(card, pm)
		d.step(17)
	}
	ref, err := d.start(numbers[7], payment.MethodReference) // paid at an outlet
	if err != nil {
		return err
	}
	sess, err := d.checkout(ref)
	if err != nil {
		return err
	}
	d.step(95)
	if err := d.pay(sess, ref.AmountPiasters); err != nil {
		return err
	}
	held, err := d.start(numbers[8], payment.MethodGateway) // paid short: held for review
	if err != nil {
		return err
	}
	if sess, err = d.checkout(held); err != nil {
		return err
	}
	if err := d.pay(sess, held.AmountPiasters-5_000); err != nil {
		return err
	}
	d.step(30)
	if _, err := d.tx.RequestRefund(d.clerk, card[0].ID, payment.RefundInput{AmountPiasters: card[0].AmountPiasters / 2,
		Method: "gateway", Reason: "الخدمة قُدمت جزئيًا؛ يُرد نصف الرسم"}); err != nil {
		return err
	}
	d.tx.Now = d.tx.Today().Start().Add(16 * time.Hour) // end of the day: the till
	t, err := d.tx.Till(d.clerk, till)
	if err != nil {
		return err
	}
	if _, err := d.tx.CloseTill(d.clerk, till, payment.Closing{CountedPiasters: t.RecordedPiasters - 200,
		Explanation: "فكة ناقصة جنيهان"}); err != nil {
		return err
	}
	d.step(30)
	_, err = d.tx.SignOffTill(d.mgr, till, "خُصم الفرق من عهدة الموظف")
	return err
}

// today leaves requests awaiting payment: the demo citizen's, others, and one with a
// reference code waiting to be paid at the outlet.
func (d *payDemo) today() error {
	if _, err := d.awaiting(d.citizen.FullName, CitizenMobile); err != nil {
		return err
	}
	for i, name := range []string{"محمود سيد الشافعي", "إيمان حسين رمضان"} {
		if _, err := d.awaiting(name, fmt.Sprintf("01012%06d", 400+i)); err != nil {
			return err
		}
	}
	n, err := d.awaiting("رحاب عادل سليمان", "01012000402")
	if err != nil {
		return err
	}
	pm, err := d.start(n, payment.MethodReference)
	if err != nil {
		return err
	}
	_, err = d.checkout(pm)
	return err
}
