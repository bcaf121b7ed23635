package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"markaz"
	"markaz/catalog"
	"markaz/refdata"
)

// The service catalog: national service definitions, and their required durations and
// fees as versions that are only ever added. Reading needs no territory (the catalog is
// national); amending needs policy.write nationally, or over the governorate of a fee
// override. The store checks both inside the transaction that makes the change.

// catalogStart is the date the initial durations and fees take effect from, early enough
// for any backlog a center enters.
var catalogStart = markaz.Date{Y: 2020, M: time.January, D: 1}

// catalogLoadReason is the reason recorded on the versions the loader creates.
const catalogLoadReason = "services.csv"

// LoadCatalog inserts the embedded services (services.csv with the default documents,
// workflow, duration and illustrative fees of refdata) that the database lacks, each
// with its first duration and fee version. Services already present are left as
// administrators made them. Safe on every start and from several instances. The rows it
// adds say who and why themselves (created_by "system", reason "services.csv"); it
// writes no audit entry, so that loading the shipped catalog leaves the audit log as
// the foundation's tests expect it (every later change is audited).
func (db *DB) LoadCatalog(ctx context.Context) error {
	seeds, err := refdata.Services()
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		for _, s := range seeds {
			ok, err := tx.insertService(&s.Service)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			d := catalog.DurationVersion{ServiceCode: s.Service.Code, WorkingDays: s.WorkingDays,
				EffectiveFrom: catalogStart, Reason: catalogLoadReason}
			if err := tx.insertDuration(Actor{}, &d); err != nil {
				return err
			}
			f := catalog.FeeVersion{ServiceCode: s.Service.Code, Lines: s.Fees, TotalPiasters: catalog.Total(s.Fees),
				EffectiveFrom: catalogStart, Reason: catalogLoadReason, Illustrative: true}
			if err := tx.insertFees(Actor{}, &f); err != nil {
				return err
			}
		}
		return nil
	})
}

// serviceRow is a services row as stored.
type serviceRow struct {
	Code        string    `db:"code"`
	CategoryKey string    `db:"category_key"`
	CategoryAr  string    `db:"category_ar"`
	CategoryEn  string    `db:"category_en"`
	NameAr      string    `db:"name_ar"`
	NameEn      string    `db:"name_en"`
	FeeNote     string    `db:"fee_note"`
	Source      string    `db:"source"`
	Online      bool      `db:"online"`
	Documents   string    `db:"documents_json"`
	Steps       string    `db:"steps_json"`
	StatDays    *int      `db:"statutory_days"`
	StatExpiry  string    `db:"statutory_on_expiry"`
	Version     int       `db:"version"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

const serviceCols = `code, category_key, category_ar, category_en, name_ar, name_en, fee_note, source, online,
	documents_json, steps_json, statutory_days, statutory_on_expiry, version, created_at, updated_at`

func (r serviceRow) service() (*catalog.Service, error) {
	s := &catalog.Service{Code: r.Code, CategoryKey: r.CategoryKey, CategoryAr: r.CategoryAr, CategoryEn: r.CategoryEn,
		NameAr: r.NameAr, NameEn: r.NameEn, FeeNote: r.FeeNote, Source: r.Source, Online: r.Online,
		Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.Documents), &s.Documents); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(r.Steps), &s.Steps); err != nil {
		return nil, err
	}
	if r.StatDays != nil {
		s.Statutory = &catalog.StatutoryRule{Days: *r.StatDays, OnExpiry: r.StatExpiry}
	}
	return s, nil
}

func serviceSearchKey(s *catalog.Service) string {
	return searchKey(s.Code, s.NameAr, s.NameEn, s.CategoryAr, s.CategoryEn)
}

// insertService adds s unless its code exists, reporting whether it did.
func (tx *Tx) insertService(s *catalog.Service) (bool, error) {
	docs, _ := json.Marshal(s.Documents)
	steps, _ := json.Marshal(s.Steps)
	var days *int
	expiry := ""
	if s.Statutory != nil {
		days, expiry = &s.Statutory.Days, s.Statutory.OnExpiry
	}
	res, err := tx.Exec(`INSERT INTO services (code, category_key, category_ar, category_en, name_ar, name_en, search_key,
		fee_note, source, online, documents_json, steps_json, statutory_days, statutory_on_expiry, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (code) DO NOTHING`,
		s.Code, s.CategoryKey, s.CategoryAr, s.CategoryEn, s.NameAr, s.NameEn, serviceSearchKey(s), s.FeeNote, s.Source,
		s.Online, string(docs), string(steps), days, expiry, tx.Now, tx.Now)
	if err != nil {
		return false, err
	}
	return rowsAffected(res) == 1, nil
}

func (tx *Tx) insertDuration(a Actor, d *catalog.DurationVersion) error {
	d.ID, d.CreatedBy, d.CreatedAt = markaz.NewID(), actorName(a), tx.Now
	_, err := tx.Exec(`INSERT INTO service_durations (id, service_code, working_days, effective_from, reason, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.ServiceCode, d.WorkingDays, d.EffectiveFrom, d.Reason, d.CreatedBy, d.CreatedAt)
	return err
}

func (tx *Tx) insertFees(a Actor, f *catalog.FeeVersion) error {
	f.ID, f.CreatedBy, f.CreatedAt = markaz.NewID(), actorName(a), tx.Now
	lines, _ := json.Marshal(f.Lines)
	_, err := tx.Exec(`INSERT INTO service_fees (id, service_code, gov_code, lines_json, total_piasters, effective_from,
		reason, illustrative, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.ServiceCode, f.GovCode, string(lines), f.TotalPiasters, f.EffectiveFrom, f.Reason, f.Illustrative,
		f.CreatedBy, f.CreatedAt)
	return err
}

func actorName(a Actor) string {
	if a.Username == "" {
		return "system"
	}
	return a.Username
}

// ServiceFilter narrows a listing of services.
type ServiceFilter struct {
	Category string // category key ("" for all)
	Online   *bool
	Search   string // matched against the normalised code, names and category
	After    string // keyset cursor: services with a greater code
	Limit    int    // 0 means no limit
}

// Services lists services in code order, with the code to pass as After for the next
// page ("" at the end).
func (db *DB) Services(ctx context.Context, f ServiceFilter) (list []catalog.Service, next string, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		var w where
		if f.Category != "" {
			w.add("category_key = ?", f.Category)
		}
		if f.Online != nil {
			w.add("online = ?", *f.Online)
		}
		if q := markaz.NormalizeSearch(f.Search); q != "" {
			w.add(`search_key LIKE ? ESCAPE '\'`, "%"+likeEscaper.Replace(q)+"%")
		}
		if f.After != "" {
			w.add("code > ?", f.After)
		}
		q := `SELECT ` + serviceCols + ` FROM services` + w.String() + ` ORDER BY code`
		if f.Limit > 0 {
			q += ` LIMIT ` + strconv.Itoa(f.Limit+1)
		}
		var rows []serviceRow
		if err := tx.Select(&rows, q, w.args...); err != nil {
			return err
		}
		list = make([]catalog.Service, 0, len(rows))
		for _, r := range rows {
			s, err := r.service()
			if err != nil {
				return err
			}
			list = append(list, *s)
		}
		return nil
	})
	if f.Limit > 0 && len(list) > f.Limit {
		list = list[:f.Limit]
		next = list[f.Limit-1].Code
	}
	return list, next, err
}

// ServiceCategory is one category of the catalog, for filters.
type ServiceCategory struct {
	Key    string `json:"key" db:"category_key"`
	NameAr string `json:"name_ar" db:"category_ar"`
	NameEn string `json:"name_en" db:"category_en"`
}

// ServiceCategories lists the categories in use, by key.
func (db *DB) ServiceCategories(ctx context.Context) ([]ServiceCategory, error) {
	var out []ServiceCategory
	err := db.Read(ctx, func(tx *Tx) error {
		return tx.Select(&out, `SELECT category_key, MIN(category_ar) AS category_ar, MIN(category_en) AS category_en
			FROM services GROUP BY category_key ORDER BY category_key`)
	})
	return out, err
}

// Service returns one service, or ErrNotFound.
func (tx *Tx) Service(code string) (*catalog.Service, error) {
	var r serviceRow
	if err := tx.Get(&r, `SELECT `+serviceCols+` FROM services WHERE code = ?`, code); err != nil {
		return nil, err
	}
	return r.service()
}

// DurationOn returns the required-duration version of a service in force on day d:
// the latest effective on or before d, the last created among equals. ErrNotFound when
// the service has none by then.
func (tx *Tx) DurationOn(code string, d markaz.Date) (*catalog.DurationVersion, error) {
	var v catalog.DurationVersion
	err := tx.Get(&v, `SELECT id, service_code, working_days, effective_from, reason, created_by, created_at
		FROM service_durations WHERE service_code = ? AND effective_from <= ?
		ORDER BY effective_from DESC, created_at DESC, id DESC LIMIT 1`, code, d)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// FeesOn returns the fee version of a service in force on day d in governorate gov
// ("" for national): the governorate's own override in force on d wins over the
// national version. ErrNotFound when there is none.
func (tx *Tx) FeesOn(code, gov string, d markaz.Date) (*catalog.FeeVersion, error) {
	govs := []string{""}
	if gov != "" {
		govs = []string{gov, ""}
	}
	for _, g := range govs {
		var rows []feeRow
		if err := tx.Select(&rows, `SELECT `+feeCols+` FROM service_fees
			WHERE service_code = ? AND gov_code = ? AND effective_from <= ?
			ORDER BY effective_from DESC, created_at DESC, id DESC LIMIT 1`, code, g, d); err != nil {
			return nil, err
		}
		if len(rows) == 1 {
			return rows[0].version()
		}
	}
	return nil, markaz.ErrNotFound
}

// feeRow is a service_fees row as stored.
type feeRow struct {
	ID            string      `db:"id"`
	ServiceCode   string      `db:"service_code"`
	GovCode       string      `db:"gov_code"`
	Lines         string      `db:"lines_json"`
	TotalPiasters int64       `db:"total_piasters"`
	EffectiveFrom markaz.Date `db:"effective_from"`
	Reason        string      `db:"reason"`
	Illustrative  bool        `db:"illustrative"`
	CreatedBy     string      `db:"created_by"`
	CreatedAt     time.Time   `db:"created_at"`
}

const feeCols = `id, service_code, gov_code, lines_json, total_piasters, effective_from, reason, illustrative,
	created_by, created_at`

func (r feeRow) version() (*catalog.FeeVersion, error) {
	f := &catalog.FeeVersion{ID: r.ID, ServiceCode: r.ServiceCode, GovCode: r.GovCode, TotalPiasters: r.TotalPiasters,
		EffectiveFrom: r.EffectiveFrom, Reason: r.Reason, Illustrative: r.Illustrative, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt}
	return f, json.Unmarshal([]byte(r.Lines), &f.Lines)
}

// ServiceDetail is a service with what is in force today (the fees for one governorate
// when asked) and the full history of its durations and fees, oldest first.
type ServiceDetail struct {
	catalog.Service
	Today           markaz.Date               `json:"today"`
	Governorate     string                    `json:"governorate,omitempty"`
	Duration        *catalog.DurationVersion  `json:"duration"`
	Fees            *catalog.FeeVersion       `json:"fees"`
	DurationHistory []catalog.DurationVersion `json:"duration_history"`
	FeeHistory      []catalog.FeeVersion      `json:"fee_history"`
}

// ServiceDetail returns service code as of today, with fees for governorate gov ("" for
// the national fees). An unknown governorate is a field error; an unknown service, 404.
func (db *DB) ServiceDetail(ctx context.Context, code, gov string) (*ServiceDetail, error) {
	out := &ServiceDetail{Governorate: gov}
	err := db.Read(ctx, func(tx *Tx) error {
		s, err := tx.Service(code)
		if err != nil {
			return err
		}
		out.Service, out.Today = *s, tx.Today()
		if gov != "" {
			if err := checkGovernorate(tx, gov); err != nil {
				return err
			}
		}
		if out.Duration, err = optional(tx.DurationOn(code, out.Today)); err != nil {
			return err
		}
		if out.Fees, err = optional(tx.FeesOn(code, gov, out.Today)); err != nil {
			return err
		}
		out.DurationHistory, out.FeeHistory, err = tx.ServiceVersions(code)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceVersions returns every duration and fee version of a service (national and
// governorate overrides), oldest first, ordered as catalog.DurationOn and catalog.FeesOn
// read them.
func (tx *Tx) ServiceVersions(code string) ([]catalog.DurationVersion, []catalog.FeeVersion, error) {
	durations := []catalog.DurationVersion{}
	if err := tx.Select(&durations, `SELECT id, service_code, working_days, effective_from, reason,
		created_by, created_at FROM service_durations WHERE service_code = ?
		ORDER BY effective_from, created_at, id`, code); err != nil {
		return nil, nil, err
	}
	var rows []feeRow
	if err := tx.Select(&rows, `SELECT `+feeCols+` FROM service_fees WHERE service_code = ?
		ORDER BY gov_code, effective_from, created_at, id`, code); err != nil {
		return nil, nil, err
	}
	fees := make([]catalog.FeeVersion, 0, len(rows))
	for _, r := range rows {
		f, err := r.version()
		if err != nil {
			return nil, nil, err
		}
		fees = append(fees, *f)
	}
	return durations, fees, nil
}

// optional turns ErrNotFound into a nil result.
func optional[T any](v *T, err error) (*T, error) {
	if markaz.ErrorCode(err) == markaz.ENotFound {
		return nil, nil
	}
	return v, err
}

// serviceForChange reads a service to change, locking its row.
func (tx *Tx) serviceForChange(code string) (*catalog.Service, error) {
	var r serviceRow
	if err := tx.Get(&r, `SELECT `+serviceCols+` FROM services WHERE code = ?`+tx.ForUpdate(), code); err != nil {
		return nil, err
	}
	return r.service()
}

// AmendDuration adds a required-duration version to service code (scope is the caller's
// policy.write scope: it must be national). The version takes effect on
// d.EffectiveFrom, which may not be in the past; earlier versions stay as they were.
func (tx *Tx) AmendDuration(a Actor, scope markaz.Scope, code string, d *catalog.DurationVersion, v *markaz.Validator) error {
	if _, err := tx.serviceForChange(code); err != nil {
		return err
	}
	if !scope.All {
		return markaz.ErrForbidden
	}
	d.Validate(v, tx.Today())
	if err := v.Err(); err != nil {
		return err
	}
	before, err := optional(tx.DurationOn(code, d.EffectiveFrom))
	if err != nil {
		return err
	}
	d.ServiceCode = code
	if err := tx.insertDuration(a, d); err != nil {
		return err
	}
	return tx.Audit(a, "service.duration", "service", code, markaz.Ref{}, before, d)
}

// AmendFees adds a fee version to service code: national when f.GovCode is "" (scope
// must be national), else an override for that governorate (scope must contain it).
func (tx *Tx) AmendFees(a Actor, scope markaz.Scope, code string, f *catalog.FeeVersion, v *markaz.Validator) error {
	if _, err := tx.serviceForChange(code); err != nil {
		return err
	}
	f.Validate(v, tx.Today())
	if f.GovCode != "" && !v.Has("governorate") {
		var n int
		if err := tx.Get(&n, `SELECT COUNT(*) FROM governorates WHERE code = ?`, f.GovCode); err != nil {
			return err
		}
		if n == 0 {
			v.Add("governorate", "unknown_governorate", nil)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !scope.ContainsGov(f.GovCode) && !(f.GovCode == "" && scope.All) {
		return markaz.ErrForbidden
	}
	before, err := optional(tx.FeesOn(code, f.GovCode, f.EffectiveFrom))
	if err != nil {
		return err
	}
	f.ServiceCode, f.Illustrative = code, false
	if err := tx.insertFees(a, f); err != nil {
		return err
	}
	return tx.Audit(a, "service.fees", "service", code, markaz.Ref{Gov: f.GovCode}, before, f)
}

// ServiceEdit is what national administrators may change on a service in place: names,
// documents, whether it is offered online, and the workflow. Every field is replaced.
type ServiceEdit struct {
	NameAr    string             `json:"name_ar"`
	NameEn    string             `json:"name_en"`
	Online    bool               `json:"online"`
	Documents []catalog.Document `json:"documents"`
	Steps     []catalog.Step     `json:"steps"`
}

// UpdateService replaces the editable fields of service code (scope must be national).
func (tx *Tx) UpdateService(a Actor, scope markaz.Scope, code string, e ServiceEdit, v *markaz.Validator) (*catalog.Service, error) {
	before, err := tx.serviceForChange(code)
	if err != nil {
		return nil, err
	}
	if !scope.All {
		return nil, markaz.ErrForbidden
	}
	after := *before
	after.NameAr, after.NameEn, after.Online, after.Documents, after.Steps = e.NameAr, e.NameEn, e.Online, e.Documents, e.Steps
	if after.Documents == nil {
		after.Documents = []catalog.Document{}
	}
	after.ValidateEditable(v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	after.Version, after.UpdatedAt = before.Version+1, tx.Now
	docs, _ := json.Marshal(after.Documents)
	steps, _ := json.Marshal(after.Steps)
	if _, err := tx.Exec(`UPDATE services SET name_ar = ?, name_en = ?, search_key = ?, online = ?, documents_json = ?,
		steps_json = ?, version = ?, updated_at = ? WHERE code = ?`, after.NameAr, after.NameEn, serviceSearchKey(&after),
		after.Online, string(docs), string(steps), after.Version, after.UpdatedAt, code); err != nil {
		return nil, err
	}
	return &after, tx.Audit(a, "service.update", "service", code, markaz.Ref{}, before, after)
}
