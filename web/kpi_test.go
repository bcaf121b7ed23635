package web

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/demo"
	"markaz/kpi"
	"markaz/store"
)

// The KPI API: the field names, the store's figures, scope (403 for another
// governorate), validation naming the field, rankings, series and the index's weights.
func TestKPIAPI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		tok := loadDemo(t, e)
		if _, err := demo.AddRequests(context.Background(), e.db, 400, 3, e.clock); err != nil {
			t.Fatal(err)
		}
		year := "&from=2025-03-16&to=2026-03-15"
		st, body := e.call("GET", "/api/v1/kpi?level=nation"+year, tok["ministry"], nil)
		if st != 200 {
			t.Fatalf("nation: %d %v", st, body["_raw"])
		}
		for _, k := range []string{"received", "completed", "on_time_rate", "overdue_open", "median_processing_days",
			"p90_processing_days", "online_share", "e_payment_share", "satisfaction", "inspection_score",
			"problem_resolution_rate", "training_coverage", "index", "index_parts", "weights"} {
			if _, ok := body[k]; !ok {
				t.Errorf("field %s missing", k)
			}
		}
		var got kpi.Figures
		if err := json.Unmarshal([]byte(body["_raw"].(string)), &got); err != nil {
			t.Fatal(err)
		}
		ministry := e.principalOf("ministry")
		want, err := e.db.KPI(context.Background(), ministry, kpi.Query{Level: kpi.LevelNation,
			From: markaz.Date{Y: 2025, M: 3, D: 16}, To: markaz.Date{Y: 2026, M: 3, D: 15}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Received < 400 || got.Received != want.Received || got.Completed != want.Completed ||
			got.OverdueOpen != want.OverdueOpen || got.Index == nil || len(got.IndexParts) != len(kpi.PartNames) {
			t.Errorf("api %+v, store %+v", got, want)
		}
		// Scope: Sharqia's administrator reads Sharqia, not Cairo; the nation is the ministry's.
		if st, _ := e.call("GET", "/api/v1/kpi?level=governorate&code=13"+year, tok["sharqia"], nil); st != 200 {
			t.Errorf("own governorate: %d", st)
		}
		for _, q := range []string{"level=governorate&code=01", "level=nation", "level=district&code=01-001"} {
			if st, _ := e.call("GET", "/api/v1/kpi?"+q+year, tok["sharqia"], nil); st != 403 {
				t.Errorf("%s: %d, want 403", q, st)
			}
		}
		if st, _ := e.call("GET", "/api/v1/kpi?level=nation"+year, "", nil); st != 401 {
			t.Errorf("anonymous: %d", st)
		}
		// Bad input names the field.
		for q, field := range map[string]string{"level=nation&from=2026-13-01": "from", "level=planet": "level",
			"level=governorate&code=99": "code", "level=governorate": "code", "level=nation&from=2026-03-10&to=2026-03-01": "to",
			"level=nation&channel=fax": "channel", "level=nation&service=NO-SUCH": "service"} {
			st, body := e.call("GET", "/api/v1/kpi?"+q, tok["ministry"], nil)
			if st != 422 || !strings.Contains(body["_raw"].(string), `"`+field+`"`) {
				t.Errorf("%s: %d %v", q, st, body["_raw"])
			}
		}
		// Ranking of the governorates: 27, ranked by index, the best first.
		st, body = e.call("GET", "/api/v1/kpi/ranking?level=governorate"+year, tok["ministry"], nil)
		var rank struct{ Items []kpi.Figures }
		json.Unmarshal([]byte(body["_raw"].(string)), &rank)
		if st != 200 || len(rank.Items) != 27 || rank.Items[0].Index == nil || rank.Items[0].Rank != 1 {
			t.Fatalf("ranking: %d %d items", st, len(rank.Items))
		}
		for i := 1; i < len(rank.Items); i++ {
			a, b := rank.Items[i-1].Index, rank.Items[i].Index
			if b != nil && (a == nil || *a < *b) {
				t.Errorf("ranking out of order at %d", i)
			}
		}
		if st, _ := e.call("GET", "/api/v1/kpi/ranking?level=center&within=13"+year, tok["sharqia"], nil); st != 200 {
			t.Errorf("centers of Sharqia: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/kpi/ranking?level=center&within=01"+year, tok["sharqia"], nil); st != 403 {
			t.Errorf("centers of Cairo for Sharqia: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/kpi/ranking?level=governorate&within=13"+year, tok["ministry"], nil); st != 422 {
			t.Errorf("governorates within a governorate: %d", st)
		}
		// Series by month: thirteen months (March 2025 clipped to the 16th … March 2026).
		st, body = e.call("GET", "/api/v1/kpi/series?level=nation&step=month"+year, tok["ministry"], nil)
		var series struct{ Items []kpi.Figures }
		json.Unmarshal([]byte(body["_raw"].(string)), &series)
		sum := 0
		for _, f := range series.Items {
			sum += f.Received
		}
		if st != 200 || len(series.Items) != 13 || sum != got.Received {
			t.Errorf("series: %d, %d months, received %d vs %d", st, len(series.Items), sum, got.Received)
		}
		if st, _ := e.call("GET", "/api/v1/kpi/series?level=nation&step=fortnight"+year, tok["ministry"], nil); st != 422 {
			t.Errorf("bad step: %d", st)
		}
		if st, body := e.call("GET", "/api/v1/kpi/services?level=nation"+year, tok["ministry"], nil); st != 200 ||
			!strings.Contains(body["_raw"].(string), `"items"`) {
			t.Errorf("services: %d", st)
		}
		// Weights: the ministry's administrator records a version from tomorrow; not for a
		// past day, not twice for one day; others may not.
		w := map[string]any{"effective_from": "2026-03-16", "values": map[string]int{"on_time_rate": 40,
			"median_processing_days": 10, "satisfaction": 10, "inspection_score": 10, "online_share": 10,
			"e_payment_share": 5, "problem_resolution_rate": 10, "training_coverage": 5}, "note": "more weight on time"}
		if st, body := e.call("POST", "/api/v1/kpi/weights", tok["admin"], w); st != 201 {
			t.Fatalf("weights: %d %v", st, body["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/kpi/weights", tok["admin"], w); st != 409 {
			t.Errorf("same day twice: %d", st)
		}
		w["effective_from"] = "2026-03-15"
		if st, body := e.call("POST", "/api/v1/kpi/weights", tok["admin"], w); st != 422 ||
			!strings.Contains(body["_raw"].(string), "effective_from") {
			t.Errorf("today: %d %v", st, body["_raw"])
		}
		w["effective_from"] = "2026-04-01"
		if st, _ := e.call("POST", "/api/v1/kpi/weights", tok["sharqia"], w); st != 403 {
			t.Errorf("a governorate's administrator set weights: %d", st)
		}
		if st, body := e.call("GET", "/api/v1/kpi/weights", tok["ministry"], nil); st != 200 ||
			!strings.Contains(body["_raw"].(string), "more weight on time") {
			t.Errorf("weights list: %d", st)
		}
		// The page shows them; the form refuses a bad weight naming it.
		c := e.browser()
		e.uiLogin(c, "admin")
		if st, html := e.page(c, "/kpi/weights"); st != 200 || !strings.Contains(html, "weights-form") ||
			!strings.Contains(html, "weights-history") {
			t.Errorf("weights page: %d", st)
		}
		f := url.Values{"effective_from": {"2026-05-01"}}
		for _, p := range kpi.PartNames {
			f.Set("w_"+p, "10")
		}
		f.Set("w_satisfaction", "abc")
		if resp := e.form(c, "/kpi/weights", f); resp.StatusCode != 422 {
			t.Errorf("bad weight: %d", resp.StatusCode)
		}
		f.Set("w_satisfaction", "10")
		if resp := e.form(c, "/kpi/weights", f); resp.StatusCode != 303 {
			t.Errorf("weights form: %d", resp.StatusCode)
		}
	})
}

// principalOf loads a user's principal by username.
func (e *env) principalOf(username string) *markaz.Principal {
	e.t.Helper()
	var p *markaz.Principal
	if err := e.db.Read(context.Background(), func(tx *store.Tx) error {
		u, err := tx.GetUserByName(username)
		if err != nil {
			return err
		}
		p = tx.Principal(u)
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
	return p
}
