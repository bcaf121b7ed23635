package store

// Periodic reports: definitions (scoped by reports.manage), the archive of generated
// reports with their files (files table, owner kind "report"), and deliveries (inbox and
// e-mail through the outbox). A report is unique per definition and period, so however
// many instances generate it, one is archived and delivered.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/i18n"
	"markaz/kpi"
	"markaz/report"
)

// JobReport generates one report: payload {"definition_id", "period"}.
const JobReport = "report.generate"

// ReportKind is the owner kind of a report's files.
const ReportKind = "report"

// ReportJob is a JobReport payload.
type ReportJob struct {
	DefinitionID string `json:"definition_id"`
	Period       string `json:"period"`
}

type defRow struct {
	ID        string       `db:"id"`
	Level     string       `db:"level"`
	Code      string       `db:"code"`
	GovCode   string       `db:"gov_code"`
	UnitCode  string       `db:"unit_code"`
	CenterID  string       `db:"center_id"`
	Frequency string       `db:"frequency"`
	Lang      string       `db:"lang"`
	Formats   string       `db:"formats"`
	Roles     string       `db:"roles"`
	StartsOn  markaz.Date  `db:"starts_on"`
	RetiredOn *markaz.Date `db:"retired_on"`
	Version   int          `db:"version"`
	CreatedBy string       `db:"created_by"`
	CreatedAt time.Time    `db:"created_at"`
	UpdatedAt time.Time    `db:"updated_at"`
}

const defCols = `id, level, code, gov_code, unit_code, center_id, frequency, lang, formats, roles, starts_on,
	retired_on, version, created_by, created_at, updated_at`

func (r defRow) ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// inScope reports whether a scope reaches a whole territory (the nation only when All).
func inScope(s markaz.Scope, level string, ref markaz.Ref) bool {
	if level == kpi.LevelNation {
		return s.All
	}
	return s.Contains(ref)
}

// definition loads a definition with its names and named recipients.
func (tx *Tx) definition(r defRow) (*report.Definition, error) {
	d := &report.Definition{ID: r.ID, Level: r.Level, Code: r.Code, Frequency: r.Frequency, Lang: r.Lang,
		Formats: split(r.Formats), Roles: split(r.Roles), StartsOn: r.StartsOn, RetiredOn: r.RetiredOn,
		Version: r.Version, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	pl, err := tx.kpiPlace(r.Level, r.Code)
	if err != nil {
		return nil, err
	}
	d.NameAr, d.NameEn = pl.NameAr, pl.NameEn
	d.Users = []string{}
	err = tx.Select(&d.Users, `SELECT u.username FROM report_definition_users du JOIN users u ON u.id = du.user_id
		WHERE du.definition_id = ? ORDER BY u.username`, r.ID)
	return d, err
}

// ReportDefinition returns a definition p may manage (404 when none, 403 outside scope).
func (tx *Tx) ReportDefinition(p *markaz.Principal, id string) (*report.Definition, error) {
	r, err := tx.managedDefRow(p, id)
	if err != nil {
		return nil, err
	}
	return tx.definition(*r)
}

// managedDefRow is definition id's row if p may manage it (nil p: the system, always).
func (tx *Tx) managedDefRow(p *markaz.Principal, id string) (*defRow, error) {
	r, err := tx.defRow(id)
	if err != nil {
		return nil, err
	}
	if p != nil && !inScope(p.Scope(markaz.PermReportsManage), r.Level, r.ref()) {
		return nil, markaz.ErrForbidden
	}
	return r, nil
}

func (tx *Tx) defRow(id string) (*defRow, error) {
	if !markaz.ValidID(id) {
		return nil, markaz.ErrNotFound
	}
	var r defRow
	if err := tx.Get(&r, `SELECT `+defCols+` FROM report_definitions WHERE id = ?`, id); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReportDefinitions lists the definitions whose territory lies in p's reports.manage
// scope, the active first, by territory code.
func (db *DB) ReportDefinitions(ctx context.Context, p *markaz.Principal) ([]report.Definition, error) {
	s := p.Scope(markaz.PermReportsManage)
	if s.Empty() {
		return nil, markaz.ErrForbidden
	}
	out := []report.Definition{}
	err := db.Read(ctx, func(tx *Tx) error {
		w := &where{}
		w.scope(s, "gov_code", "unit_code", "center_id")
		var rows []defRow
		if err := tx.Select(&rows, `SELECT `+defCols+` FROM report_definitions`+w.String()+
			` ORDER BY CASE WHEN retired_on IS NULL THEN 0 ELSE 1 END, level, code, created_at, id`, w.args...); err != nil {
			return err
		}
		for _, r := range rows {
			if !inScope(s, r.Level, r.ref()) {
				continue
			}
			d, err := tx.definition(r)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return nil
	})
	return out, err
}

// checkDefinition validates d for p: its shape, a territory that exists and lies in p's
// reports.manage scope, and named recipients who exist, are enabled and may read
// reports of that territory. It returns the territory and the users' ids.
func (tx *Tx) checkDefinition(p *markaz.Principal, d *report.Definition) (*KPIPlace, []string, error) {
	if err := d.Validate(); err != nil {
		return nil, nil, err
	}
	pl, err := tx.kpiPlace(d.Level, d.Code)
	if err != nil {
		return nil, nil, err
	}
	if !inScope(p.Scope(markaz.PermReportsManage), pl.Level, pl.Ref) {
		return nil, nil, fieldErr("code", "outside_scope")
	}
	var ids, unknown, outside []string
	for _, name := range d.Users {
		u, err := tx.GetUserByName(name)
		if markaz.ErrorCode(err) == markaz.ENotFound {
			unknown = append(unknown, name)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if u.DisabledAt != nil || !inScope(tx.Principal(u).Scope(markaz.PermReportsRead), pl.Level, pl.Ref) {
			outside = append(outside, name)
			continue
		}
		ids = append(ids, u.ID)
	}
	var v markaz.Validator
	if len(unknown) > 0 {
		v.Add("recipient_users", "unknown_user", map[string]any{"users": strings.Join(unknown, ", ")})
	}
	if len(outside) > 0 {
		v.Add("recipient_users", "recipient_outside_scope", map[string]any{"users": strings.Join(outside, ", ")})
	}
	return pl, ids, v.Err()
}

func (tx *Tx) setDefinitionUsers(id string, users []string) error {
	if _, err := tx.Exec(`DELETE FROM report_definition_users WHERE definition_id = ?`, id); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := tx.Exec(`INSERT INTO report_definition_users (definition_id, user_id) VALUES (?, ?)`, id, u); err != nil {
			return err
		}
	}
	return nil
}

func defAudit(d *report.Definition) map[string]any {
	return map[string]any{"level": d.Level, "code": d.Code, "frequency": d.Frequency, "lang": d.Lang,
		"formats": d.Formats, "recipient_roles": d.Roles, "recipient_users": d.Users}
}

// CreateReportDefinition records a definition. Its first report is for the first period
// ending on or after today (StartsOn, when later, pushes it on): nothing is generated
// backwards.
func (tx *Tx) CreateReportDefinition(p *markaz.Principal, d *report.Definition) error {
	if !p.Can(markaz.PermReportsManage) {
		return markaz.ErrForbidden
	}
	pl, users, err := tx.checkDefinition(p, d)
	if err != nil {
		return err
	}
	if d.StartsOn.Before(tx.Today()) {
		d.StartsOn = tx.Today()
	}
	d.ID, d.Version, d.CreatedBy, d.CreatedAt, d.UpdatedAt = markaz.NewID(), 1, p.Username, tx.Now, tx.Now
	d.NameAr, d.NameEn, d.RetiredOn = pl.NameAr, pl.NameEn, nil
	if _, err := tx.Exec(`INSERT INTO report_definitions (`+defCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?, ?)`,
		d.ID, d.Level, d.Code, pl.Ref.Gov, pl.Ref.Unit, pl.CenterID, d.Frequency, d.Lang, strings.Join(d.Formats, ","),
		strings.Join(d.Roles, ","), d.StartsOn, d.CreatedBy, tx.Now, tx.Now); err != nil {
		return err
	}
	if err := tx.setDefinitionUsers(d.ID, users); err != nil {
		return err
	}
	return tx.Audit(ActorOf(p), "report_definition.create", "report_definition", d.ID, pl.Ref, nil, defAudit(d))
}

// UpdateReportDefinition replaces a definition's settings (version must be the one read:
// a conflict on "version" otherwise). p must manage both the old and the new territory.
func (tx *Tx) UpdateReportDefinition(p *markaz.Principal, id string, version int, d *report.Definition) error {
	old, err := tx.ReportDefinition(p, id)
	if err != nil {
		return err
	}
	if old.RetiredOn != nil || version != old.Version {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	pl, users, err := tx.checkDefinition(p, d)
	if err != nil {
		return err
	}
	d.ID, d.Version, d.StartsOn, d.CreatedBy, d.CreatedAt, d.UpdatedAt = id, old.Version+1, old.StartsOn, old.CreatedBy, old.CreatedAt, tx.Now
	d.NameAr, d.NameEn = pl.NameAr, pl.NameEn
	res, err := tx.Exec(`UPDATE report_definitions SET level = ?, code = ?, gov_code = ?, unit_code = ?, center_id = ?,
		frequency = ?, lang = ?, formats = ?, roles = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		d.Level, d.Code, pl.Ref.Gov, pl.Ref.Unit, pl.CenterID, d.Frequency, d.Lang, strings.Join(d.Formats, ","),
		strings.Join(d.Roles, ","), tx.Now, id, version)
	if err != nil {
		return err
	}
	if rowsAffected(res) != 1 {
		return markaz.Errorf(markaz.EConflict, "error.stale")
	}
	if err := tx.setDefinitionUsers(id, users); err != nil {
		return err
	}
	return tx.Audit(ActorOf(p), "report_definition.update", "report_definition", id, pl.Ref, defAudit(old), defAudit(d))
}

// RetireReportDefinition stops a definition from today; its archived reports stay.
func (tx *Tx) RetireReportDefinition(p *markaz.Principal, id string) (*report.Definition, error) {
	r, err := tx.managedDefRow(p, id)
	if err != nil {
		return nil, err
	}
	d, err := tx.definition(*r)
	if err != nil || d.RetiredOn != nil {
		return d, err
	}
	today := tx.Today()
	if _, err := tx.Exec(`UPDATE report_definitions SET retired_on = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		today, tx.Now, id); err != nil {
		return nil, err
	}
	d.RetiredOn, d.Version = &today, d.Version+1
	return d, tx.Audit(ActorOf(p), "report_definition.retire", "report_definition", id, r.ref(), nil, map[string]any{"retired_on": today})
}

// EnqueueDueReports queues the generation of each active definition's report due today
// (report.Definition.Due), one job per definition and period whatever the number of
// instances or runs (dedup key "report:<definition>:<period>"). It returns how many
// jobs it added.
func (tx *Tx) EnqueueDueReports() (int, error) {
	var rows []defRow
	if err := tx.Select(&rows, `SELECT `+defCols+` FROM report_definitions WHERE retired_on IS NULL`); err != nil {
		return 0, err
	}
	n := 0
	today := tx.Today()
	for _, r := range rows {
		d := report.Definition{Frequency: r.Frequency, StartsOn: r.StartsOn, RetiredOn: r.RetiredOn}
		from, _, ok := d.Due(today)
		if !ok {
			continue
		}
		period := kpi.PeriodName(report.StepOf(r.Frequency), from)
		payload, _ := json.Marshal(ReportJob{DefinitionID: r.ID, Period: period})
		added, err := tx.enqueueJob(markaz.NewID(), JobReport, "report:"+r.ID+":"+period, time.Time{}, payload)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	return n, nil
}

// DefinitionForJob loads a definition by id without a scope check (the generation job).
func (db *DB) DefinitionForJob(ctx context.Context, id string) (d *report.Definition, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		d, err = tx.ReportDefinition(nil, id)
		return err
	})
	return d, err
}

// ReportExists reports whether a definition's report for a period is archived.
func (db *DB) ReportExists(ctx context.Context, definitionID, period string) (ok bool, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		var n int
		err := tx.Get(&n, `SELECT COUNT(*) FROM reports WHERE definition_id = ? AND period = ?`, definitionID, period)
		ok = n > 0
		return err
	})
	return ok, err
}

// ReportFile is one rendered file of a report.
type ReportFile struct {
	Format, Name, ContentType string
	Data                      []byte
}

// ArchivedReport is a generated report as the archive and inbox list it.
type ArchivedReport struct {
	ID           string      `json:"id" db:"id"`
	DefinitionID string      `json:"definition_id" db:"definition_id"`
	Level        string      `json:"level" db:"level"`
	Code         string      `json:"code" db:"code"`
	GovCode      string      `json:"-" db:"gov_code"`
	UnitCode     string      `json:"-" db:"unit_code"`
	CenterID     string      `json:"-" db:"center_id"`
	NameAr       string      `json:"name_ar" db:"name_ar"`
	NameEn       string      `json:"name_en" db:"name_en"`
	Period       string      `json:"period" db:"period"`
	From         markaz.Date `json:"from" db:"period_from"`
	To           markaz.Date `json:"to" db:"period_to"`
	Lang         string      `json:"lang" db:"lang"`
	GeneratedAt  time.Time   `json:"generated_at" db:"generated_at"`
	Formats      []string    `json:"formats" db:"-"`
	// Inbox: when the reader received it and read it.
	DeliveredAt *time.Time `json:"delivered_at,omitempty" db:"delivered_at"`
	ReadAt      *time.Time `json:"read_at,omitempty" db:"read_at"`
	// Archive: who received it.
	Recipients []Delivery `json:"recipients,omitempty" db:"-"`
}

// Ref is the report's territory.
func (r *ArchivedReport) Ref() markaz.Ref {
	return markaz.Ref{Gov: r.GovCode, Unit: r.UnitCode, Center: r.CenterID}
}

// Delivery is one report delivered to one user by one channel.
type Delivery struct {
	ReportID    string     `json:"-" db:"report_id"`
	Username    string     `json:"username" db:"username"`
	FullName    string     `json:"full_name" db:"full_name"`
	Channel     string     `json:"channel" db:"channel"`
	Address     string     `json:"address,omitempty" db:"address"`
	DeliveredAt time.Time  `json:"delivered_at" db:"delivered_at"`
	ReadAt      *time.Time `json:"read_at,omitempty" db:"read_at"`
}

const reportCols = `r.id, r.definition_id, r.level, r.code, r.gov_code, r.unit_code, r.center_id, r.name_ar, r.name_en,
	r.period, r.period_from, r.period_to, r.lang, r.generated_at`

// SaveReport archives a definition's report for in's period with its files and delivers
// it: to each recipient's inbox, and by e-mail (a link to baseURL + "/reports/inbox")
// to those with an address, recording each delivery, all in one transaction. When the
// report of that definition and period exists already (another instance or run made it)
// nothing is written and created is false.
func (db *DB) SaveReport(ctx context.Context, d *report.Definition, in *report.Input, files []ReportFile,
	baseURL string) (id string, created bool, err error) {
	err = db.Write(ctx, func(tx *Tx) error {
		id, created = markaz.NewID(), false
		pl, err := tx.kpiPlace(d.Level, d.Code)
		if err != nil {
			return err
		}
		res, err := tx.Exec(`INSERT INTO reports (id, definition_id, level, code, gov_code, unit_code, center_id, name_ar,
			name_en, period, period_from, period_to, lang, generated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (definition_id, period) DO NOTHING`,
			id, d.ID, pl.Level, pl.Code, pl.Ref.Gov, pl.Ref.Unit, pl.CenterID, pl.NameAr, pl.NameEn, in.Period, in.From,
			in.To, d.Lang, tx.Now)
		if err != nil {
			return err
		}
		if rowsAffected(res) == 0 {
			return nil
		}
		created = true
		sys := Actor{Username: "system"}
		for _, f := range files {
			sum := sha256.Sum256(f.Data)
			if _, err := tx.AddDocumentFile(sys, ReportKind, id, f.Format, &attachment.File{Name: f.Name,
				ContentType: f.ContentType, Size: int64(len(f.Data)), SHA256: hex.EncodeToString(sum[:]), Data: f.Data}); err != nil {
				return err
			}
		}
		users, err := tx.reportRecipients(d, pl)
		if err != nil {
			return err
		}
		title := i18n.T(d.Lang, "report.heading."+d.Frequency, nil)
		place := pl.NameAr
		if d.Lang == "en" {
			place = pl.NameEn
		}
		for _, u := range users {
			if _, err := tx.Exec(`INSERT INTO report_deliveries (id, report_id, user_id, channel, delivered_at)
				VALUES (?, ?, ?, 'inbox', ?)`, markaz.NewID(), id, u.ID, tx.Now); err != nil {
				return err
			}
			if u.Email == "" {
				continue
			}
			mid, err := tx.NotifyID(Notification{Channel: ChannelEmail, To: u.Email, Template: "notify.report.ready",
				Locale: d.Lang, Entity: ReportKind, EntityID: id, Data: map[string]string{"title": title,
					"territory": place, "period": in.Period, "link": strings.TrimSuffix(baseURL, "/") + "/reports/inbox"}})
			if markaz.ErrorCode(err) == markaz.EInvalid {
				continue // an address the outbox refuses: the inbox delivery stands
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO report_deliveries (id, report_id, user_id, channel, address, outbox_id,
				delivered_at) VALUES (?, ?, ?, 'email', ?, ?, ?)`, markaz.NewID(), id, u.ID, u.Email, mid, tx.Now); err != nil {
				return err
			}
		}
		return tx.Audit(sys, "report.generate", ReportKind, id, pl.Ref, nil, map[string]any{"definition_id": d.ID,
			"period": in.Period, "recipients": len(users)})
	})
	return id, created, err
}

// reportRecipients resolves a definition's recipients on tx's day: enabled users holding,
// in force, an assignment of a recipient kind's role at its levels whose territory
// contains the report's, and the named users whose reports.read scope still contains it.
func (tx *Tx) reportRecipients(d *report.Definition, pl *KPIPlace) ([]markaz.User, error) {
	var roles []any
	for _, k := range d.Roles {
		r, _ := report.RecipientRole(k)
		roles = append(roles, r)
	}
	var ids []string
	if len(roles) > 0 {
		w := &where{}
		w.add(`a.role IN (`+placeholders(len(roles))+`)`, roles...)
		w.add(`a.revoked_at IS NULL`)
		if pl.Ref.Gov != "" {
			w.add(`(a.level = 'nation' OR a.gov_code = ?)`, pl.Ref.Gov)
		}
		if err := tx.Select(&ids, `SELECT DISTINCT a.user_id FROM assignments a`+w.String(), w.args...); err != nil {
			return nil, err
		}
	}
	var named []string
	if err := tx.Select(&named, `SELECT user_id FROM report_definition_users WHERE definition_id = ?`, d.ID); err != nil {
		return nil, err
	}
	for _, id := range named {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []markaz.User
	for _, id := range ids {
		u, err := tx.GetUser(id)
		if err != nil {
			return nil, err
		}
		if u.DisabledAt != nil {
			continue
		}
		p := tx.Principal(u)
		if !inScope(p.Scope(markaz.PermReportsRead), pl.Level, pl.Ref) {
			continue
		}
		ok := slices.Contains(named, id)
		for _, a := range p.Assignments {
			for _, k := range d.Roles {
				if report.Selects(k, a) && inScope((&markaz.Principal{Assignments: []markaz.Assignment{a}}).Scope(markaz.PermReportsRead), pl.Level, pl.Ref) {
					ok = true
				}
			}
		}
		if ok {
			out = append(out, *u)
		}
	}
	return out, nil
}

// reportFormats fills the formats of listed reports from their files.
func (tx *Tx) reportFormats(rs []ArchivedReport) error {
	for i := range rs {
		rs[i].Formats = []string{}
		if err := tx.Select(&rs[i].Formats, `SELECT document FROM files WHERE owner_kind = ? AND owner_id = ?
			ORDER BY document`, ReportKind, rs[i].ID); err != nil {
			return err
		}
	}
	return nil
}

// ReportArchive lists the reports whose territory lies in p's reports.read scope, the
// latest first, with who received them; before (a report id) continues a page.
func (db *DB) ReportArchive(ctx context.Context, p *markaz.Principal, before string, limit int) (out []ArchivedReport, next string, err error) {
	s := p.Scope(markaz.PermReportsRead)
	if s.Empty() {
		return nil, "", markaz.ErrForbidden
	}
	if limit < 1 || limit > 200 {
		limit = 50
	}
	err = db.Read(ctx, func(tx *Tx) error {
		w := &where{}
		w.scope(s, "r.gov_code", "r.unit_code", "r.center_id")
		if !s.All {
			w.add(`r.level <> 'nation'`)
		}
		if before != "" {
			var at time.Time
			if err := tx.Get(&at, `SELECT generated_at FROM reports WHERE id = ?`, before); err != nil {
				return fieldErr("cursor", "bad_cursor")
			}
			w.add(`(r.generated_at < ? OR r.generated_at = ? AND r.id < ?)`, at, at, before)
		}
		out = []ArchivedReport{}
		if err := tx.Select(&out, `SELECT `+reportCols+` FROM reports r`+w.String()+
			` ORDER BY r.generated_at DESC, r.id DESC LIMIT ?`, append(w.args, limit+1)...); err != nil {
			return err
		}
		if len(out) > limit {
			out, next = out[:limit], out[limit-1].ID
		}
		for i := range out {
			out[i].Recipients = []Delivery{}
			if err := tx.Select(&out[i].Recipients, `SELECT d.report_id, u.username, u.full_name, d.channel, d.address,
				d.delivered_at, d.read_at FROM report_deliveries d JOIN users u ON u.id = d.user_id
				WHERE d.report_id = ? ORDER BY u.username, d.channel`, out[i].ID); err != nil {
				return err
			}
		}
		return tx.reportFormats(out)
	})
	return out, next, err
}

// ReportInbox lists the reports delivered to p's inbox whose territory p may still read,
// the latest first (at most 200).
func (db *DB) ReportInbox(ctx context.Context, p *markaz.Principal) (out []ArchivedReport, err error) {
	s := p.Scope(markaz.PermReportsRead)
	err = db.Read(ctx, func(tx *Tx) error {
		var rows []ArchivedReport
		if err := tx.Select(&rows, `SELECT `+reportCols+`, d.delivered_at, d.read_at FROM report_deliveries d
			JOIN reports r ON r.id = d.report_id WHERE d.user_id = ? AND d.channel = 'inbox'
			ORDER BY d.delivered_at DESC, r.id DESC LIMIT 200`, p.UserID); err != nil {
			return err
		}
		out = []ArchivedReport{}
		for _, r := range rows {
			if inScope(s, r.Level, r.Ref()) {
				out = append(out, r)
			}
		}
		return tx.reportFormats(out)
	})
	return out, err
}

// UnreadReports counts the reports in a user's inbox not yet opened.
func (db *DB) UnreadReports(ctx context.Context, userID string) (n int, err error) {
	err = db.Read(ctx, func(tx *Tx) error {
		return tx.Get(&n, `SELECT COUNT(*) FROM report_deliveries WHERE user_id = ? AND channel = 'inbox'
			AND read_at IS NULL`, userID)
	})
	return n, err
}

// OpenReportFile returns a report's file in format for p, who must read reports of its
// territory (403 otherwise), and marks p's inbox delivery of it read.
func (db *DB) OpenReportFile(ctx context.Context, p *markaz.Principal, id, format string) (*FileInfo, []byte, error) {
	var fi *FileInfo
	var data []byte
	err := db.Write(ctx, func(tx *Tx) error {
		if !markaz.ValidID(id) {
			return markaz.ErrNotFound
		}
		var r ArchivedReport
		if err := tx.Get(&r, `SELECT `+reportCols+` FROM reports r WHERE r.id = ?`, id); err != nil {
			return err
		}
		if !inScope(p.Scope(markaz.PermReportsRead), r.Level, r.Ref()) {
			return markaz.ErrForbidden
		}
		var fid string
		if err := tx.Get(&fid, `SELECT id FROM files WHERE owner_kind = ? AND owner_id = ? AND document = ?`,
			ReportKind, id, format); err != nil {
			return err
		}
		var err error
		if fi, err = tx.File(fid); err != nil {
			return err
		}
		if data, err = tx.FileData(fid); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE report_deliveries SET read_at = ? WHERE report_id = ? AND user_id = ? AND read_at IS NULL`,
			tx.Now, id, p.UserID)
		return err
	})
	return fi, data, err
}

// CheckReportAccess is the access check of a report's files served by /files/{id}.
func (tx *Tx) CheckReportAccess(p *markaz.Principal, id string) error {
	var r ArchivedReport
	if err := tx.Get(&r, `SELECT `+reportCols+` FROM reports r WHERE r.id = ?`, id); err != nil {
		return err
	}
	if !inScope(p.Scope(markaz.PermReportsRead), r.Level, r.Ref()) {
		return markaz.ErrForbidden
	}
	return nil
}

// What GenerateReportNow did.
const (
	ReportQueued        = "queued"         // a job will make it within a minute or so
	ReportAlreadyQueued = "already_queued" // a job for it is waiting or running
	ReportArchived      = "archived"       // it exists: nothing to do
)

// GenerateReportNow queues, at once, the report of definition id for its latest complete
// period (the one the schedule made or would make today): for a definition created after
// that period ended, or whose scheduled generation failed (a failed job starts again from
// its first attempt). p must manage the definition; a retired one is a conflict. It answers
// the period and one of ReportQueued, ReportAlreadyQueued, ReportArchived.
func (tx *Tx) GenerateReportNow(p *markaz.Principal, id string) (period, outcome string, err error) {
	r, err := tx.managedDefRow(p, id)
	if err != nil {
		return "", "", err
	}
	if r.RetiredOn != nil && !tx.Today().Before(*r.RetiredOn) {
		return "", "", &markaz.Error{Code: markaz.EConflict, Key: "error.report_retired"}
	}
	step := report.StepOf(r.Frequency)
	from, _ := kpi.Previous(step, tx.Today())
	period = kpi.PeriodName(step, from)
	var n int
	if err := tx.Get(&n, `SELECT COUNT(*) FROM reports WHERE definition_id = ? AND period = ?`, id, period); err != nil || n > 0 {
		return period, ReportArchived, err
	}
	key := "report:" + id + ":" + period
	payload, _ := json.Marshal(ReportJob{DefinitionID: id, Period: period})
	added, err := tx.enqueueJob(markaz.NewID(), JobReport, key, time.Time{}, payload)
	if err != nil {
		return "", "", err
	}
	if !added {
		// The job exists. Unless it is waiting or running, it ended without an archived
		// report (failed, or done while the report could not be kept): run it again.
		res, err := tx.Exec(`UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, locked_by = '',
			locked_until = NULL, last_error = '', updated_at = ? WHERE dedup_key = ? AND status <> 'pending'`,
			tx.Now, tx.Now, key)
		if err != nil {
			return "", "", err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return period, ReportAlreadyQueued, err
		}
	}
	return period, ReportQueued, tx.Audit(ActorOf(p), "report.request", "report_definition", id, r.ref(), nil,
		map[string]any{"period": period})
}
