package web

// Payments as pages: a request's fees and payments (record cash, pay by card, get a
// reference code), a payment (where the gateway sends the citizen back; refunds and the
// finance officer's decisions), receipts (printable, PDF, QR of the public check), the
// public receipt check, the clerks' tills, the finance officer's desk and reconciliations,
// and the collection report. Every change goes through the same store calls as the API.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"markaz"
	"markaz/catalog"
	"markaz/i18n"
	"markaz/payment"
	"markaz/request"
	"markaz/store"
)

func init() {
	// money formats piasters as pounds in the page's digits: "١٥٠٫٠٠ ج.م".
	templateFuncs["money"] = func(v View, p int64) string {
		return i18n.Digits(payment.Pounds(p), v.Digits) + " " + i18n.T(v.Lang, "catalog.egp", nil)
	}
	// owed is what a request still owes.
	templateFuncs["owed"] = func(r request.Request) int64 { return max(r.FeesDue-r.FeesPaid, 0) }
	// permille formats tenths of a percent: 453 → "45.3%".
	templateFuncs["permille"] = func(v View, n int) string {
		return i18n.Digits(fmt.Sprintf("%d.%d%%", n/10, n%10), v.Digits)
	}
}

// pageMessage is what a page shows after a refused change: field messages or one alert.
type pageMessage struct {
	Errors map[string]string
	Alert  string
	F      url.Values
}

// Err is the field messages (nil on a nil message), for templates.
func (m *pageMessage) Err() map[string]string {
	if m == nil {
		return nil
	}
	return m.Errors
}

// Val is a value the user had typed (empty on a nil message), for templates.
func (m *pageMessage) Val(k string) string {
	if m == nil {
		return ""
	}
	return m.F.Get(k)
}

// refusal turns an error a user can fix into a message on the page; other errors go to
// the error page.
func refusal(r *http.Request, err error, f url.Values) (*pageMessage, bool) {
	ri := info(r)
	e := asError(err)
	switch e.Code {
	case markaz.EInvalid:
		return &pageMessage{Errors: fieldMessages(ri.lang, err), F: f}, true
	case markaz.EConflict, markaz.EUnavailable:
		return &pageMessage{Alert: message(ri.lang, ri.id, e), F: f}, true
	}
	return nil, false
}

// myFeesPage is what my_fees.html shows.
type myFeesPage struct {
	Rows []request.Request
}

// handleMyFees: GET /payments — a citizen's requests awaiting payment (those made for
// their account's mobile number), each linked to its payments page.
func (s *Server) handleMyFees(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	var data myFeesPage
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		data.Rows, err = tx.OwnedAwaitingPayment(p)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "my_fees", "payments.my_fees_title", data)
	return nil
}

// requestPaymentsPage is what payments.html shows.
type requestPaymentsPage struct {
	R          *store.PaymentRequest
	Service    *catalog.Service
	Center     *markaz.Center
	Payments   []payment.Payment
	Owed       int64
	Awaiting   bool
	Electronic bool // a gateway is configured
	IdemKey    string
	Msg        *pageMessage
}

func (s *Server) renderRequestPayments(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, msg *pageMessage) error {
	data := requestPaymentsPage{IdemKey: markaz.NewID(), Electronic: s.cfg.Gateways.Name() != "", Msg: msg}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.R, err = tx.RequestForPayments(p, r.PathValue("tracking_number")); err != nil {
			return err
		}
		if data.Service, err = tx.Service(data.R.ServiceCode); err != nil {
			return err
		}
		if data.Center, err = tx.GetCenter(data.R.CenterID); err != nil {
			return err
		}
		data.Payments, err = tx.RequestPayments(data.R.ID)
		return err
	})
	if err != nil {
		return err
	}
	data.Owed = max(data.R.FeesDue-data.R.FeesPaid, 0)
	data.Awaiting = data.R.Status == request.StatusAwaitingPayment && data.Owed > 0
	s.render(w, r, status, "payments", "payments.request_title", data)
	return nil
}

func (s *Server) handleRequestPayments(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	return s.renderRequestPayments(w, r, p, http.StatusOK, nil)
}

// handleStartPayment: the buttons of the payments page. Cash goes to its receipt, a card
// payment to the gateway's page, a reference code to the payment's page.
func (s *Server) handleStartPayment(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	key, err := idemKey("idem_key", r.PostForm.Get("idem_key"))
	var st *store.Started
	if err == nil {
		st, err = s.startPayment(r, p, r.PathValue("tracking_number"), payment.Start{Method: r.PostForm.Get("method")}, key)
	}
	if err != nil {
		if msg, ok := refusal(r, err, r.PostForm); ok {
			return s.renderRequestPayments(w, r, p, statusOf[markaz.ErrorCode(err)], msg)
		}
		return err
	}
	pm := st.Payment
	switch {
	case pm.ReceiptNumber != nil && pm.Method == payment.MethodCash:
		flash(w, "payments.cash_recorded")
		http.Redirect(w, r, "/receipts/"+*pm.ReceiptNumber, http.StatusSeeOther)
	case pm.RedirectURL != "" && pm.Status == payment.StatusPending:
		http.Redirect(w, r, pm.RedirectURL, http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/payments/"+pm.ID, http.StatusSeeOther)
	}
	return nil
}

// paymentPage is what payment.html shows.
type paymentPage struct {
	D          *paymentDetail
	Owner      bool
	CanRefund  bool // may ask for a refund
	Refundable int64
	Finance    bool // may decide on it (finance.manage over its center)
	Collect    bool // may pay cash refunds out
	Msg        *pageMessage
	Me         string
}

func (s *Server) renderPayment(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string, status int, msg *pageMessage) error {
	d, err := s.loadPayment(r.Context(), p, id)
	if err != nil {
		return err
	}
	data := paymentPage{D: d, Msg: msg, Me: p.Username, Finance: p.Allowed(markaz.PermFinanceManage, d.Ref()),
		Collect: p.Allowed(markaz.PermPaymentsCollect, d.Ref())}
	var committed int64
	for _, f := range d.Refunds {
		if f.Status != payment.RefundRejected {
			committed += f.AmountPiasters
		}
	}
	data.Refundable = d.ReceivedPiasters - committed
	data.CanRefund = (data.Finance || data.Collect) && d.Received() && data.Refundable > 0 && d.Status != payment.StatusVoided
	data.Owner = !data.Finance && !data.Collect && !p.Can(markaz.PermPaymentsRead)
	s.render(w, r, status, "payment", "payments.payment_title", data)
	return nil
}

func (s *Server) handlePayment(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	return s.renderPayment(w, r, p, r.PathValue("id"), http.StatusOK, nil)
}

// formAction runs one change from a form and goes back to back with a flash, or shows
// again with the refusal: the shape of every payments form.
func (s *Server) formAction(w http.ResponseWriter, r *http.Request, perm, done, back string,
	again func(p *markaz.Principal, status int, msg *pageMessage) error, do func(p *markaz.Principal, tx *store.Tx, f url.Values) error) error {
	p, err := need(r, perm)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	err = s.db.Write(r.Context(), func(tx *store.Tx) error { return do(p, tx, r.PostForm) })
	if err != nil {
		if msg, ok := refusal(r, err, r.PostForm); ok {
			return again(p, statusOf[markaz.ErrorCode(err)], msg)
		}
		return err
	}
	flash(w, done)
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

// paymentForm is formAction for the forms of a payment's page.
func (s *Server) paymentForm(w http.ResponseWriter, r *http.Request, perm, done string,
	do func(p *markaz.Principal, tx *store.Tx, f url.Values) error) error {
	id := r.PathValue("id")
	return s.formAction(w, r, perm, done, "/payments/"+id, func(p *markaz.Principal, status int, msg *pageMessage) error {
		return s.renderPayment(w, r, p, id, status, msg)
	}, do)
}

func (s *Server) handleResolvePayment(w http.ResponseWriter, r *http.Request) error {
	return s.paymentForm(w, r, markaz.PermFinanceManage, "payments.resolved", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		_, err := tx.ResolveHeld(p, r.PathValue("id"), f.Get("action"), f.Get("note"))
		return err
	})
}

// piastersField reads an amount in pounds ("150", "150.5", "150.50", any digits) from a
// form into piasters.
func piastersField(field, s string) (int64, error) {
	s = strings.TrimSpace(markaz.LatinDigits(strings.ReplaceAll(s, "٫", ".")))
	whole, frac, _ := strings.Cut(s, ".")
	bad := fieldErr(field, "amount_format")
	if whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(whole) > 10 {
		return 0, bad
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return n*100 + f, nil
}

func fieldErr(field, code string) error {
	var v markaz.Validator
	v.Add(field, code, nil)
	return v.Err()
}

func (s *Server) handleRequestRefund(w http.ResponseWriter, r *http.Request) error {
	return s.paymentForm(w, r, "", "payments.refund_requested", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		amount, err := piastersField("amount_piasters", f.Get("amount"))
		if err != nil {
			return err
		}
		_, err = tx.RequestRefund(p, r.PathValue("id"), payment.RefundInput{AmountPiasters: amount,
			Method: f.Get("method"), Reason: f.Get("reason")})
		return err
	})
}

// refundPayment is the payment a refund belongs to (forms on a refund go back to it).
func (s *Server) refundPayment(r *http.Request) (string, error) {
	var id string
	err := s.db.Read(r.Context(), func(tx *store.Tx) error {
		f, err := tx.RefundByID(r.PathValue("id"))
		if err == nil {
			id = f.PaymentID
		}
		return err
	})
	return id, err
}

func (s *Server) refundForm(w http.ResponseWriter, r *http.Request, perm, done string,
	do func(p *markaz.Principal, tx *store.Tx, f url.Values) error) error {
	pid, err := s.refundPayment(r)
	if err != nil {
		return err
	}
	return s.formAction(w, r, perm, done, "/payments/"+pid, func(p *markaz.Principal, status int, msg *pageMessage) error {
		return s.renderPayment(w, r, p, pid, status, msg)
	}, do)
}

func (s *Server) handleDecideRefund(w http.ResponseWriter, r *http.Request) error {
	return s.refundForm(w, r, markaz.PermFinanceManage, "payments.refund_decided", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		_, err := tx.DecideRefund(p, r.PathValue("id"), f.Get("decision") == "approve", f.Get("note"))
		return err
	})
}

func (s *Server) handlePayOutRefund(w http.ResponseWriter, r *http.Request) error {
	return s.refundForm(w, r, markaz.PermPaymentsCollect, "payments.refund_paid_out", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		_, err := tx.PayOutRefund(p, r.PathValue("id"))
		return err
	})
}

// receiptPage is what receipt.html and the PDF show.
type receiptPage struct {
	R         *payment.Receipt
	Service   *catalog.Service
	VerifyURL string
	QR        *qrView
	CanVoid   bool
	PDF       bool
	Msg       *pageMessage
}

func (s *Server) loadReceipt(r *http.Request, p *markaz.Principal) (*receiptPage, error) {
	data := &receiptPage{PDF: s.cfg.PDF.Available()}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.R, err = tx.Receipt(p, r.PathValue("number")); err != nil {
			return err
		}
		data.Service, err = tx.Service(data.R.ServiceCode)
		return err
	})
	if err != nil {
		return nil, err
	}
	data.VerifyURL = s.baseURL(r) + "/verify?" + url.Values{"n": {data.R.Number}}.Encode()
	if data.QR, err = qrSVG(data.VerifyURL); err != nil {
		return nil, err
	}
	data.CanVoid = p.Allowed(markaz.PermPaymentsVoid, data.R.Ref()) && data.R.VoidedAt == nil && data.R.Method == payment.MethodCash
	return data, nil
}

func (s *Server) renderReceipt(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, msg *pageMessage) error {
	data, err := s.loadReceipt(r, p)
	if err != nil {
		return err
	}
	data.Msg = msg
	s.render(w, r, status, "receipt", "payments.receipt_title", data)
	return nil
}

func (s *Server) handleReceipt(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	return s.renderReceipt(w, r, p, http.StatusOK, nil)
}

// handleReceiptPDF prints the receipt to PDF in the reader's language.
func (s *Server) handleReceiptPDF(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	data, err := s.loadReceipt(r, p)
	if err != nil {
		return err
	}
	if !s.cfg.PDF.Available() {
		return &markaz.Error{Code: markaz.EUnavailable, Key: "error.pdf_unavailable"}
	}
	var buf bytes.Buffer
	ri := info(r)
	v := View{Lang: ri.lang, Dir: i18n.Dir(ri.lang), Digits: ri.digits, Title: i18n.T(ri.lang, "payments.receipt_title", nil),
		P: ri.p, RequestID: ri.id, Data: data}
	if err := printTemplates.ExecuteTemplate(&buf, "receipt.html", v); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), pdfTimeout)
	defer cancel()
	b, err := s.cfg.PDF.Render(ctx, buf.String())
	if err != nil {
		ri.log.Error("receipt PDF", "err", err)
		return &markaz.Error{Code: markaz.EUnavailable, Key: "error.pdf_unavailable", Err: err}
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="receipt-%s.pdf"`, data.R.Number))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}

func (s *Server) handleVoidReceipt(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("number")
	return s.formAction(w, r, markaz.PermPaymentsVoid, "payments.receipt_voided", "/receipts/"+number,
		func(p *markaz.Principal, status int, msg *pageMessage) error {
			return s.renderReceipt(w, r, p, status, msg)
		},
		func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
			_, err := tx.VoidReceipt(p, number, f.Get("reason"))
			return err
		})
}

// verifyPage is what verify.html shows.
type verifyPage struct {
	N        string
	V        *payment.Verification
	NotFound bool
	Error    string
}

// handleVerify: GET /verify?n= — the public check of a receipt (the QR code's target).
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) error {
	data := verifyPage{N: strings.TrimSpace(r.URL.Query().Get("n"))}
	if data.N != "" {
		v, err := s.verifyReceipt(r, data.N)
		switch {
		case err == nil:
			data.V = v
		case markaz.ErrorCode(err) == markaz.ENotFound:
			data.NotFound = true
		default:
			return err
		}
	}
	s.render(w, r, http.StatusOK, "verify", "payments.verify_title", data)
	return nil
}

// tillsPage is what tills.html shows.
type tillsPage struct {
	Mine    []payment.Till // the clerk's own tills of the day
	ToSign  []payment.Till // closed tills the manager may sign off
	Recent  []payment.Till // tills in scope on the chosen day, or the latest
	Date    markaz.Date    // the chosen day (zero: none)
	Collect bool
}

func (s *Server) handleTills(w http.ResponseWriter, r *http.Request) error {
	p, f, err := tillQuery(r)
	if err != nil {
		return err
	}
	today := markaz.Today(s.db.Clock)
	if f.Date.IsZero() {
		f.Limit = 50 // without a day: the latest tills
	}
	data := tillsPage{Date: f.Date, Collect: p.Can(markaz.PermPaymentsCollect)}
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.Collect {
			if data.Mine, err = tx.Tills(store.TillFilter{ClerkID: p.UserID, Date: today}); err != nil {
				return err
			}
		}
		if p.Can(markaz.PermPaymentsVoid) {
			if data.ToSign, err = tx.Tills(store.TillFilter{Scope: p.Scope(markaz.PermPaymentsVoid), Status: payment.TillClosed}); err != nil {
				return err
			}
		}
		data.Recent, err = tx.Tills(f)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "tills", "payments.tills_title", data)
	return nil
}

// tillPage is what till.html shows.
type tillPage struct {
	T         *payment.Till
	Moves     []store.TillCash
	Mine      bool
	CanSign   bool
	Msg       *pageMessage
	Counted   string
	HasRefund bool
}

func (s *Server) renderTill(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, msg *pageMessage) error {
	data := tillPage{Msg: msg}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.T, err = tx.Till(p, r.PathValue("id")); err != nil {
			return err
		}
		data.Moves, err = tx.TillMovements(data.T.ID)
		return err
	})
	if err != nil {
		return err
	}
	data.Mine = data.T.ClerkID == p.UserID
	data.CanSign = !data.Mine && p.Allowed(markaz.PermPaymentsVoid, data.T.Ref()) && data.T.Status == payment.TillClosed
	s.render(w, r, status, "till", "payments.till_title", data)
	return nil
}

func (s *Server) handleTill(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	return s.renderTill(w, r, p, http.StatusOK, nil)
}

func (s *Server) tillForm(w http.ResponseWriter, r *http.Request, perm, done string,
	do func(p *markaz.Principal, tx *store.Tx, f url.Values) error) error {
	return s.formAction(w, r, perm, done, "/tills/"+r.PathValue("id"), func(p *markaz.Principal, status int, msg *pageMessage) error {
		return s.renderTill(w, r, p, status, msg)
	}, do)
}

func (s *Server) handleCloseTill(w http.ResponseWriter, r *http.Request) error {
	return s.tillForm(w, r, markaz.PermPaymentsCollect, "payments.till_closed", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		counted, err := piastersField("counted_piasters", f.Get("counted"))
		if err != nil {
			return err
		}
		_, err = tx.CloseTill(p, r.PathValue("id"), payment.Closing{CountedPiasters: counted, Explanation: f.Get("explanation")})
		return err
	})
}

func (s *Server) handleSignOffTill(w http.ResponseWriter, r *http.Request) error {
	return s.tillForm(w, r, markaz.PermPaymentsVoid, "payments.till_signed", func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
		_, err := tx.SignOffTill(p, r.PathValue("id"), strings.TrimSpace(f.Get("note")))
		return err
	})
}

// financePage is what finance.html shows.
type financePage struct {
	Held            []payment.Payment
	Refunds         []store.Refund
	Recs            []store.Reconciliation
	National        bool
	Gateways        []string
	Yesterday       markaz.Date
	Msg             *pageMessage
	ApprovedRefunds []store.Refund
}

func (s *Server) renderFinance(w http.ResponseWriter, r *http.Request, p *markaz.Principal, status int, msg *pageMessage) error {
	scope := p.Scope(markaz.PermFinanceManage)
	data := financePage{National: scope.All, Gateways: s.cfg.Gateways.Names(), Msg: msg,
		Yesterday: markaz.Today(s.db.Clock).AddDays(-1)}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		if data.Held, _, err = tx.Payments(store.PaymentFilter{Scope: scope, Status: payment.StatusHeld, Limit: 200}); err != nil {
			return err
		}
		if data.Refunds, err = tx.Refunds(store.RefundFilter{Scope: scope, Status: payment.RefundRequested}); err != nil {
			return err
		}
		if data.ApprovedRefunds, err = tx.Refunds(store.RefundFilter{Scope: scope, Status: payment.RefundApproved}); err != nil {
			return err
		}
		data.Recs, err = tx.Reconciliations(60)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, status, "finance", "payments.finance_title", data)
	return nil
}

func (s *Server) handleFinance(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermFinanceManage)
	if err != nil {
		return err
	}
	return s.renderFinance(w, r, p, http.StatusOK, nil)
}

// handleReconcile: the finance officer's "reconcile a day now".
func (s *Server) handleReconcile(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermFinanceManage)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.invalid"}
	}
	b := reconcileBody{Gateway: r.PostForm.Get("gateway")}
	d, derr := markaz.ParseDate(markaz.LatinDigits(strings.TrimSpace(r.PostForm.Get("date"))))
	b.Date = d
	var rec *store.Reconciliation
	if derr != nil {
		err = fieldErr("date", "date_format")
	} else {
		rec, err = s.reconcileNow(r, p, b)
	}
	if err != nil {
		if msg, ok := refusal(r, err, r.PostForm); ok {
			return s.renderFinance(w, r, p, statusOf[markaz.ErrorCode(err)], msg)
		}
		return err
	}
	flash(w, "payments.reconciled")
	http.Redirect(w, r, "/finance/reconciliations/"+rec.ID, http.StatusSeeOther)
	return nil
}

// reconciliationPage is what reconciliation.html shows.
type reconciliationPage struct {
	Rec   *store.Reconciliation
	Items []store.ReconItem
	Msg   *pageMessage
}

func (s *Server) renderReconciliation(w http.ResponseWriter, r *http.Request, p *markaz.Principal, id string, status int, msg *pageMessage) error {
	data := reconciliationPage{Msg: msg}
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		data.Rec, data.Items, err = tx.ReconciliationByID(p.Scope(markaz.PermFinanceManage), id)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, status, "reconciliation", "payments.reconciliation_title", data)
	return nil
}

func (s *Server) handleReconciliation(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermFinanceManage)
	if err != nil {
		return err
	}
	return s.renderReconciliation(w, r, p, r.PathValue("id"), http.StatusOK, nil)
}

func (s *Server) handleResolveItem(w http.ResponseWriter, r *http.Request) error {
	recID := r.FormValue("reconciliation")
	if !markaz.ValidID(recID) {
		return markaz.ErrNotFound
	}
	return s.formAction(w, r, markaz.PermFinanceManage, "payments.item_resolved", "/finance/reconciliations/"+recID,
		func(p *markaz.Principal, status int, msg *pageMessage) error {
			return s.renderReconciliation(w, r, p, recID, status, msg)
		},
		func(p *markaz.Principal, tx *store.Tx, f url.Values) error {
			_, err := tx.ResolveReconItem(p, r.PathValue("id"), f.Get("note"))
			return err
		})
}

// collectionsPage is what collections.html shows.
type collectionsPage struct {
	Q        url.Values
	From, To markaz.Date
	Govs     []store.CollectionRow
	Centers  []store.CollectionRow
	Total    store.CollectionRow
	GovOpts  []centerOption
}

func (s *Server) handleCollections(w http.ResponseWriter, r *http.Request) error {
	p, f, err := s.collectionQuery(r)
	if err != nil {
		return err
	}
	data := collectionsPage{Q: r.URL.Query(), From: f.From, To: f.To}
	f.By = "governorate"
	if data.Govs, data.Total, err = s.db.Collections(r.Context(), f); err != nil {
		return err
	}
	f.By = "center"
	if data.Centers, _, err = s.db.Collections(r.Context(), f); err != nil {
		return err
	}
	lang := info(r).lang
	scope := p.Scope(markaz.PermPaymentsRead)
	govs, err := s.db.Governorates(r.Context())
	if err != nil {
		return err
	}
	for _, g := range govs {
		if scope.ContainsGov(g.Code) {
			data.GovOpts = append(data.GovOpts, centerOption{Value: g.Code, Label: pickName(lang, g.NameAr, g.NameEn)})
		}
	}
	s.render(w, r, http.StatusOK, "collections", "payments.collections_title", data)
	return nil
}
