package web

// A center's staff workload (store.CenterWorkload documents what "assigned" means), as a
// page for the center manager and those above, and as JSON. Both need users.read and
// requests.read over the center.

import (
	"net/http"

	"markaz"
	"markaz/store"
)

// workloadCenter is the center whose workload a queue links to: the one it is filtered
// by, or else the one the reader manages (the first, for a manager of several); "" when
// the reader may not see workloads.
func workloadCenter(p *markaz.Principal, filtered string) string {
	if !p.Can(markaz.PermUsersRead) {
		return ""
	}
	if filtered != "" {
		return filtered
	}
	for _, a := range p.Assignments {
		if a.Role == markaz.RoleCenterManager && a.Level == markaz.LevelCenter {
			return a.CenterID
		}
	}
	return ""
}

func (s *Server) workload(r *http.Request) (*store.Workload, error) {
	p, err := need(r, markaz.PermUsersRead)
	if err != nil {
		return nil, err
	}
	return s.db.CenterWorkload(r.Context(), p.Scope(markaz.PermUsersRead), p.Scope(markaz.PermRequestsRead), r.PathValue("id"))
}

// apiCenterWorkload: GET /api/v1/centers/{id}/workload (id or code).
func (s *Server) apiCenterWorkload(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.workload(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wl)
}

// handleCenterWorkload: GET /centers/{id}/workload.
func (s *Server) handleCenterWorkload(w http.ResponseWriter, r *http.Request) error {
	wl, err := s.workload(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "workload", "workload.title", wl)
	return nil
}
