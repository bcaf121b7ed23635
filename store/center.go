package store

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"markaz"
)

const centerCols = `id, code, kind, name_ar, name_en, gov_code, unit_code, address, latitude, longitude,
	opens_at, closes_at, weekly_rest, dev_status, completed_on, completed_fy, mobile_status, vehicle_plate,
	delivered_on, delivery_due_fy, retired_on, retire_reason, version, created_at, updated_at`

// centerRowSelect reads centers (alias c) with the names of their territory.
var centerRowSelect = `SELECT c.` + regexp.MustCompile(`,\s*`).ReplaceAllString(centerCols, ", c.") + `,
	g.name_ar AS gov_name_ar, g.name_en AS gov_name_en, g.weekly_rest AS gov_weekly_rest,
	u.name_ar AS unit_name_ar, u.name_en AS unit_name_en
	FROM centers c JOIN governorates g ON g.code = c.gov_code JOIN units u ON u.code = c.unit_code`

// CenterRow is a center with the names of its governorate and district/city, as lists
// and the center's page show it.
type CenterRow struct {
	markaz.Center
	GovNameAr  string `json:"governorate_name_ar" db:"gov_name_ar"`
	GovNameEn  string `json:"governorate_name_en" db:"gov_name_en"`
	GovRest    string `json:"governorate_weekly_rest" db:"gov_weekly_rest"` // applies when WeeklyRest is empty
	UnitNameAr string `json:"unit_name_ar" db:"unit_name_ar"`
	UnitNameEn string `json:"unit_name_en" db:"unit_name_en"`
}

// CenterFilter selects centers for a list. Scope is where the reader may look; the
// other fields narrow it. Rows come by governorate, then code, after the key After.
type CenterFilter struct {
	Scope          markaz.Scope
	Gov            string
	Unit           string
	Kind           string
	DevStatus      string
	MobileStatus   string
	Query          string // each word matched against the code and names of the center, its district/city and governorate, Arabic-folded
	IncludeRetired bool
	After          *CenterKey
	Limit          int
}

// CenterKey is a center's place in list order: its governorate, then its code.
type CenterKey struct{ Gov, Code string }

// CenterList is one page of a center list: its rows, how many centers match in all,
// and the key to continue after (nil on the last page).
type CenterList struct {
	Rows  []CenterRow
	Total int
	Next  *CenterKey
}

// centerGovFold folds a governorate's names in SQL as markaz.NormalizeSearch folds the
// query (alef forms, ta marbuta, alef maqsura, Latin case). Governorates come from the
// reference data and are never renamed, so they carry no stored search key.
const centerGovFold = `LOWER(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(g.name_ar || ' ' || g.name_en,
	'أ', 'ا'), 'إ', 'ا'), 'آ', 'ا'), 'ٱ', 'ا'), 'ة', 'ه'), 'ى', 'ي'))`

// Centers lists one page of the centers f selects. A governorate or district/city
// filter that does not exist is a field error; one that lies wholly outside the scope
// is forbidden.
func (db *DB) Centers(ctx context.Context, f CenterFilter) (CenterList, error) {
	if f.Limit < 1 {
		f.Limit = 50
	}
	var out CenterList
	err := db.Read(ctx, func(tx *Tx) error {
		if err := tx.checkCenterFilter(f); err != nil {
			return err
		}
		w := centerWhere(f)
		if err := tx.Get(&out.Total, `SELECT COUNT(*) FROM centers c JOIN governorates g ON g.code = c.gov_code
			JOIN units u ON u.code = c.unit_code`+w.String(), w.args...); err != nil {
			return err
		}
		if f.After != nil {
			w.add("(c.gov_code > ? OR c.gov_code = ? AND c.code > ?)", f.After.Gov, f.After.Gov, f.After.Code)
		}
		return tx.Select(&out.Rows, centerRowSelect+w.String()+" ORDER BY c.gov_code, c.code LIMIT ?", append(w.args, f.Limit+1)...)
	})
	if err != nil {
		return CenterList{}, err
	}
	if len(out.Rows) > f.Limit {
		out.Rows = out.Rows[:f.Limit]
		last := out.Rows[f.Limit-1]
		out.Next = &CenterKey{Gov: last.GovCode, Code: last.Code}
	}
	if out.Rows == nil {
		out.Rows = []CenterRow{}
	}
	return out, nil
}

// centerWhere is the condition of a center list, without its paging.
func centerWhere(f CenterFilter) *where {
	var w where
	w.scope(f.Scope, "c.gov_code", "c.unit_code", "c.id")
	for _, eq := range []struct{ col, val string }{{"c.gov_code", f.Gov}, {"c.unit_code", f.Unit},
		{"c.kind", f.Kind}, {"c.dev_status", f.DevStatus}, {"c.mobile_status", f.MobileStatus}} {
		if eq.val != "" {
			w.add(eq.col+" = ?", eq.val)
		}
	}
	for _, word := range strings.Fields(markaz.NormalizeSearch(f.Query)) {
		like := "%" + centerLikeEscaper.Replace(word) + "%"
		w.add(`(c.search_key LIKE ? ESCAPE '\' OR u.search_key LIKE ? ESCAPE '\' OR `+centerGovFold+` LIKE ? ESCAPE '\')`,
			like, like, like)
	}
	if !f.IncludeRetired {
		w.add("c.retired_on IS NULL")
	}
	return &w
}

var centerLikeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// checkCenterFilter refuses territory filters that name nothing (422) or nothing the
// scope reaches (403).
func (tx *Tx) checkCenterFilter(f CenterFilter) error {
	if f.Gov != "" {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ?`, f.Gov); err != nil {
			return err
		}
		if n == 0 {
			return centerFieldErr("governorate", "unknown_governorate")
		}
		ok, err := tx.centerScopeReaches(f.Scope, "gov_code", f.Gov, markaz.Ref{Gov: f.Gov}, func(u string) bool {
			return strings.HasPrefix(u, f.Gov+"-")
		})
		if err != nil || !ok {
			return centerForbiddenOr(err)
		}
	}
	if f.Unit != "" {
		var u markaz.Unit
		if err := getUnit(tx, f.Unit, &u); err != nil {
			return centerFieldErr("unit", "unknown_unit")
		}
		ok, err := tx.centerScopeReaches(f.Scope, "unit_code", f.Unit, markaz.Ref{Gov: u.GovCode, Unit: u.Code}, nil)
		if err != nil || !ok {
			return centerForbiddenOr(err)
		}
	}
	return nil
}

// centerScopeReaches reports whether scope s reaches anything inside the territory ref: the
// territory itself, a district/city inside it (inUnit), or one of its centers (col = val).
func (tx *Tx) centerScopeReaches(s markaz.Scope, col, val string, ref markaz.Ref, inUnit func(string) bool) (bool, error) {
	if s.Contains(ref) || inUnit != nil && slices.ContainsFunc(s.Units, inUnit) {
		return true, nil
	}
	if len(s.Centers) == 0 {
		return false, nil
	}
	var w where
	w.add(col+" = ?", val)
	w.scope(markaz.Scope{Centers: s.Centers}, "", "", "id")
	var n int
	err := tx.Get(&n, `SELECT COUNT(*) FROM centers`+w.String(), w.args...)
	return n > 0, err
}

func centerForbiddenOr(err error) error {
	if err != nil {
		return err
	}
	return markaz.ErrForbidden
}

func centerFieldErr(field, code string) error {
	var v markaz.Validator
	v.Add(field, code, nil)
	return v.Err()
}

// ScopeUnits lists the districts/cities in service that scope s reaches, wholly or
// through one of their centers, ordered by governorate and code: the choices of a
// territory filter or of a center's district/city.
func (db *DB) ScopeUnits(ctx context.Context, s markaz.Scope) ([]markaz.Unit, error) {
	var out []markaz.Unit
	err := db.Read(ctx, func(tx *Tx) error {
		var w where
		w.add("retired_on IS NULL")
		if !s.All {
			units := slices.Clone(s.Units)
			if len(s.Centers) > 0 {
				var cw where
				cw.scope(markaz.Scope{Centers: s.Centers}, "", "", "id")
				var more []string
				if err := tx.Select(&more, `SELECT DISTINCT unit_code FROM centers`+cw.String(), cw.args...); err != nil {
					return err
				}
				units = append(units, more...)
			}
			w.scope(markaz.Scope{Govs: s.Govs, Units: units}, "gov_code", "code", "")
		}
		return tx.Select(&out, `SELECT code, gov_code, name_ar, name_en, unit_type, retired_on FROM units`+
			w.String()+` ORDER BY gov_code, code`, w.args...)
	})
	return out, err
}

// Center returns the center with the given id or code, if it lies inside scope s:
// not found when there is none, forbidden when it lies elsewhere.
func (db *DB) Center(ctx context.Context, s markaz.Scope, idOrCode string) (*CenterRow, error) {
	var c *CenterRow
	err := db.Read(ctx, func(tx *Tx) error {
		var err error
		c, err = tx.findCenter(idOrCode)
		if err == nil && !s.Contains(c.Ref()) {
			err = markaz.ErrForbidden
		}
		return err
	})
	return c, err
}

// findCenter loads a center with its territory names by id or by code.
func (tx *Tx) findCenter(idOrCode string) (*CenterRow, error) {
	code := strings.ToUpper(strings.TrimSpace(markaz.LatinDigits(idOrCode)))
	var c CenterRow
	if err := tx.Get(&c, centerRowSelect+` WHERE c.id = ? OR c.code = ?`, idOrCode, code); err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateCenter validates a new center, checks that its district/city lies inside the
// writer's scope s and that its code is free, stores it and audits it. input (nil for
// none) holds the problems already found reading the request; they are reported
// together with the center's own, and any of them stops the change.
func (tx *Tx) CreateCenter(actor Actor, s markaz.Scope, c *markaz.Center, input *markaz.Validator) (*CenterRow, error) {
	c.ID, c.RetiredOn, c.RetireReason = "", markaz.Date{}, ""
	if err := tx.checkCenter(s, c, input); err != nil {
		return nil, err
	}
	if err := tx.insertCenter(actor, c); err != nil {
		return nil, err
	}
	return tx.findCenter(c.ID)
}

// UpdateCenter replaces the editable fields of the center id with those of c, whose
// Version must be the one stored (else a stale conflict). Both the old and the new
// territory must lie inside the writer's scope s; a retired center cannot change.
// input is as for CreateCenter.
func (tx *Tx) UpdateCenter(actor Actor, s markaz.Scope, id string, c *markaz.Center, input *markaz.Validator) (*CenterRow, error) {
	v := centerInput(input)
	if c.Version < 1 && !v.Has("version") {
		v.Add("version", "required", nil)
	}
	old, err := tx.writableCenter(s, id, c.Version) // no version: reported with the rest
	if err != nil {
		return nil, err
	}
	c.ID, c.CreatedAt, c.RetiredOn, c.RetireReason = old.ID, old.CreatedAt, markaz.Date{}, ""
	if err := tx.checkCenter(s, c, v); err != nil {
		return nil, err
	}
	c.Version, c.UpdatedAt = old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE centers SET code = ?, kind = ?, name_ar = ?, name_en = ?, search_key = ?,
		gov_code = ?, unit_code = ?, address = ?, latitude = ?, longitude = ?, opens_at = ?, closes_at = ?,
		weekly_rest = ?, dev_status = ?, completed_on = ?, completed_fy = ?, mobile_status = ?,
		vehicle_plate = ?, delivered_on = ?, delivery_due_fy = ?, version = ?, updated_at = ?
		WHERE id = ? AND version = ?`,
		c.Code, c.Kind, c.NameAr, c.NameEn, centerSearchKey(c), c.GovCode, c.UnitCode, c.Address, c.Lat, c.Lng,
		c.Opens, c.Closes, c.WeeklyRest, c.DevStatus, c.CompletedOn, c.CompletedFY, c.MobileStatus,
		c.VehiclePlate, c.DeliveredOn, c.DeliveryDueFY, c.Version, c.UpdatedAt, c.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	// Assignments at this center carry its governorate and district for scope checks:
	// they move with it, or the old governorate's supervisor would keep power over its staff.
	if c.GovCode != old.GovCode || c.UnitCode != old.UnitCode {
		if _, err := tx.Exec(`UPDATE assignments SET gov_code = ?, unit_code = ? WHERE level = ? AND center_id = ?`,
			c.GovCode, c.UnitCode, markaz.LevelCenter, c.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.Audit(actor, "center.update", "center", c.ID, c.Ref(), &old.Center, c); err != nil {
		return nil, err
	}
	// Its own rest days, or a move to another governorate, change the center's calendar.
	if c.WeeklyRest != old.WeeklyRest || c.GovCode != old.GovCode {
		if err := tx.calendarChanged(CalendarChange{Gov: c.GovCode, Center: c.ID, From: tx.Today()}); err != nil {
			return nil, err
		}
	}
	return tx.findCenter(c.ID)
}

// RetireCenter takes the center id out of service on day on (today when zero) for
// reason, if it lies inside the writer's scope s, and audits it. input is as for
// CreateCenter.
func (tx *Tx) RetireCenter(actor Actor, s markaz.Scope, id string, on markaz.Date, reason string, input *markaz.Validator) (*CenterRow, error) {
	old, err := tx.writableCenter(s, id, 0)
	if err != nil {
		return nil, err
	}
	v := centerInput(input)
	c := old.Center
	if err := v.Merge(c.Retire(on, reason, tx.Today()), nil); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c.Version, c.UpdatedAt = old.Version+1, tx.Now
	res, err := tx.Exec(`UPDATE centers SET retired_on = ?, retire_reason = ?, mobile_status = ?, version = ?,
		updated_at = ? WHERE id = ? AND version = ?`,
		c.RetiredOn, c.RetireReason, c.MobileStatus, c.Version, c.UpdatedAt, c.ID, old.Version)
	if err := centerStaleIfNone(res, err); err != nil {
		return nil, err
	}
	if err := tx.Audit(actor, "center.retire", "center", c.ID, c.Ref(), &old.Center, &c); err != nil {
		return nil, err
	}
	return tx.findCenter(c.ID)
}

// writableCenter loads a center for a change: forbidden outside scope s, a conflict
// when it is retired or (version > 0) when its version differs.
func (tx *Tx) writableCenter(s markaz.Scope, id string, version int) (*CenterRow, error) {
	old, err := tx.findCenter(id)
	switch {
	case err != nil:
		return nil, err
	case !s.Contains(old.Ref()):
		return nil, markaz.ErrForbidden
	case !old.RetiredOn.IsZero():
		return nil, &markaz.Error{Code: markaz.EConflict, Key: "centers.error.retired"}
	case version > 0 && version != old.Version:
		return nil, errCenterStale
	}
	return old, nil
}

var errCenterStale = &markaz.Error{Code: markaz.EConflict, Key: "error.stale"}

func centerStaleIfNone(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errCenterStale
	}
	return nil
}

// checkCenter validates c and places it in its district/city, reporting every field
// problem at once, input's among them; a district/city outside scope s is forbidden
// whatever else is wrong. A mobile unit may not be given the retired status here:
// RetireCenter does that.
func (tx *Tx) checkCenter(s markaz.Scope, c *markaz.Center, input *markaz.Validator) error {
	v := centerInput(input)
	c.Check(v, tx.Today())
	if c.Kind == markaz.KindMobile && c.MobileStatus == markaz.MobileRetired && c.RetiredOn.IsZero() && !v.Has("mobile_status") {
		// In the registry a unit leaves service by being retired, with a date and reason.
		v.Add("mobile_status", "retire_instead", nil)
	}
	if c.UnitCode != "" {
		perr := tx.placeCenter(c)
		if perr == nil && !s.Contains(markaz.Ref{Gov: c.GovCode, Unit: c.UnitCode}) {
			return markaz.ErrForbidden
		}
		if err := v.Merge(perr, nil); err != nil {
			return err
		}
	}
	if !v.Has("code") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM centers WHERE code = ? AND id <> ?`, c.Code, c.ID); err != nil {
			return err
		}
		if n > 0 {
			v.Add("code", "taken", nil)
		}
	}
	return v.Err()
}

// centerInput is the validator a change collects its problems in: the caller's, or a new one.
func centerInput(input *markaz.Validator) *markaz.Validator {
	if input == nil {
		return &markaz.Validator{}
	}
	return input
}

// InsertCenter stores a validated center after checking its district/city exists and
// is not retired (which also fixes its governorate), and audits it.
func (tx *Tx) InsertCenter(actor Actor, c *markaz.Center) error {
	if err := tx.placeCenter(c); err != nil {
		return err
	}
	return tx.insertCenter(actor, c)
}

// insertCenter stores a validated, placed center and audits it.
func (tx *Tx) insertCenter(actor Actor, c *markaz.Center) error {
	if c.ID == "" {
		c.ID = markaz.NewID()
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, tx.Now, tx.Now
	if _, err := tx.Exec(`INSERT INTO centers (`+centerCols+`, search_key)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Code, c.Kind, c.NameAr, c.NameEn, c.GovCode, c.UnitCode, c.Address, c.Lat, c.Lng,
		c.Opens, c.Closes, c.WeeklyRest, c.DevStatus, c.CompletedOn, c.CompletedFY, c.MobileStatus, c.VehiclePlate,
		c.DeliveredOn, c.DeliveryDueFY, c.RetiredOn, c.RetireReason, c.Version, c.CreatedAt, c.UpdatedAt,
		centerSearchKey(c)); err != nil {
		return err
	}
	return tx.Audit(actor, "center.create", "center", c.ID, c.Ref(), nil, c)
}

func centerSearchKey(c *markaz.Center) string { return searchKey(c.Code, c.NameAr, c.NameEn) }

// placeCenter sets the center's governorate from its district/city, refusing unknown or
// retired units with a field error.
func (tx *Tx) placeCenter(c *markaz.Center) error {
	var u markaz.Unit
	if err := getUnit(tx, c.UnitCode, &u); err != nil || !u.RetiredOn.IsZero() {
		return centerFieldErr("unit", "unknown_unit")
	}
	c.GovCode = u.GovCode
	return nil
}

// GetCenter loads one center by id.
func (tx *Tx) GetCenter(id string) (*markaz.Center, error) {
	var c markaz.Center
	if err := tx.Get(&c, `SELECT `+centerCols+` FROM centers WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &c, nil
}

// GetCenterByCode loads one center by its code.
func (tx *Tx) GetCenterByCode(code string) (*markaz.Center, error) {
	var c markaz.Center
	if err := tx.Get(&c, `SELECT `+centerCols+` FROM centers WHERE code = ?`, code); err != nil {
		return nil, err
	}
	return &c, nil
}
