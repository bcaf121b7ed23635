package web

// Payments over the JSON API (issue 5): starting a payment of a request awaiting payment
// (the citizen who owns it, or a clerk of its center), the gateways' callbacks, receipts
// and their public verification, refunds, tills, reconciliation and the collection
// report. The pages (payments_ui.go) call the same helpers and store functions.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"markaz"
	"markaz/payment"
	"markaz/store"
	"markaz/worker"
)

// baseURL is this server's public address: MARKAZ_PUBLIC_URL, else the scheme and host
// the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String()
}

// idemKey reads an idempotency key (header or form field): at most 100 characters.
func idemKey(field, key string) (string, error) {
	key = strings.TrimSpace(key)
	var v markaz.Validator
	v.Text(field, key, payment.MaxIdempotencyKey, false)
	return key, v.Err()
}

// startPayment starts a payment of request number by p and, for an electronic one, takes
// it to the active gateway: the gateway is called outside any transaction, and a gateway
// that fails leaves the payment failed (503; the citizen may try again).
func (s *Server) startPayment(r *http.Request, p *markaz.Principal, number string, in payment.Start, key string) (*store.Started, error) {
	var st *store.Started
	err := s.db.Write(r.Context(), func(tx *store.Tx) (err error) {
		st, err = tx.StartPayment(p, number, in, key, s.cfg.Gateways.Name())
		return err
	})
	if err != nil {
		return nil, err
	}
	pm := st.Payment
	if st.Replay || !payment.Electronic(pm.Method) || pm.Status != payment.StatusPending || pm.RedirectURL != "" || pm.ReferenceCode != "" {
		return st, nil
	}
	g := s.cfg.Gateways.Active
	base := s.baseURL(r)
	started, gerr := g.Start(r.Context(), payment.StartRequest{PaymentID: pm.ID, AmountPiasters: pm.AmountPiasters,
		Method: pm.Method, Description: "Markaz " + pm.TrackingNumber, ReturnURL: base + "/payments/" + pm.ID,
		CallbackURL: base + "/api/v1/payments/callback/" + g.Name()})
	ctx := context.WithoutCancel(r.Context())
	if gerr != nil {
		info(r).log.Error("payment gateway did not start the payment", "gateway", g.Name(), "payment", pm.ID, "err", gerr)
		if err := s.db.Write(ctx, func(tx *store.Tx) error { return tx.FailStart(pm.ID) }); err != nil {
			return nil, err
		}
		return nil, &markaz.Error{Code: markaz.EUnavailable, Key: "error.payment_gateway_down", Err: gerr}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) (err error) {
		st.Payment, err = tx.SetStarted(pm.ID, started)
		return err
	})
	return st, err
}

// apiStartPayment: POST /api/v1/requests/{tracking_number}/payments {"method"} with an
// Idempotency-Key → 201 with the payment (payment_id, amount_piasters, redirect_url or
// reference_code); 200 with the same payment when the key is repeated.
func (s *Server) apiStartPayment(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	key, err := idemKey("Idempotency-Key", r.Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	var in payment.Start
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	st, err := s.startPayment(r, p, r.PathValue("tracking_number"), in, key)
	if err != nil {
		return err
	}
	if st.Replay {
		return writeJSON(w, http.StatusOK, st.Payment)
	}
	return writeJSON(w, http.StatusCreated, st.Payment)
}

// requestPayments is a request's fees and payments as the API shows them.
type requestPayments struct {
	TrackingNumber string            `json:"tracking_number"`
	Status         string            `json:"status"`
	FeesDue        int64             `json:"fees_due_piasters"`
	FeesPaid       int64             `json:"fees_paid_piasters"`
	Payments       []payment.Payment `json:"payments"`
}

// apiRequestPayments: GET /api/v1/requests/{tracking_number}/payments.
func (s *Server) apiRequestPayments(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	var out requestPayments
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		pr, err := tx.RequestForPayments(p, r.PathValue("tracking_number"))
		if err != nil {
			return err
		}
		out = requestPayments{TrackingNumber: pr.TrackingNumber, Status: pr.Status, FeesDue: pr.FeesDue, FeesPaid: pr.FeesPaid}
		out.Payments, err = tx.RequestPayments(pr.ID)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// paymentDetail is a payment with its refunds.
type paymentDetail struct {
	*payment.Payment
	Refunds []store.Refund `json:"refunds"`
}

func (s *Server) loadPayment(ctx context.Context, p *markaz.Principal, id string) (*paymentDetail, error) {
	var d paymentDetail
	err := s.db.Read(ctx, func(tx *store.Tx) (err error) {
		if d.Payment, err = tx.Payment(p, id); err != nil {
			return err
		}
		d.Refunds, err = tx.PaymentRefunds(id)
		return err
	})
	return &d, err
}

// apiPayment: GET /api/v1/payments/{id} → the payment with its refunds.
func (s *Server) apiPayment(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	d, err := s.loadPayment(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// apiPayments: GET /api/v1/payments?status= → one page of payments in the caller's
// payments.read scope, newest first (finance officers list those held for review).
func (s *Server) apiPayments(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPaymentsRead)
	if err != nil {
		return err
	}
	f := store.PaymentFilter{Scope: p.Scope(markaz.PermPaymentsRead), Status: strings.TrimSpace(r.URL.Query().Get("status"))}
	var v markaz.Validator
	if f.Status != "" {
		v.OneOf("status", f.Status, payment.Statuses...)
	}
	limit, after, err := pageParams(r)
	if err := v.Merge(err, nil); err != nil {
		return err
	}
	f.Limit = limit
	if after != nil {
		at, err := parseCursorTime(after)
		if err != nil {
			return err
		}
		f.After = &store.PaymentKey{At: at, ID: after[1]}
	}
	var out page[payment.Payment]
	err = s.db.Read(r.Context(), func(tx *store.Tx) error {
		rows, next, err := tx.Payments(f)
		out.Items = rows
		if next != nil {
			out.NextCursor = encodeCursor(next.At.Format(timeCursor), next.ID)
		}
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// apiPaymentPost dispatches POST /api/v1/payments/{id}/{action}: the gateways' callbacks
// (/callback/{gateway}), resolving a held payment (/{id}/resolve) and asking for a
// refund (/{id}/refunds).
func (s *Server) apiPaymentPost(w http.ResponseWriter, r *http.Request) error {
	switch id, action := r.PathValue("id"), r.PathValue("action"); {
	case id == "callback":
		r.SetPathValue("gateway", action)
		return s.apiPaymentCallback(w, r)
	case action == "resolve":
		return s.apiResolvePayment(w, r)
	case action == "refunds":
		return s.apiRequestRefund(w, r)
	}
	return markaz.ErrNotFound
}

// apiPaymentCallback: POST /api/v1/payments/callback/{gateway}. The signature is checked
// before anything of the body is read; a refused callback is logged with the gateway's
// name and the reason (never the body, the signature or the secret) and answered 401
// (bad signature, or a timestamp outside the window) or 422 (malformed). A verified one
// is booked at most once: a repeated event_id answers 200 "duplicate" and books nothing.
func (s *Server) apiPaymentCallback(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("gateway")
	secret := s.cfg.Gateways.Secret(name)
	if secret == nil {
		return markaz.ErrNotFound
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, payment.MaxCallbackBody))
	if err != nil {
		return &markaz.Error{Code: markaz.EInvalid, Key: "error.body_too_large"}
	}
	log := info(r).log
	cb, err := payment.Verify(secret, body, r.Header.Get(payment.SignatureHeader), s.db.Clock.Now())
	if err != nil {
		log.Warn("payment callback refused", "gateway", name, "reason", err.Error(), "remote", r.RemoteAddr)
		if errors.Is(err, payment.ErrMalformed) {
			return &markaz.Error{Code: markaz.EInvalid, Key: "error.payment_callback_malformed"}
		}
		return &markaz.Error{Code: markaz.EUnauthorized, Key: "error.payment_callback_refused"}
	}
	var res *store.CallbackResult
	err = s.db.Write(r.Context(), func(tx *store.Tx) (err error) {
		res, err = tx.BookCallback(name, cb)
		return err
	})
	if err != nil {
		return err
	}
	log.Info("payment callback", "gateway", name, "event_id", cb.EventID, "payment", cb.PaymentID,
		"status", cb.Status, "outcome", string(res.Outcome))
	return writeJSON(w, http.StatusOK, map[string]string{"outcome": string(res.Outcome)})
}

// resolveBody is the body of POST /api/v1/payments/{id}/resolve.
type resolveBody struct {
	Action string `json:"action"` // book or refund
	Note   string `json:"note"`
}

// apiResolvePayment: POST /api/v1/payments/{id}/resolve → the payment after a finance
// officer booked or refunded what was held for review.
func (s *Server) apiResolvePayment(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermFinanceManage, http.StatusOK, func(p *markaz.Principal, b resolveBody) (*payment.Payment, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*payment.Payment, error) {
			return tx.ResolveHeld(p, r.PathValue("id"), strings.TrimSpace(b.Action), b.Note)
		})
	})
}

// apiRequestRefund: POST /api/v1/payments/{id}/refunds {amount_piasters, method, reason} → 201.
func (s *Server) apiRequestRefund(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, "", http.StatusCreated, func(p *markaz.Principal, b payment.RefundInput) (*store.Refund, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*store.Refund, error) { return tx.RequestRefund(p, r.PathValue("id"), b) })
	})
}

// noteBody is a body carrying a note or a reason.
type noteBody struct {
	Note string `json:"note"`
}

// apiDecideRefund: POST /api/v1/refunds/{id}/approve and …/reject {note}.
func (s *Server) apiDecideRefund(approve bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return jsonAction(w, r, markaz.PermFinanceManage, http.StatusOK, func(p *markaz.Principal, b noteBody) (*store.Refund, error) {
			return inWrite(r, s.db, func(tx *store.Tx) (*store.Refund, error) {
				return tx.DecideRefund(p, r.PathValue("id"), approve, b.Note)
			})
		})
	}
}

// apiPayOutRefund: POST /api/v1/refunds/{id}/pay-out → the cash refund, handed over.
func (s *Server) apiPayOutRefund(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPaymentsCollect)
	if err != nil {
		return err
	}
	ref, err := inWrite(r, s.db, func(tx *store.Tx) (*store.Refund, error) { return tx.PayOutRefund(p, r.PathValue("id")) })
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ref)
}

// apiRefunds: GET /api/v1/refunds?status= → refunds in the caller's scope (finance or
// collection), newest first (at most 100).
func (s *Server) apiRefunds(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermPaymentsRead)
	if err != nil {
		return err
	}
	status := strings.TrimSpace(r.URL.Query().Get("status"))
	var v markaz.Validator
	if status != "" {
		v.OneOf("status", status, payment.RefundRequested, payment.RefundApproved, payment.RefundRejected, payment.RefundExecuted)
	}
	if err := v.Err(); err != nil {
		return err
	}
	var out []store.Refund
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		out, err = tx.Refunds(store.RefundFilter{Scope: p.Scope(markaz.PermPaymentsRead), Status: status})
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.Refund]{Items: out})
}

// apiReceipt: GET /api/v1/receipts/{number} → the receipt (staff of its center, or the
// citizen owning its request).
func (s *Server) apiReceipt(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, "")
	if err != nil {
		return err
	}
	var rc *payment.Receipt
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		rc, err = tx.Receipt(p, r.PathValue("number"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rc)
}

// verifyReceipt is the public check of a receipt number.
func (s *Server) verifyReceipt(r *http.Request, number string) (*payment.Verification, error) {
	var v *payment.Verification
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		v, err = tx.VerifyReceipt(number)
		return err
	})
	return v, err
}

// apiVerifyReceipt: GET /api/v1/receipts/{number}/verify (public) → number, amount,
// date, center and void status; nothing else.
func (s *Server) apiVerifyReceipt(w http.ResponseWriter, r *http.Request) error {
	v, err := s.verifyReceipt(r, r.PathValue("number"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// reasonBody is the body of a void.
type reasonBody struct {
	Reason string `json:"reason"`
}

// apiVoidReceipt: POST /api/v1/receipts/{number}/void {reason} → the voided receipt.
func (s *Server) apiVoidReceipt(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPaymentsVoid, http.StatusOK, func(p *markaz.Principal, b reasonBody) (*payment.Receipt, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*payment.Receipt, error) {
			return tx.VoidReceipt(p, r.PathValue("number"), b.Reason)
		})
	})
}

// tillFilter reads ?date=&center=&status= for the tills a principal may see: their own
// (a clerk) and those in their payments.read scope.
func tillFilter(r *http.Request, p *markaz.Principal) (store.TillFilter, error) {
	q := r.URL.Query()
	f := store.TillFilter{Scope: p.Scope(markaz.PermPaymentsRead), Center: strings.TrimSpace(q.Get("center")),
		Status: strings.TrimSpace(q.Get("status"))}
	var v markaz.Validator
	if d := markaz.LatinDigits(strings.TrimSpace(q.Get("date"))); d != "" {
		var err error
		if f.Date, err = markaz.ParseDate(d); err != nil {
			v.Add("date", "date_format", nil)
		}
	}
	if f.Center != "" && !markaz.ValidID(f.Center) {
		v.Add("center", "unknown_center", nil)
	}
	if f.Status != "" {
		v.OneOf("status", f.Status, payment.TillOpen, payment.TillClosed, payment.TillSignedOff)
	}
	return f, v.Err()
}

// tillQuery is the caller (with payments.read) and the tills filter of a request.
func tillQuery(r *http.Request) (*markaz.Principal, store.TillFilter, error) {
	p, err := need(r, markaz.PermPaymentsRead)
	if err != nil {
		return nil, store.TillFilter{}, err
	}
	f, err := tillFilter(r, p)
	return p, f, err
}

// apiTills: GET /api/v1/tills?date=&center=&status= → tills in scope, latest day first.
func (s *Server) apiTills(w http.ResponseWriter, r *http.Request) error {
	_, f, err := tillQuery(r)
	if err != nil {
		return err
	}
	var out []payment.Till
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		out, err = tx.Tills(f)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[payment.Till]{Items: out})
}

// apiCloseTill: POST /api/v1/tills/{id}/close {counted_piasters, explanation}.
func (s *Server) apiCloseTill(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPaymentsCollect, http.StatusOK, func(p *markaz.Principal, b payment.Closing) (*payment.Till, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*payment.Till, error) { return tx.CloseTill(p, r.PathValue("id"), b) })
	})
}

// apiSignOffTill: POST /api/v1/tills/{id}/sign-off {note}.
func (s *Server) apiSignOffTill(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermPaymentsVoid, http.StatusOK, func(p *markaz.Principal, b noteBody) (*payment.Till, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*payment.Till, error) {
			return tx.SignOffTill(p, r.PathValue("id"), strings.TrimSpace(b.Note))
		})
	})
}

// apiReconciliations: GET /api/v1/reconciliations → the latest 100.
func (s *Server) apiReconciliations(w http.ResponseWriter, r *http.Request) error {
	if _, err := need(r, markaz.PermFinanceManage); err != nil {
		return err
	}
	var out []store.Reconciliation
	err := s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		out, err = tx.Reconciliations(100)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page[store.Reconciliation]{Items: out})
}

// reconciliationDetail is a reconciliation with the mismatches the reader may see.
type reconciliationDetail struct {
	*store.Reconciliation
	Items []store.ReconItem `json:"items"`
}

// apiReconciliation: GET /api/v1/reconciliations/{id}.
func (s *Server) apiReconciliation(w http.ResponseWriter, r *http.Request) error {
	p, err := need(r, markaz.PermFinanceManage)
	if err != nil {
		return err
	}
	var out reconciliationDetail
	err = s.db.Read(r.Context(), func(tx *store.Tx) (err error) {
		out.Reconciliation, out.Items, err = tx.ReconciliationByID(p.Scope(markaz.PermFinanceManage), r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// reconcileBody is the body of POST /api/v1/reconciliations.
type reconcileBody struct {
	Gateway string      `json:"gateway"`
	Date    markaz.Date `json:"date"`
}

// reconcileNow reconciles a past day of a configured gateway at a finance officer's
// request (national finance officers only: the statement is national).
func (s *Server) reconcileNow(r *http.Request, p *markaz.Principal, b reconcileBody) (*store.Reconciliation, error) {
	if !p.Scope(markaz.PermFinanceManage).All {
		return nil, markaz.ErrForbidden
	}
	var v markaz.Validator
	if b.Gateway == "" {
		b.Gateway = s.cfg.Gateways.Name()
	}
	if v.Required("gateway", b.Gateway) && s.cfg.Gateways.ByName(b.Gateway) == nil {
		v.Add("gateway", "unknown_gateway", nil)
	}
	switch {
	case b.Date.IsZero():
		v.Add("date", "required", nil)
	case !b.Date.Before(markaz.Today(s.db.Clock)):
		v.Add("date", "day_not_over", nil)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	rec, err := worker.ReconcileGateway(r.Context(), s.db, s.cfg.Gateways, b.Gateway, b.Date, store.ActorOf(p))
	if err != nil && markaz.ErrorCode(err) == markaz.EInternal {
		info(r).log.Error("reconciliation failed", "gateway", b.Gateway, "day", b.Date.String(), "err", err)
		return nil, &markaz.Error{Code: markaz.EUnavailable, Key: "error.payment_statement", Err: err}
	}
	return rec, err
}

// apiReconcile: POST /api/v1/reconciliations {gateway, date} → 201 with the result.
func (s *Server) apiReconcile(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermFinanceManage, http.StatusCreated, func(p *markaz.Principal, b reconcileBody) (*store.Reconciliation, error) {
		return s.reconcileNow(r, p, b)
	})
}

// apiResolveReconItem: POST /api/v1/reconciliation-items/{id}/resolve {note}.
func (s *Server) apiResolveReconItem(w http.ResponseWriter, r *http.Request) error {
	return jsonAction(w, r, markaz.PermFinanceManage, http.StatusOK, func(p *markaz.Principal, b noteBody) (*store.ReconItem, error) {
		return inWrite(r, s.db, func(tx *store.Tx) (*store.ReconItem, error) {
			return tx.ResolveReconItem(p, r.PathValue("id"), b.Note)
		})
	})
}

// collectionFilter reads ?from=&to=&governorate=&by= (dates default to today; by is
// center or governorate).
func collectionFilter(r *http.Request, p *markaz.Principal, today markaz.Date) (store.CollectionFilter, error) {
	q := r.URL.Query()
	f := store.CollectionFilter{Scope: p.Scope(markaz.PermPaymentsRead), From: today, To: today,
		Gov: markaz.LatinDigits(strings.TrimSpace(q.Get("governorate"))), By: strings.TrimSpace(q.Get("by"))}
	var v markaz.Validator
	for _, d := range []struct {
		name string
		to   *markaz.Date
	}{{"from", &f.From}, {"to", &f.To}} {
		if s := markaz.LatinDigits(strings.TrimSpace(q.Get(d.name))); s != "" {
			t, err := markaz.ParseDate(s)
			if err != nil {
				v.Add(d.name, "date_format", nil)
			}
			*d.to = t
		}
	}
	if f.To.Before(f.From) {
		v.Add("to", "ends_before_start", nil)
	}
	if f.By == "" {
		f.By = "center"
	}
	v.OneOf("by", f.By, "center", "governorate")
	if f.Gov != "" && (len(f.Gov) != 2 || digitsOnlyWeb(f.Gov) != f.Gov) {
		v.Add("governorate", "unknown_governorate", nil)
	}
	return f, v.Err()
}

// collectionQuery is the caller (with payments.read) and the collections filter of a request.
func (s *Server) collectionQuery(r *http.Request) (*markaz.Principal, store.CollectionFilter, error) {
	p, err := need(r, markaz.PermPaymentsRead)
	if err != nil {
		return nil, store.CollectionFilter{}, err
	}
	f, err := collectionFilter(r, p, markaz.Today(s.db.Clock))
	return p, f, err
}

// collectionsAnswer is the collection report as JSON.
type collectionsAnswer struct {
	From  markaz.Date           `json:"from"`
	To    markaz.Date           `json:"to"`
	By    string                `json:"by"`
	Rows  []collectionRowAnswer `json:"items"`
	Total collectionRowAnswer   `json:"total"`
}

type collectionRowAnswer struct {
	store.CollectionRow
	TotalPiasters   int64 `json:"total_piasters"`
	ElectronicShare int   `json:"electronic_share_permille"`
}

func answerRow(r store.CollectionRow) collectionRowAnswer {
	return collectionRowAnswer{CollectionRow: r, TotalPiasters: r.TotalPiasters(), ElectronicShare: r.ElectronicShare()}
}

// apiCollections: GET /api/v1/reports/collections?from=&to=&governorate=&by=center|governorate
// → fees collected (booked) per center or governorate: cash and electronic counts and
// sums, and the electronic share by amount in tenths of a percent.
func (s *Server) apiCollections(w http.ResponseWriter, r *http.Request) error {
	_, f, err := s.collectionQuery(r)
	if err != nil {
		return err
	}
	rows, total, err := s.db.Collections(r.Context(), f)
	if err != nil {
		return err
	}
	out := collectionsAnswer{From: f.From, To: f.To, By: f.By, Total: answerRow(total), Rows: []collectionRowAnswer{}}
	for _, row := range rows {
		out.Rows = append(out.Rows, answerRow(row))
	}
	return writeJSON(w, http.StatusOK, out)
}

// timeCursor is how an instant is written into a list cursor.
const timeCursor = time.RFC3339Nano

// parseCursorTime reads an (instant, id) cursor.
func parseCursorTime(after []string) (time.Time, error) {
	if len(after) == 2 {
		if at, err := time.Parse(timeCursor, after[0]); err == nil && markaz.ValidID(after[1]) {
			return at, nil
		}
	}
	return time.Time{}, &markaz.Error{Code: markaz.EInvalid, Key: "error.bad_query", Args: map[string]any{"field": "cursor"},
		Fields: []markaz.FieldError{{Field: "cursor", Code: "bad_cursor"}}}
}
