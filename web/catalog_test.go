package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"markaz"
	"markaz/store"
)

func TestCatalogAPIRead(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("clerk1", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		tok := e.token("clerk1")
		st, body := e.call("GET", "/api/v1/services?limit=200", tok, nil)
		if st != 200 || len(body["items"].([]any)) != 37 {
			t.Fatalf("list: %d %v", st, body["_raw"])
		}
		st, body = e.call("GET", "/api/v1/services?limit=5", tok, nil)
		if st != 200 || len(body["items"].([]any)) != 5 || body["next_cursor"] == "" {
			t.Fatalf("page: %d %v", st, body["_raw"])
		}
		st, body = e.call("GET", "/api/v1/services?limit=200&cursor="+body["next_cursor"].(string), tok, nil)
		if st != 200 || len(body["items"].([]any)) != 32 {
			t.Errorf("second page: %d %v", st, len(body["items"].([]any)))
		}
		st, body = e.call("GET", "/api/v1/services?q="+url.QueryEscape("اعلان")+"&category=advertising&online=false", tok, nil)
		if items, _ := body["items"].([]any); st != 200 || len(items) != 2 { // AD-LIC and SIGN-LIC, alef folded
			t.Errorf("search: %d %d", st, len(items))
		}
		for _, q := range []string{"online=maybe", "category=Bad%20Cat", "limit=500", "cursor=!!!", "q=" + strings.Repeat("x", 101)} {
			if st, body := e.call("GET", "/api/v1/services?"+q, tok, nil); st != 422 {
				t.Errorf("%s: %d %v", q, st, body["_raw"])
			}
		}
		st, body = e.call("GET", "/api/v1/services/RECON-APP?governorate=13", tok, nil)
		if st != 200 || body["illustrative_amounts"] != true || body["duration"] == nil || len(body["steps"].([]any)) == 0 {
			t.Fatalf("detail: %d %v", st, body["_raw"])
		}
		fees := body["fees"].(map[string]any)
		if len(fees["lines"].([]any)) != 3 || fees["total_piasters"].(float64) != 3000000 {
			t.Errorf("recon fees: %v", fees)
		}
		if st, _ := e.call("GET", "/api/v1/services/NOPE", tok, nil); st != 404 {
			t.Errorf("unknown service: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/services/SHOP-LIC?governorate=99", tok, nil); st != 422 {
			t.Errorf("unknown governorate: %d", st)
		}
		if st, _ := e.call("GET", "/api/v1/services", "", nil); st != 401 {
			t.Errorf("anonymous: %d", st)
		}
	})
}

func TestCatalogAPIAmend(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("minister", at(markaz.RoleMinistry, markaz.LevelNation, ""))
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		e.user("govadmin", at(markaz.RoleAdmin, markaz.LevelGovernorate, "13"))
		min, sup, gov := e.token("minister"), e.token("sup"), e.token("govadmin")
		dur := map[string]any{"working_days": 10, "effective_from": "2026-04-01", "reason": "Decree 5/2026"}
		if st, body := e.call("POST", "/api/v1/services/BLD-PERMIT/durations", sup, dur); st != 403 {
			t.Errorf("supervisor: %d %v", st, body["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/services/BLD-PERMIT/durations", gov, dur); st != 403 {
			t.Errorf("governorate admin, national duration: %d", st)
		}
		st, body := e.call("POST", "/api/v1/services/BLD-PERMIT/durations", min, dur)
		if st != 201 || body["working_days"].(float64) != 10 {
			t.Fatalf("amend: %d %v", st, body["_raw"])
		}
		for name, b := range map[string]any{
			"past":     map[string]any{"working_days": 10, "effective_from": "2026-03-14", "reason": "x"},
			"zero":     map[string]any{"working_days": 0, "effective_from": "2026-04-01", "reason": "x"},
			"noreason": map[string]any{"working_days": 3, "effective_from": "2026-04-01"},
			"baddate":  map[string]any{"working_days": 3, "effective_from": "01/04/2026", "reason": "x"},
			"type":     `{"working_days":"ten","effective_from":"2026-04-01","reason":"x"}`,
			"unknown":  `{"working_days":3,"effective_from":"2026-04-01","reason":"x","extra":1}`,
			"json":     `{"working_days":`,
		} {
			if st, body := e.call("POST", "/api/v1/services/BLD-PERMIT/durations", min, b); st != 422 {
				t.Errorf("%s: %d %v", name, st, body["_raw"])
			}
		}
		if st, _ := e.call("POST", "/api/v1/services/NOPE/durations", min, dur); st != 404 {
			t.Errorf("unknown service: %d", st)
		}
		e.clock.T = e.clock.T.AddDate(0, 0, 20) // 4 April 2026; sessions of 15 March have expired
		min, sup, gov = e.token("minister"), e.token("sup"), e.token("govadmin")
		st, body = e.call("GET", "/api/v1/services/BLD-PERMIT", min, nil)
		if st != 200 || body["duration"].(map[string]any)["working_days"].(float64) != 10 || len(body["duration_history"].([]any)) != 2 {
			t.Errorf("after amendment: %v", body["_raw"])
		}
		err := e.db.Read(context.Background(), func(tx *store.Tx) error {
			v, err := tx.DurationOn("BLD-PERMIT", markaz.Date{Y: 2026, M: 3, D: 31})
			if err != nil || v.WorkingDays != 20 {
				t.Errorf("old version for an earlier date: %+v %v", v, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// Fees: a governorate admin overrides for 13 only.
		lines := []map[string]any{{"key": "service", "name_ar": "رسم", "name_en": "Fee", "amount_piasters": 120000}}
		fee := map[string]any{"lines": lines, "effective_from": "2026-04-04", "reason": "council", "governorate": "13"}
		if st, body := e.call("POST", "/api/v1/services/SHOP-LIC/fees", gov, fee); st != 201 {
			t.Fatalf("override: %d %v", st, body["_raw"])
		}
		fee["governorate"] = "01"
		if st, _ := e.call("POST", "/api/v1/services/SHOP-LIC/fees", gov, fee); st != 403 {
			t.Errorf("override elsewhere: %d", st)
		}
		if st, _ := e.call("POST", "/api/v1/services/SHOP-LIC/fees", sup, fee); st != 403 {
			t.Errorf("supervisor fees: %d", st)
		}
		fee["governorate"] = ""
		if st, _ := e.call("POST", "/api/v1/services/SHOP-LIC/fees", gov, fee); st != 403 {
			t.Errorf("national fees by a governorate admin: %d", st)
		}
		bad := map[string]any{"lines": []map[string]any{{"key": "a", "name_ar": "", "name_en": "A", "amount_piasters": -5}},
			"effective_from": "2026-04-04", "reason": "x"}
		if st, body := e.call("POST", "/api/v1/services/SHOP-LIC/fees", min, bad); st != 422 || !strings.Contains(body["_raw"].(string), "lines[0].amount_piasters") {
			t.Errorf("bad lines: %d %v", st, body["_raw"])
		}
		if st, _ := e.call("POST", "/api/v1/services/SHOP-LIC/fees", min, `{"lines":[{"key":"a","amount_piasters":1.5}]}`); st != 422 {
			t.Errorf("fractional piasters: %d", st)
		}
		for g, want := range map[string]float64{"13": 120000, "01": 100000} {
			_, body := e.call("GET", "/api/v1/services/SHOP-LIC?governorate="+g, sup, nil)
			f := body["fees"].(map[string]any)
			if f["total_piasters"].(float64) != want || (g == "13") == (body["illustrative_amounts"] == true) {
				t.Errorf("fees in %s: %v", g, body["_raw"])
			}
		}

		// Definitions.
		edit := map[string]any{"name_ar": "ترخيص محل عام", "name_en": "Shop licence", "online": true,
			"documents": []map[string]any{{"name_ar": "بطاقة", "name_en": "ID"}},
			"steps": []map[string]any{{"key": "intake", "role": "clerk", "actions": []string{"forward"}}, {"key": "decision", "role": "center_manager", "actions": []string{"approve", "reject"}, "limit_working_days": 3},
				{"key": "ready", "role": "clerk", "actions": []string{"forward", "deliver"}}}}
		if st, _ := e.call("PUT", "/api/v1/services/SHOP-LIC", gov, edit); st != 403 {
			t.Errorf("governorate admin edit: %d", st)
		}
		st, body = e.call("PUT", "/api/v1/services/SHOP-LIC", min, edit)
		if st != 200 || body["online"] != true || body["version"].(float64) != 2 {
			t.Errorf("edit: %d %v", st, body["_raw"])
		}
		for name, steps := range map[string]any{
			"empty":   []map[string]any{},
			"role":    []map[string]any{{"key": "a", "role": "citizen", "actions": []string{"forward"}}},
			"action":  []map[string]any{{"key": "a", "role": "clerk", "actions": []string{"teleport"}}},
			"dupkeys": []map[string]any{{"key": "a", "role": "clerk", "actions": []string{"forward"}}, {"key": "a", "role": "clerk", "actions": []string{"deliver"}}},
		} {
			edit["steps"] = steps
			if st, body := e.call("PUT", "/api/v1/services/SHOP-LIC", min, edit); st != 422 {
				t.Errorf("%s: %d %v", name, st, body["_raw"])
			}
		}

		// Audit: national changes in the nation chain, the override in governorate 13's.
		es, err := e.db.ListAudit(context.Background(), store.AuditFilter{Scope: markaz.Scope{All: true}, Entity: "service"})
		if err != nil {
			t.Fatal(err)
		}
		chains := map[string]string{}
		for _, a := range es {
			chains[a.Action+" "+a.EntityID] = a.Chain
		}
		want := map[string]string{"service.duration BLD-PERMIT": "nation", "service.fees SHOP-LIC": "gov:13", "service.update SHOP-LIC": "nation"}
		for k, c := range want {
			if chains[k] != c {
				t.Errorf("audit %s: chain %q (all %v)", k, chains[k], chains)
			}
		}
	})
}

func TestCatalogUI(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.user("minister", at(markaz.RoleMinistry, markaz.LevelNation, ""))
		e.user("sup", at(markaz.RoleSupervisor, markaz.LevelGovernorate, "13"))
		c := e.browser()
		e.uiLogin(c, "sup")
		st, html := e.page(c, "/services?category=advertising")
		if st != 200 || !strings.Contains(html, "/services/AD-LIC") || strings.Contains(html, "/services/SHOP-LIC") {
			t.Fatalf("list: %d", st)
		}
		st, html = e.page(c, "/services/SHOP-LIC")
		if st != 200 || !strings.Contains(html, `id="illustrative"`) || strings.Contains(html, `id="amend-duration"`) || strings.Contains(html, `id="amend-fees"`) {
			t.Errorf("supervisor view: %d", st)
		}
		if r := e.form(c, "/services/SHOP-LIC/durations", url.Values{"working_days": {"5"}, "effective_from": {"2026-04-01"}, "reason": {"x"}}); r.StatusCode != 403 {
			t.Errorf("supervisor post: %d", r.StatusCode)
		}

		m := e.browser()
		e.uiLogin(m, "minister")
		_, html = e.page(m, "/services/SHOP-LIC")
		if !strings.Contains(html, `id="amend-duration"`) || !strings.Contains(html, `id="amend-fees"`) {
			t.Fatal("minister sees no forms")
		}
		r := e.form(m, "/services/SHOP-LIC/durations", url.Values{"working_days": {"١٢"}, "effective_from": {"2026-04-01"}, "reason": {"Decree"}})
		if r.StatusCode != 303 {
			t.Fatalf("duration form: %d", r.StatusCode)
		}
		r = e.form(m, "/services/SHOP-LIC/durations", url.Values{"working_days": {"x"}, "effective_from": {"2020-01-01"}, "reason": {""}})
		if r.StatusCode != 422 {
			t.Errorf("bad duration form: %d", r.StatusCode)
		}
		r = e.form(m, "/services/SHOP-LIC/fees", url.Values{"governorate": {"13"}, "fee_effective_from": {"2026-03-15"}, "fee_reason": {"council"},
			"lines[0].key": {"service"}, "lines[0].name_ar": {"رسم"}, "lines[0].name_en": {"Fee"}, "lines[0].amount": {"١٥٠٫٥٠"},
			"lines[2].key": {"stamp"}, "lines[2].name_ar": {"دمغة"}, "lines[2].name_en": {"Stamp"}, "lines[2].amount": {"2"}})
		if r.StatusCode != 303 || r.Header.Get("Location") != "/services/SHOP-LIC?governorate=13" {
			t.Fatalf("fee form: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		_, body := e.call("GET", "/api/v1/services/SHOP-LIC?governorate=13", e.token("minister"), nil)
		if body["fees"].(map[string]any)["total_piasters"].(float64) != 15250 {
			t.Errorf("form fees: %v", body["fees"])
		}
		req := url.Values{"governorate": {"13"}, "fee_effective_from": {"2026-03-15"}, "fee_reason": {"x"},
			"lines[1].key": {"service"}, "lines[1].name_ar": {"رسم"}, "lines[1].name_en": {"Fee"}, "lines[1].amount": {"abc"}}
		if r := e.form(m, "/services/SHOP-LIC/fees", req); r.StatusCode != 422 {
			t.Errorf("bad fee form: %d", r.StatusCode)
		}
		st, html = e.page(m, "/services/SHOP-LIC?governorate=13")
		if st != 200 || !strings.Contains(html, "150.50") || !strings.Contains(html, "duration-history") {
			t.Errorf("view after changes: %d", st)
		}
		if st, _ := e.page(m, "/services/NOPE"); st != 404 {
			t.Errorf("unknown service page: %d", st)
		}
	})
}
