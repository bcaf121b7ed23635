package store

// The fees-collected rollup (table kpi_payments) behind the e-payment share: what the
// collections report counts (see Collections: booked payments by the Cairo day they were
// booked, cash against every other method, by amount received, refunds not netted, voided
// payments not at all), summed per day and per month, per place, the request's service
// ('' for every service) and channel. A payment's contribution changes only when it is
// booked (tx.book: it starts to count) and when its receipt is voided (VoidReceipt: it
// stops); a refund leaves it counted. Both apply the change in their own transaction, and
// InsertRequestsBulk adds the payments it writes, so the rollup always equals the
// payments; verifyPaymentRollup checks that it does.

import (
	"fmt"
	"slices"

	"markaz"
	"markaz/kpi"
	"markaz/payment"
)

// collectedStatuses are the statuses of a booked payment, which the collections report
// and the rollup count (a voided one does not count; a refunded one still does).
const collectedStatuses = `'paid', 'partly_refunded', 'refunded'`

// paidFact is one booked payment as the rollup sees it.
type paidFact struct {
	Day      markaz.Date `db:"paid_on"`
	Service  string      `db:"service_code"`
	Gov      string      `db:"gov_code"`
	Unit     string      `db:"unit_code"`
	Center   string      `db:"center_id"`
	Channel  string      `db:"channel"`
	Method   string      `db:"method"`
	Received int64       `db:"received_piasters"`
}

// payVal is the values of one kpi_payments row.
type payVal struct {
	CashCount          int64 `db:"cash_count"`
	CashPiasters       int64 `db:"cash_piasters"`
	ElectronicCount    int64 `db:"electronic_count"`
	ElectronicPiasters int64 `db:"electronic_piasters"`
}

func (v payVal) String() string {
	return fmt.Sprintf("cash %d/%d pt, electronic %d/%d pt", v.CashCount, v.CashPiasters, v.ElectronicCount,
		v.ElectronicPiasters)
}

// payRoll is a set of changes to kpi_payments.
type payRoll map[rollKey]payVal

// add adds sign × the contribution of f: its day and month rows, with its service and
// for every service.
func (r payRoll) add(f paidFact, sign int64) {
	var v payVal
	if payment.Electronic(f.Method) {
		v.ElectronicCount, v.ElectronicPiasters = sign, sign*f.Received
	} else {
		v.CashCount, v.CashPiasters = sign, sign*f.Received
	}
	r.addVal(f, v)
}

// addVal adds v to the day and month rows of f's place at the three scopes (center,
// governorate, nation: as kpi_counts), with its service and for every service (f's Method
// and Received are not read).
func (r payRoll) addVal(f paidFact, v payVal) {
	month := markaz.Date{Y: f.Day.Y, M: f.Day.M, D: 1}
	for _, g := range []struct {
		grain  string
		period markaz.Date
	}{{grainDay, f.Day}, {grainMonth, month}} {
		for _, p := range [][4]string{{scopeCenter, f.Gov, f.Unit, f.Center}, {scopeGov, f.Gov, "", ""}, {scopeNation, "", "", ""}} {
			for _, svc := range []string{f.Service, ""} {
				k := rollKey{Grain: g.grain, Scope: p[0], Service: svc, Gov: p[1], Period: g.period, Unit: p[2], Center: p[3],
					Chan: f.Channel, Days: -1}
				old := r[k]
				r[k] = payVal{old.CashCount + v.CashCount, old.CashPiasters + v.CashPiasters,
					old.ElectronicCount + v.ElectronicCount, old.ElectronicPiasters + v.ElectronicPiasters}
			}
		}
	}
}

// kpiPaymentWrite adds r to kpi_payments, rows in key order (concurrent writers on
// PostgreSQL lock shared rows in the same order and cannot deadlock).
func (tx *Tx) kpiPaymentWrite(r payRoll) error {
	keys := make([]rollKey, 0, len(r))
	for k, v := range r {
		if v != (payVal{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, rollKey.compare)
	return tx.rollupUpsert("kpi_payments", append(slices.Clone(rollKeyCols), "cash_count", "cash_piasters", "electronic_count",
		"electronic_piasters"), len(rollKeyCols), len(keys), func(i int, args []any) []any {
		v := r[keys[i]]
		return append(keys[i].args(args), v.CashCount, v.CashPiasters, v.ElectronicCount, v.ElectronicPiasters)
	})
}

const paidFactCols = `p.paid_on, r.service_code, p.gov_code, p.unit_code, p.center_id, r.channel, p.method,
	p.received_piasters`

// kpiPaymentAdd adds sign × payment id's contribution as it stands now (nothing when it
// is not booked): +1 just after booking it.
func (tx *Tx) kpiPaymentAdd(id string, sign int64) error {
	r, err := tx.kpiPaymentRoll(id, sign)
	if err != nil {
		return err
	}
	return tx.kpiPaymentWrite(r)
}

// kpiPaymentRoll is sign × payment id's contribution as it stands now, to write later
// (voiding reads it before the payment changes and writes it after its audit entries,
// so that, like a booking, it takes the audit chain before the rollup rows).
func (tx *Tx) kpiPaymentRoll(id string, sign int64) (payRoll, error) {
	var facts []paidFact
	if err := tx.Select(&facts, `SELECT `+paidFactCols+` FROM payments p JOIN requests r ON r.id = p.request_id
		WHERE p.id = ? AND p.paid_on IS NOT NULL AND p.status IN (`+collectedStatuses+`)`, id); err != nil {
		return nil, err
	}
	r := payRoll{}
	for _, f := range facts {
		r.add(f, sign)
	}
	return r, nil
}

// paidSums sums the booked payments of [from, to] (all of them when from is zero) per day
// and place, by the database, into the rollup rows they make.
func (tx *Tx) paidSums(from, to markaz.Date) (payRoll, error) {
	w := &where{}
	if !from.IsZero() {
		w.add(`p.paid_on >= ? AND p.paid_on <= ?`, from, to)
	}
	w.add(`p.paid_on IS NOT NULL AND p.status IN (` + collectedStatuses + `)`)
	var sums []struct {
		paidFact
		payVal
	}
	if err := tx.Select(&sums, `SELECT p.paid_on, r.service_code, p.gov_code, p.unit_code, p.center_id, r.channel,
		SUM(CASE WHEN p.method = 'cash' THEN 1 ELSE 0 END) AS cash_count,
		COALESCE(SUM(CASE WHEN p.method = 'cash' THEN p.received_piasters ELSE 0 END), 0) AS cash_piasters,
		SUM(CASE WHEN p.method <> 'cash' THEN 1 ELSE 0 END) AS electronic_count,
		COALESCE(SUM(CASE WHEN p.method <> 'cash' THEN p.received_piasters ELSE 0 END), 0) AS electronic_piasters
		FROM payments p JOIN requests r ON r.id = p.request_id`+w.String()+`
		GROUP BY p.paid_on, r.service_code, p.gov_code, p.unit_code, p.center_id, r.channel`, w.args...); err != nil {
		return nil, err
	}
	out := payRoll{}
	for _, f := range sums {
		out.addVal(f.paidFact, f.payVal)
	}
	return out, nil
}

// rebuildPaymentRollup recomputes kpi_payments from the payments.
func (tx *Tx) rebuildPaymentRollup() error {
	if _, err := tx.Exec(`DELETE FROM kpi_payments`); err != nil {
		return err
	}
	r, err := tx.paidSums(markaz.Date{}, markaz.Date{})
	if err != nil {
		return err
	}
	return tx.kpiPaymentWrite(r)
}

// verifyPaymentRollup recomputes the day rows of [from, to] and the month rows of the
// months it touches from the payments, and lists every row where kpi_payments differs
// (empty when they agree).
func (tx *Tx) verifyPaymentRollup(from, to markaz.Date) ([]string, error) {
	first, last := monthStart(from), monthStart(to)
	end := last.AddDays(40)
	end = markaz.Date{Y: end.Y, M: end.M, D: 1}.AddDays(-1) // the last day of to's month
	// Summed per day and place by the database, so memory holds rows, not payments.
	want, err := tx.paidSums(first, end)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		rollRow
		payVal
	}
	if err := tx.Select(&rows, `SELECT grain, scope, service_code, gov_code, period, unit_code, center_id, channel,
		cash_count, cash_piasters, electronic_count, electronic_piasters FROM kpi_payments
		WHERE grain = ? AND period >= ? AND period <= ? OR grain = ? AND period >= ? AND period <= ?`,
		grainDay, from, to, grainMonth, first, last); err != nil {
		return nil, err
	}
	got := payRoll{}
	for _, r := range rows {
		got[r.key(-1)] = r.payVal
	}
	for k := range want { // the day rows outside [from, to] were summed for their months only
		if k.Grain == grainDay && (k.Period.Before(from) || to.Before(k.Period)) {
			delete(want, k)
		}
	}
	var out []string
	for _, k := range unionKeys(want, got) {
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("kpi_payments %s: rollup has %s, payments have %s", k.label(), got[k], want[k]))
		}
	}
	return out, nil
}

// kpiPaid sums kpi_payments for f over [from, to] per group of f, into parts.
func (tx *Tx) kpiPaid(f kpiFilter, from, to markaz.Date, parts func(g string) *kpi.Parts) error {
	g := f.groupExpr()
	for _, s := range segments(from, to) {
		w := f.where(s.grain, s.from, s.to)
		var rows []struct {
			Group      string `db:"g"`
			Cash       int64  `db:"cash"`
			Electronic int64  `db:"electronic"`
		}
		if err := tx.Select(&rows, `SELECT `+g+` AS g, COALESCE(SUM(cash_piasters), 0) AS cash,
			COALESCE(SUM(electronic_piasters), 0) AS electronic FROM kpi_payments`+w.String()+f.groupByExpr(g),
			w.args...); err != nil {
			return err
		}
		for _, r := range rows {
			if r.Cash != 0 || r.Electronic != 0 {
				p := parts(r.Group)
				p.PaidCash += r.Cash
				p.PaidElectronic += r.Electronic
			}
		}
	}
	return nil
}
