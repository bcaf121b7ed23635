package store

// A center's staff workload, for its manager and those above. Markaz does not assign
// requests to people: a workflow step names a role, and whoever holds that role over the
// request's territory may act. So "assigned" is read from the data there is:
//   - Open: the center's open requests whose current step is acted on by a role the user
//     holds at the center (a pool shared by everyone holding that role there);
//   - LastTouched: of the center's open requests, those whose latest event by a person
//     was this user's (the file they handled last);
//   - ActedToday / ActedWeek: distinct requests of the center the user recorded an event
//     on today / since Saturday (the first day of the Egyptian week), Cairo time.
// Staff are enabled users whose assignment in force today holds a role with
// requests.write at the center, or at its district/city (back office).

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"markaz"
	"markaz/catalog"
	"markaz/request"
)

// WorkloadStaff is one staff member's workload at a center.
type WorkloadStaff struct {
	UserID      string   `json:"user_id"`
	Username    string   `json:"username"`
	FullName    string   `json:"full_name"`
	Roles       []string `json:"roles"`
	Open        int      `json:"open_on_their_steps"`
	Overdue     int      `json:"overdue_on_their_steps"`
	LastTouched int      `json:"open_last_touched"`
	ActedToday  int      `json:"acted_today"`
	ActedWeek   int      `json:"acted_this_week"`
}

// WorkloadOverdue is one overdue open request of the center.
type WorkloadOverdue struct {
	request.Request
	StepRole    string `json:"step_role"`
	LastActor   string `json:"last_actor"`
	OverdueDays int    `json:"overdue_calendar_days"`
}

// Workload is a center's staff workload and its overdue list (the MaxWorkloadOverdue most
// overdue; OverdueTotal counts them all).
type Workload struct {
	CenterID     string            `json:"center_id"`
	CenterCode   string            `json:"center_code"`
	NameAr       string            `json:"name_ar"`
	NameEn       string            `json:"name_en"`
	Today        markaz.Date       `json:"today"`
	WeekFrom     markaz.Date       `json:"week_from"`
	OpenTotal    int               `json:"open_total"`
	OverdueTotal int               `json:"overdue_total"`
	Staff        []WorkloadStaff   `json:"staff"`
	Overdue      []WorkloadOverdue `json:"overdue"`
}

// MaxWorkloadOverdue bounds the overdue list of a workload.
const MaxWorkloadOverdue = 200

// WeekStart is the Saturday on or before d.
func WeekStart(d markaz.Date) markaz.Date {
	wd := time.Date(d.Y, d.M, d.D, 12, 0, 0, 0, time.UTC).Weekday()
	return d.AddDays(-((int(wd) + 1) % 7))
}

// CenterWorkload computes the workload of center idOrCode for a reader whose users.read
// and requests.read scopes must both reach it (403 otherwise; 404 for no such center).
func (db *DB) CenterWorkload(ctx context.Context, users, requests markaz.Scope, idOrCode string) (*Workload, error) {
	var w *Workload
	err := db.Read(ctx, func(tx *Tx) error {
		c, err := tx.findCenter(idOrCode)
		if err != nil {
			return err
		}
		if !users.Contains(c.Ref()) || !requests.Contains(c.Ref()) {
			return markaz.ErrForbidden
		}
		today := tx.Today()
		w = &Workload{CenterID: c.ID, CenterCode: c.Code, NameAr: c.NameAr, NameEn: c.NameEn, Today: today,
			WeekFrom: WeekStart(today), Staff: []WorkloadStaff{}, Overdue: []WorkloadOverdue{}}
		return tx.workload(w, c.UnitCode)
	})
	return w, err
}

func (tx *Tx) workload(w *Workload, unit string) error {
	today := w.Today
	var held []struct {
		ID       string `db:"id"`
		Username string `db:"username"`
		FullName string `db:"full_name"`
		Role     string `db:"role"`
	}
	if err := tx.Select(&held, `SELECT u.id, u.username, u.full_name, a.role FROM users u
		JOIN assignments a ON a.user_id = u.id
		WHERE u.disabled_at IS NULL AND a.revoked_at IS NULL AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)
			AND (a.level = ? AND a.center_id = ? OR a.level = ? AND a.unit_code = ?)
		ORDER BY u.username, a.role`, today, today, markaz.LevelCenter, w.CenterID, markaz.LevelUnit, unit); err != nil {
		return err
	}
	idx := map[string]int{}
	for _, h := range held {
		if !markaz.RoleHas(h.Role, markaz.PermRequestsWrite) || !slices.Contains(catalog.StepRoles, h.Role) {
			continue
		}
		i, ok := idx[h.ID]
		if !ok {
			i = len(w.Staff)
			idx[h.ID] = i
			w.Staff = append(w.Staff, WorkloadStaff{UserID: h.ID, Username: h.Username, FullName: h.FullName})
		}
		if !slices.Contains(w.Staff[i].Roles, h.Role) {
			w.Staff[i].Roles = append(w.Staff[i].Roles, h.Role)
		}
	}

	roleOf := tx.stepRoles()
	// Open and overdue requests per service and step, counted in SQL: the page reads the
	// center's open requests as one index range, never loads them.
	var steps []struct {
		ServiceCode string `db:"service_code"`
		StepKey     string `db:"step_key"`
		Open        int    `db:"open"`
		Overdue     int    `db:"overdue"`
	}
	if err := tx.Select(&steps, `SELECT r.service_code, r.step_key, COUNT(*) AS open,
		SUM(CASE WHEN r.due_date < ? THEN 1 ELSE 0 END) AS overdue
		FROM requests r WHERE r.center_id = ? AND r.status IN (?, ?, ?, ?)
		GROUP BY r.service_code, r.step_key`, append([]any{today, w.CenterID}, openStatusArgs...)...); err != nil {
		return err
	}
	for _, st := range steps {
		role, err := roleOf(st.ServiceCode, st.StepKey)
		if err != nil {
			return err
		}
		w.OpenTotal += st.Open
		w.OverdueTotal += st.Overdue
		for j := range w.Staff {
			if s := &w.Staff[j]; slices.Contains(s.Roles, role) {
				s.Open += st.Open
				s.Overdue += st.Overdue
			}
		}
	}
	if err := tx.lastTouched(w); err != nil {
		return err
	}
	if err := tx.workloadOverdue(w, roleOf); err != nil {
		return err
	}
	return tx.actedCounts(w)
}

// openStatusArgs are the open statuses, for a "status IN (?, ?, ?, ?)".
var openStatusArgs = []any{request.StatusSubmitted, request.StatusInReview, request.StatusReturned,
	request.StatusAwaitingPayment}

// stepRoles returns the role acting on a step of a service ("" for a step the service no
// longer has), reading each service once.
func (tx *Tx) stepRoles() func(service, step string) (string, error) {
	services := map[string]*catalog.Service{}
	return func(service, step string) (string, error) {
		svc, ok := services[service]
		if !ok {
			var err error
			if svc, err = tx.Service(service); err != nil {
				return "", err
			}
			services[service] = svc
		}
		if i := slices.IndexFunc(svc.Steps, func(s catalog.Step) bool { return s.Key == step }); i >= 0 {
			return svc.Steps[i].Role, nil
		}
		return "", nil
	}
}

// lastActor is column col (user_id or username) of the latest event by a person on
// request r.id: one probe of request_events (request_id, seq) from the end, usually
// stopping at the first row.
func lastActor(col string) string {
	return `(SELECT e.` + col + ` FROM request_events e WHERE e.request_id = r.id AND e.user_id <> ''
		ORDER BY e.seq DESC LIMIT 1)`
}

// lastTouched counts, per staff member, the center's open requests whose latest event by a
// person was theirs, grouped in SQL.
func (tx *Tx) lastTouched(w *Workload) error {
	var rows []struct {
		UserID string `db:"user_id"`
		N      int    `db:"n"`
	}
	// MATERIALIZED: SQLite would otherwise flatten the subquery and run the probe once for
	// each place its column is used (three).
	if err := tx.Select(&rows, `WITH l AS MATERIALIZED (SELECT `+lastActor("user_id")+` AS user_id
		FROM requests r WHERE r.center_id = ? AND r.status IN (?, ?, ?, ?))
		SELECT user_id, COUNT(*) AS n FROM l WHERE user_id IS NOT NULL GROUP BY user_id`,
		append([]any{w.CenterID}, openStatusArgs...)...); err != nil {
		return err
	}
	for _, r := range rows {
		for j := range w.Staff {
			if w.Staff[j].UserID == r.UserID {
				w.Staff[j].LastTouched = r.N
			}
		}
	}
	return nil
}

// workloadOverdue loads the MaxWorkloadOverdue most overdue open requests of the center
// (due date, then id) with their step's role and last actor: a walk of requests_center_due
// that stops at the last one shown.
func (tx *Tx) workloadOverdue(w *Workload, roleOf func(service, step string) (string, error)) error {
	if w.OverdueTotal == 0 {
		return nil
	}
	var rows []struct {
		request.Request
		LastActor sql.NullString `db:"last_actor"`
	}
	if err := tx.Select(&rows, `SELECT `+requestCols+`, `+lastActor("username")+` AS last_actor`+requestFrom+`
		WHERE r.center_id = ? AND r.due_date < ? AND r.status IN (?, ?, ?, ?)
		ORDER BY r.due_date, r.id LIMIT ?`,
		append(append([]any{w.CenterID, w.Today}, openStatusArgs...), MaxWorkloadOverdue)...); err != nil {
		return err
	}
	for _, r := range rows {
		role, err := roleOf(r.ServiceCode, r.StepKey)
		if err != nil {
			return err
		}
		w.Overdue = append(w.Overdue, WorkloadOverdue{Request: r.Request, StepRole: role,
			LastActor: r.LastActor.String, OverdueDays: request.DaysBetween(r.DueDate, w.Today)})
	}
	return nil
}

// actedCounts fills the distinct requests of the center each staff member recorded an
// event on today and this week.
func (tx *Tx) actedCounts(w *Workload) error {
	if len(w.Staff) == 0 {
		return nil
	}
	args := []any{w.Today.Start().UTC(), w.CenterID, w.WeekFrom.Start().UTC()}
	for _, s := range w.Staff {
		args = append(args, s.UserID)
	}
	var rows []struct {
		UserID string `db:"user_id"`
		Today  int    `db:"today"`
		Week   int    `db:"week"`
	}
	if err := tx.Select(&rows, `SELECT e.user_id, COUNT(DISTINCT CASE WHEN e.at >= ? THEN e.request_id END) AS today,
		COUNT(DISTINCT e.request_id) AS week FROM request_events e JOIN requests r ON r.id = e.request_id
		WHERE r.center_id = ? AND e.at >= ? AND e.user_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(w.Staff)), ",")+`)
		GROUP BY e.user_id`, args...); err != nil {
		return err
	}
	for _, r := range rows {
		for i := range w.Staff {
			if w.Staff[i].UserID == r.UserID {
				w.Staff[i].ActedToday, w.Staff[i].ActedWeek = r.Today, r.Week
			}
		}
	}
	return nil
}
