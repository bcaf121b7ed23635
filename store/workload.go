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

	open, err := tx.openRequests(`r.center_id = ?`, []any{w.CenterID}, 1<<30)
	if err != nil {
		return err
	}
	last, err := tx.lastActors(w.CenterID)
	if err != nil {
		return err
	}
	services := map[string]*catalog.Service{}
	roleOf := func(r *request.Request) (string, error) {
		svc, ok := services[r.ServiceCode]
		if !ok {
			var err error
			if svc, err = tx.Service(r.ServiceCode); err != nil {
				return "", err
			}
			services[r.ServiceCode] = svc
		}
		if i := slices.IndexFunc(svc.Steps, func(s catalog.Step) bool { return s.Key == r.StepKey }); i >= 0 {
			return svc.Steps[i].Role, nil
		}
		return "", nil
	}
	slices.SortFunc(open, func(a, b request.Request) int {
		if c := strings.Compare(a.DueDate.String(), b.DueDate.String()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	w.OpenTotal = len(open)
	for i := range open {
		r := &open[i]
		role, err := roleOf(r)
		if err != nil {
			return err
		}
		overdue := r.Overdue(today)
		for j := range w.Staff {
			s := &w.Staff[j]
			if slices.Contains(s.Roles, role) {
				s.Open++
				if overdue {
					s.Overdue++
				}
			}
			if last[r.ID].UserID == s.UserID {
				s.LastTouched++
			}
		}
		if overdue {
			w.OverdueTotal++
			if len(w.Overdue) < MaxWorkloadOverdue {
				w.Overdue = append(w.Overdue, WorkloadOverdue{Request: *r, StepRole: role,
					LastActor: last[r.ID].Username, OverdueDays: request.DaysBetween(r.DueDate, today)})
			}
		}
	}
	return tx.actedCounts(w)
}

type actor struct {
	UserID   string `db:"user_id"`
	Username string `db:"username"`
}

// lastActors returns, for each open request of the center, the latest event by a person.
// It starts from the center's open requests (requests_center_due) and finds each one's
// latest event by a person through the (request_id, seq) index, so it reads those
// requests' events only, not the whole history table.
func (tx *Tx) lastActors(centerID string) (map[string]actor, error) {
	var rows []struct {
		RequestID string `db:"request_id"`
		actor
	}
	if err := tx.Select(&rows, `SELECT r.id AS request_id, e.user_id, e.username FROM requests r
		JOIN request_events e ON e.request_id = r.id
		WHERE r.center_id = ? AND r.status IN (?, ?, ?, ?)
			AND e.seq = (SELECT MAX(e2.seq) FROM request_events e2 WHERE e2.request_id = r.id AND e2.user_id <> '')`,
		centerID, request.StatusSubmitted, request.StatusInReview, request.StatusReturned,
		request.StatusAwaitingPayment); err != nil {
		return nil, err
	}
	out := make(map[string]actor, len(rows))
	for _, r := range rows {
		out[r.RequestID] = r.actor
	}
	return out, nil
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
