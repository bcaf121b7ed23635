package web

// The simulated payment gateway's own pages (only with --simulated-gateway): a checkout
// page per payment (pay, decline, pay late, pay twice), an outlet where a reference code
// is paid, a console listing callbacks not delivered yet, and the statement of a day as
// CSV. They stand for a separate party: anyone may open them, nobody needs to log in, and
// they change Markaz only through the signed callbacks they send.

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"markaz"
	"markaz/gateway"
	"markaz/i18n"
	"markaz/store"
)

// sim returns the simulated gateway, or 404 when it is not enabled.
func (s *Server) sim() (*gateway.Simulated, error) {
	if s.cfg.Gateways == nil || s.cfg.Gateways.Sim == nil {
		return nil, markaz.ErrNotFound
	}
	return s.cfg.Gateways.Sim, nil
}

// simConsolePage is what simgw.html shows.
type simConsolePage struct {
	Pending   []store.SimCharge
	Yesterday markaz.Date
	Today     markaz.Date
	Code      string
	Alert     string
}

func (s *Server) renderSimConsole(w http.ResponseWriter, r *http.Request, status int, code, alert string) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	today := markaz.Today(s.db.Clock)
	data := simConsolePage{Today: today, Yesterday: today.AddDays(-1), Code: code, Alert: alert}
	if data.Pending, err = g.Pending(r.Context()); err != nil {
		return err
	}
	s.render(w, r, status, "simgw", "simgw.title", data)
	return nil
}

func (s *Server) handleSimConsole(w http.ResponseWriter, r *http.Request) error {
	return s.renderSimConsole(w, r, http.StatusOK, "", "")
}

// simCheckoutPage is what simgw_pay.html shows.
type simCheckoutPage struct {
	S       *store.SimSession
	Charges []store.SimCharge
	Paid    bool
	Alert   string
}

func (s *Server) renderSimCheckout(w http.ResponseWriter, r *http.Request, status int, alert string) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	data := simCheckoutPage{Alert: alert}
	if data.S, data.Charges, err = g.Session(r.Context(), r.PathValue("token"), false); err != nil {
		return err
	}
	for _, c := range data.Charges {
		data.Paid = data.Paid || c.Status == "paid"
	}
	s.render(w, r, status, "simgw_pay", "simgw.checkout_title", data)
	return nil
}

func (s *Server) handleSimCheckout(w http.ResponseWriter, r *http.Request) error {
	return s.renderSimCheckout(w, r, http.StatusOK, "")
}

// simAlert is the message of a failed simulated action, and whether it is one to show
// (else the error page): Markaz refusing a choice, or a callback not delivered (it stays
// queued, is retried by the worker and shows on the console).
func simAlert(r *http.Request, err error) (string, bool) {
	ri := info(r)
	var me *markaz.Error
	if errors.As(err, &me) {
		if me.Code == markaz.ENotFound || me.Code == markaz.EInternal {
			return "", false
		}
		return message(ri.lang, ri.id, me), true
	}
	ri.log.Warn("simulated gateway: callback not delivered", "err", err)
	return i18n.T(ri.lang, "simgw.not_delivered", nil), true
}

// handleSimChoice carries out the citizen's choice and sends them back to Markaz.
func (s *Server) handleSimChoice(w http.ResponseWriter, r *http.Request) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	token := r.PathValue("token")
	choice := r.FormValue("choice")
	if err := g.Checkout(r.Context(), token, choice, s.baseURL(r)); err != nil {
		var me *markaz.Error
		if errors.As(err, &me) {
			alert, ok := simAlert(r, err)
			if !ok {
				return err
			}
			return s.renderSimCheckout(w, r, http.StatusConflict, alert)
		}
		simAlert(r, err) // logged; the citizen goes back and sees the payment pending
		flash(w, "simgw.not_delivered")
	}
	sess, _, err := g.Session(r.Context(), token, false)
	if err != nil {
		return err
	}
	http.Redirect(w, r, sess.ReturnURL, http.StatusSeeOther)
	return nil
}

// handleSimOutletPay pays a reference code at the simulated outlet.
func (s *Server) handleSimOutletPay(w http.ResponseWriter, r *http.Request) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	code := strings.TrimSpace(markaz.LatinDigits(r.FormValue("code")))
	sess, err := g.PayCode(r.Context(), code, s.baseURL(r))
	switch {
	case markaz.ErrorCode(err) == markaz.ENotFound:
		return s.renderSimConsole(w, r, http.StatusNotFound, code, i18n.T(info(r).lang, "simgw.unknown_code", nil))
	case err != nil:
		alert, ok := simAlert(r, err)
		if !ok {
			return err
		}
		return s.renderSimConsole(w, r, http.StatusConflict, code, alert)
	}
	flash(w, "simgw.code_paid")
	http.Redirect(w, r, "/simgw/pay/"+url.PathEscape(sess.Token), http.StatusSeeOther)
	return nil
}

// handleSimDeliver delivers a held callback now (the console's button).
func (s *Server) handleSimDeliver(w http.ResponseWriter, r *http.Request) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	if err := g.Deliver(r.Context(), r.PathValue("id"), false, s.baseURL(r)); err != nil {
		alert, ok := simAlert(r, err)
		if !ok {
			return err
		}
		return s.renderSimConsole(w, r, http.StatusConflict, "", alert)
	}
	flash(w, "simgw.delivered")
	http.Redirect(w, r, "/simgw", http.StatusSeeOther)
	return nil
}

// handleSimStatement downloads the statement of a day as CSV.
func (s *Server) handleSimStatement(w http.ResponseWriter, r *http.Request) error {
	g, err := s.sim()
	if err != nil {
		return err
	}
	day, err := markaz.ParseDate(markaz.LatinDigits(r.PathValue("date")))
	if err != nil {
		return fieldErr("date", "date_format")
	}
	b, err := g.Statement(r.Context(), day)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statement-`+day.String()+`.csv"`)
	_, err = w.Write(b)
	return err
}
