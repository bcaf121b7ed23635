package store

// Working-day calendar: holidays and weekly rest days per authority, and DueDate, the one
// function every due date is computed with. An authority is the nation (rest Friday and
// Saturday), a governorate (governorates.weekly_rest, its own holidays on top of the
// national ones) or a center (centers.weekly_rest, '' meaning its governorate's; its own
// holidays on top of its governorate's and the national ones). A request's calendar is
// its center's.

import (
	"fmt"
	"strings"
	"time"

	"markaz"
	"markaz/calendar"
)

// CalendarChange says which due dates a change to the calendar may move: those of the
// requests at centers of the authority — the center Center, else the governorate Gov,
// else every center (a national change) — that run through From or later.
type CalendarChange struct {
	Gov    string
	Center string
	From   markaz.Date
}

// calendarHooks run inside the transaction of every calendar change.
var calendarHooks []func(tx *Tx, ch CalendarChange) error

// OnCalendarChange registers fn to run inside the transaction of every change to the
// calendar (a holiday added, imported or retired; a governorate's or a center's weekly
// rest changed; a center moved to another governorate),
// so that the due dates of open requests can be recomputed with DueDate and the move
// recorded on each in the same transaction. Register at start-up (init), not concurrently.
func OnCalendarChange(fn func(tx *Tx, ch CalendarChange) error) {
	calendarHooks = append(calendarHooks, fn)
}

func (tx *Tx) calendarChanged(ch CalendarChange) error {
	clear(tx.cals)
	for _, fn := range calendarHooks {
		if err := fn(tx, ch); err != nil {
			return err
		}
	}
	return nil
}

// CalendarFor loads the calendar of an authority: a center (centerID, whose governorate
// gov must be when both are given), a governorate (gov) or the nation (both empty). An
// unknown center or governorate is a validation error on the field "center" or
// "governorate".
//
// A calendar is loaded once per transaction and authority (a job recomputing many due
// dates reads the holidays once); a calendar change in the transaction forgets them.
// Nothing is kept across transactions, so every instance sees every change at once.
func (tx *Tx) CalendarFor(gov, centerID string) (*calendar.Calendar, error) {
	key := [2]string{gov, centerID}
	if c, ok := tx.cals[key]; ok {
		return c, nil
	}
	rest, gov, err := tx.weeklyRest(gov, centerID)
	if err != nil {
		return nil, err
	}
	var dates []markaz.Date
	if err := tx.Select(&dates, `SELECT date FROM holidays WHERE retired_at IS NULL
		AND (gov_code = '' OR gov_code = ? AND center_id IN ('', ?))`, gov, centerID); err != nil {
		return nil, err
	}
	c, err := calendar.Parse(rest, dates)
	if err != nil {
		return nil, err
	}
	if tx.cals == nil {
		tx.cals = map[[2]string]*calendar.Calendar{}
	}
	tx.cals[key] = c
	return c, nil
}

// weeklyRest returns the rest days in force for an authority and its governorate.
func (tx *Tx) weeklyRest(gov, centerID string) (rest, govCode string, err error) {
	var v markaz.Validator
	switch {
	case centerID != "":
		var c struct {
			Gov     string `db:"gov_code"`
			Rest    string `db:"weekly_rest"`
			GovRest string `db:"gov_rest"`
		}
		err := tx.Get(&c, `SELECT c.gov_code, c.weekly_rest, g.weekly_rest AS gov_rest
			FROM centers c JOIN governorates g ON g.code = c.gov_code WHERE c.id = ?`, centerID)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			v.Add("center", "unknown_center", nil)
		case err != nil:
			return "", "", err
		case gov != "" && gov != c.Gov:
			v.Add("center", "center_not_in_governorate", nil)
		case c.Rest != "":
			return c.Rest, c.Gov, nil
		default:
			return c.GovRest, c.Gov, nil
		}
	case gov != "":
		err := tx.Get(&rest, `SELECT weekly_rest FROM governorates WHERE code = ?`, gov)
		if markaz.ErrorCode(err) != markaz.ENotFound {
			return rest, gov, err
		}
		v.Add("governorate", "unknown_governorate", nil)
	default:
		return calendar.NationalRest, "", nil
	}
	return "", "", v.Err()
}

// DueDate is the one due-date function: the workingDays-th working day after from in the
// calendar of the authority (see CalendarFor), counting from the first working day after
// from. It reads the calendar as it is now, so calling it again after a holiday was added
// or retired recomputes a due date (see OnCalendarChange). Bad input is a validation
// error naming from, working_days, governorate or center — all of them at once.
func (tx *Tx) DueDate(gov, centerID string, from markaz.Date, workingDays int) (markaz.Date, error) {
	var v markaz.Validator
	if from.IsZero() {
		v.Add("from", "required", nil)
	}
	calendar.CheckWorkingDays(&v, "working_days", workingDays)
	cal, err := tx.CalendarFor(gov, centerID)
	if err := v.Merge(err, nil); err != nil {
		return markaz.Date{}, err
	}
	if err := v.Err(); err != nil {
		return markaz.Date{}, err
	}
	return cal.AddWorkingDays(from, workingDays), nil
}

// HolidayFilter narrows a listing of holidays.
type HolidayFilter struct {
	Year        int    // calendar year (1 January – 31 December)
	Gov         string // "" for every holiday; a code for those in force there (national and its own)
	Center      string // a center id for those in force there (national, its governorate's, its own)
	WithRetired bool
	AfterDate   markaz.Date // keyset cursor: holidays after (AfterDate, AfterID)
	AfterID     string
	Limit       int
}

const holidayCols = `id, date, name_ar, name_en, gov_code, center_id, created_by, created_at, retired_at, retired_by, retire_reason`

// ListHolidays returns the holidays of a year in date order.
func (tx *Tx) ListHolidays(f HolidayFilter) ([]calendar.Holiday, error) {
	var w where
	w.add("date >= ? AND date <= ?", markaz.Date{Y: f.Year, M: time.January, D: 1}, markaz.Date{Y: f.Year, M: time.December, D: 31})
	switch {
	case f.Center != "":
		w.add("(gov_code = '' OR gov_code = (SELECT gov_code FROM centers WHERE id = ?) AND center_id IN ('', ?))", f.Center, f.Center)
	case f.Gov != "":
		w.add("gov_code IN ('', ?) AND center_id = ''", f.Gov)
	}
	if !f.WithRetired {
		w.add("retired_at IS NULL")
	}
	if !f.AfterDate.IsZero() {
		w.add("(date > ? OR (date = ? AND id > ?))", f.AfterDate, f.AfterDate, f.AfterID)
	}
	out := []calendar.Holiday{}
	err := tx.Select(&out, `SELECT `+holidayCols+` FROM holidays`+w.String()+fmt.Sprintf(" ORDER BY date, id LIMIT %d", clampLimit(f.Limit)), w.args...)
	return out, err
}

// GetHoliday loads one holiday, or ErrNotFound.
func (tx *Tx) GetHoliday(id string) (*calendar.Holiday, error) {
	var h calendar.Holiday
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	if err := tx.Get(&h, `SELECT `+holidayCols+` FROM holidays WHERE id = ?`+tx.ForUpdate(), id); err != nil {
		return nil, err
	}
	return &h, nil
}

// holidayEditable reports whether scope reaches the holidays of h's authority: national
// ones need a national scope, a governorate's one that covers it, a center's one that
// covers the center.
func (tx *Tx) holidayEditable(scope markaz.Scope, h *calendar.Holiday) (bool, error) {
	switch {
	case h.CenterID != "":
		c, err := tx.GetCenter(h.CenterID)
		if err != nil {
			return false, err
		}
		return scope.Contains(c.Ref()), nil
	case h.GovCode != "":
		return scope.ContainsGov(h.GovCode), nil
	}
	return scope.All, nil
}

// checkHoliday validates h and its authority for a writer of scope: a governorate or
// center problem, or an authority outside scope, comes back on field governorate or
// center (outside_scope), so that an import reports it per row; the caller turns
// outside_scope into 403 for single changes. A center may be given by id or code; h
// then holds its id and its governorate.
func (tx *Tx) checkHoliday(v *markaz.Validator, scope markaz.Scope, h *calendar.Holiday) error {
	h.Check(v, tx.Today())
	switch {
	case h.CenterID != "":
		c, err := tx.findCenter(h.CenterID)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			v.Add("center", "unknown_center", nil)
		case err != nil:
			return err
		case h.GovCode != "" && h.GovCode != c.GovCode:
			v.Add("center", "center_not_in_governorate", nil)
		case !scope.Contains(c.Ref()):
			v.Add("center", "outside_scope", nil)
		default:
			h.CenterID, h.GovCode = c.ID, c.GovCode
		}
	case h.GovCode == "":
		if !scope.All {
			v.Add("governorate", "outside_scope", nil)
		}
	default:
		var code string
		err := tx.Get(&code, `SELECT code FROM governorates WHERE code = ?`, h.GovCode)
		switch {
		case markaz.ErrorCode(err) == markaz.ENotFound:
			v.Add("governorate", "unknown_governorate", nil)
		case err != nil:
			return err
		case !scope.ContainsGov(code):
			v.Add("governorate", "outside_scope", nil)
		}
	}
	return nil
}

// holidayTaken reports whether the authority already has a holiday in use on the date.
func (tx *Tx) holidayTaken(h *calendar.Holiday) (bool, error) {
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM holidays WHERE gov_code = ? AND center_id = ? AND date = ?
		AND retired_at IS NULL`, h.GovCode, h.CenterID, h.Date)
	return n > 0, err
}

// insertHoliday writes a checked holiday, audits it and tells the hooks.
func (tx *Tx) insertHoliday(actor Actor, h *calendar.Holiday) error {
	h.ID, h.CreatedBy, h.CreatedAt, h.RetiredAt = markaz.NewID(), actor.UserID, tx.Now, nil
	if _, err := tx.Exec(`INSERT INTO holidays (id, date, name_ar, name_en, gov_code, center_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, h.ID, h.Date, h.NameAr, h.NameEn, h.GovCode, h.CenterID, h.CreatedBy,
		h.CreatedAt); err != nil {
		return err
	}
	if err := tx.Audit(actor, "holiday.create", "holiday", h.ID, h.Ref(), nil, h); err != nil {
		return err
	}
	return tx.calendarChanged(holidayChange(h))
}

// holidayChange is the calendar change of adding or retiring h.
func holidayChange(h *calendar.Holiday) CalendarChange {
	return CalendarChange{Gov: h.GovCode, Center: h.CenterID, From: h.Date}
}

// InsertHoliday adds a holiday for a writer of scope (PermPolicyWrite): national ones
// need a national scope, a governorate's or a center's one that covers it (403
// otherwise). A date that is already a holiday in use of the same authority is a
// problem of field date.
func (tx *Tx) InsertHoliday(actor Actor, scope markaz.Scope, h *calendar.Holiday) error {
	var v markaz.Validator
	if err := tx.checkHoliday(&v, scope, h); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		if fieldCode(err, "governorate") == "outside_scope" || fieldCode(err, "center") == "outside_scope" {
			return markaz.ErrForbidden
		}
		return err
	}
	taken, err := tx.holidayTaken(h)
	if err != nil {
		return err
	}
	if taken {
		v.Add("date", "holiday_taken", nil)
		return v.Err()
	}
	return tx.insertHoliday(actor, h)
}

// fieldCode returns the code of field's first problem in a validation error.
func fieldCode(err error, field string) string {
	if e, ok := err.(*markaz.Error); ok {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Code
			}
		}
	}
	return ""
}

// RetireHoliday takes a holiday out of use (it stays, with who retired it, when and why):
// 404 for no such holiday, 403 outside scope, 409 when it is retired already.
func (tx *Tx) RetireHoliday(actor Actor, scope markaz.Scope, id, reason string) (*calendar.Holiday, error) {
	before, err := tx.GetHoliday(id)
	if err != nil {
		return nil, err
	}
	if ok, err := tx.holidayEditable(scope, before); err != nil || !ok {
		if err == nil {
			err = markaz.ErrForbidden
		}
		return nil, err
	}
	if before.RetiredAt != nil {
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "calendar.already_retired"}
	}
	reason = strings.TrimSpace(reason)
	var v markaz.Validator
	v.Text("reason", reason, 300, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	after := *before
	now := tx.Now
	after.RetiredAt, after.RetiredBy, after.RetireReason = &now, actor.UserID, reason
	if _, err := tx.Exec(`UPDATE holidays SET retired_at = ?, retired_by = ?, retire_reason = ? WHERE id = ?`,
		now, after.RetiredBy, reason, id); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "holiday.retire", "holiday", id, after.Ref(), before, after); err != nil {
		return nil, err
	}
	return &after, tx.calendarChanged(holidayChange(&after))
}

// HolidayRow is one row of a holiday import; Row is its line, the header being 1.
// Date is as typed; a date that does not parse is reported on the row. Center, when
// given, is a center's code or id.
type HolidayRow struct {
	Row                  int
	Date, NameAr, NameEn string
	Gov, Center          string
}

// ImportHolidays adds the holidays of an import, all or nothing: when any row has a
// problem (including an authority outside scope) nothing is written and the problems
// come back, one per field of each bad row. A date that is already a holiday in use of
// its authority, or repeats an earlier row, is skipped, not duplicated.
func (tx *Tx) ImportHolidays(actor Actor, scope markaz.Scope, rows []HolidayRow) (created []calendar.Holiday, skipped int, problems []RowError, err error) {
	hs := make([]calendar.Holiday, len(rows))
	for i, r := range rows {
		var v markaz.Validator
		h := calendar.Holiday{NameAr: r.NameAr, NameEn: r.NameEn, GovCode: r.Gov, CenterID: r.Center}
		if s := strings.TrimSpace(r.Date); s != "" {
			if h.Date, err = markaz.ParseDate(s); err != nil {
				v.Add("date", "date_format", nil)
			}
		}
		if err := tx.checkHoliday(&v, scope, &h); err != nil {
			return nil, 0, nil, err
		}
		if e, ok := v.Err().(*markaz.Error); ok {
			for _, f := range e.Fields {
				problems = append(problems, RowError{Row: r.Row, FieldError: f})
			}
		}
		hs[i] = h
	}
	if problems != nil {
		return nil, 0, problems, nil
	}
	seen := map[CalendarChange]bool{}
	for i := range hs {
		h := &hs[i]
		key := holidayChange(h)
		taken, err := tx.holidayTaken(h)
		if err != nil {
			return nil, 0, nil, err
		}
		if taken || seen[key] {
			skipped++
			continue
		}
		seen[key] = true
		if err := tx.insertHoliday(actor, h); err != nil {
			return nil, 0, nil, err
		}
		created = append(created, *h)
	}
	return created, skipped, nil, nil
}

// GovRest is a governorate with its weekly rest days.
type GovRest struct {
	Code       string `json:"code" db:"code"`
	NameAr     string `json:"name_ar" db:"name_ar"`
	NameEn     string `json:"name_en" db:"name_en"`
	WeeklyRest string `json:"weekly_rest" db:"weekly_rest"`
}

// GovernorateRests lists every governorate with its weekly rest days, in code order.
func (tx *Tx) GovernorateRests() ([]GovRest, error) {
	out := []GovRest{}
	err := tx.Select(&out, `SELECT code, name_ar, name_en, weekly_rest FROM governorates ORDER BY code`)
	return out, err
}

// SetWeeklyRest changes a governorate's weekly rest days ("fri,sat"; at least one
// working day, at least one rest day): 404 for no such governorate, 403 outside scope.
func (tx *Tx) SetWeeklyRest(actor Actor, scope markaz.Scope, gov, rest string) (*GovRest, error) {
	var before GovRest
	if err := tx.Get(&before, `SELECT code, name_ar, name_en, weekly_rest FROM governorates WHERE code = ?`+tx.ForUpdate(), gov); err != nil {
		return nil, err
	}
	if !scope.ContainsGov(before.Code) {
		return nil, markaz.ErrForbidden
	}
	var v markaz.Validator
	after := before
	if v.Required("weekly_rest", rest) {
		_, after.WeeklyRest = calendar.ParseRest("weekly_rest", rest, &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if after.WeeklyRest == before.WeeklyRest {
		return &after, nil
	}
	if _, err := tx.Exec(`UPDATE governorates SET weekly_rest = ?, updated_at = ? WHERE code = ?`, after.WeeklyRest, tx.Now, gov); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "governorate.weekly_rest", "governorate", gov, markaz.Ref{Gov: gov},
		map[string]string{"weekly_rest": before.WeeklyRest}, map[string]string{"weekly_rest": after.WeeklyRest}); err != nil {
		return nil, err
	}
	return &after, tx.calendarChanged(CalendarChange{Gov: gov, From: tx.Today()})
}

// CenterRest is a center's weekly rest: its own (Own, "" when it keeps its governorate's)
// and the one in force (InForce).
type CenterRest struct {
	CenterID string `json:"center_id"`
	Own      string `json:"weekly_rest"`
	InForce  string `json:"weekly_rest_in_force"`
}

// SetCenterWeeklyRest changes a center's own weekly rest days ("fri,sat"; "" to keep its
// governorate's) for a writer of scope (PermPolicyWrite over the center): 404 for no such
// center, 403 outside scope. The center's open requests' due dates move with it.
func (tx *Tx) SetCenterWeeklyRest(actor Actor, scope markaz.Scope, centerID, rest string) (*CenterRest, error) {
	c, err := tx.findCenter(centerID)
	if err != nil {
		return nil, err
	}
	if !scope.Contains(c.Ref()) {
		return nil, markaz.ErrForbidden
	}
	var v markaz.Validator
	_, norm := calendar.ParseRest("weekly_rest", rest, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	out := &CenterRest{CenterID: c.ID, Own: norm, InForce: norm}
	if norm == "" {
		out.InForce = c.GovRest
	}
	if norm == c.WeeklyRest {
		return out, nil
	}
	if _, err := tx.Exec(`UPDATE centers SET weekly_rest = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		norm, tx.Now, c.ID); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "center.weekly_rest", "center", c.ID, c.Ref(),
		map[string]string{"weekly_rest": c.WeeklyRest}, map[string]string{"weekly_rest": norm}); err != nil {
		return nil, err
	}
	return out, tx.calendarChanged(CalendarChange{Gov: c.GovCode, Center: c.ID, From: tx.Today()})
}
