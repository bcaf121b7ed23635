package store_test

import (
	"context"
	"testing"

	"markaz"
	"markaz/catalog"
	"markaz/store"
	"markaz/store/storetest"
)

func catDay(t *testing.T, s string) markaz.Date {
	t.Helper()
	d, err := markaz.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCatalogLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		all, next, err := db.Services(ctx, store.ServiceFilter{})
		if err != nil || len(all) != 37 || next != "" {
			t.Fatalf("services: %d %q %v", len(all), next, err)
		}
		// Loading again adds nothing and keeps what administrators changed.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateService(store.Actor{Username: "admin"}, national, "SITE-VALID", store.ServiceEdit{
				NameAr: "بيان صلاحية", NameEn: "Site statement", Documents: nil, Steps: catalog.DefaultSteps()}, &markaz.Validator{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LoadCatalog(ctx); err != nil {
			t.Fatal(err)
		}
		d, err := db.ServiceDetail(ctx, "SITE-VALID", "")
		if err != nil || d.NameEn != "Site statement" || d.Online || d.Version != 2 || len(d.DurationHistory) != 1 || len(d.FeeHistory) != 1 {
			t.Fatalf("after reload: %+v %v", d, err)
		}
		if d.Fees == nil || !d.Fees.Illustrative || d.Fees.TotalPiasters != 20000 {
			t.Errorf("initial fees: %+v", d.Fees)
		}
		if d.DurationHistory[0].CreatedBy != "system" || d.FeeHistory[0].Reason != "services.csv" {
			t.Errorf("loaded versions: %+v %+v", d.DurationHistory[0], d.FeeHistory[0])
		}
		// Paging, filters and Arabic search.
		page, next, err := db.Services(ctx, store.ServiceFilter{Limit: 10})
		if err != nil || len(page) != 10 || next != page[9].Code {
			t.Fatalf("page: %d %q %v", len(page), next, err)
		}
		rest, _, _ := db.Services(ctx, store.ServiceFilter{After: next})
		if len(rest) != 27 {
			t.Errorf("rest: %d", len(rest))
		}
		online := true
		on, _, _ := db.Services(ctx, store.ServiceFilter{Online: &online})
		shops, _, _ := db.Services(ctx, store.ServiceFilter{Category: "public-shops-licensing"})
		found, _, _ := db.Services(ctx, store.ServiceFilter{Search: "إعلان"}) // hamza-alef folds
		if len(on) == 0 || len(on) >= 37 || len(shops) != 6 || len(found) == 0 {
			t.Errorf("online %d shops %d search %d", len(on), len(shops), len(found))
		}
		cats, err := db.ServiceCategories(ctx)
		if err != nil || len(cats) != 11 {
			t.Errorf("categories: %d %v", len(cats), err)
		}
	})
}

func TestCatalogDurationVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		admin := store.Actor{UserID: "u1", Username: "minister"}
		amend := func(scope markaz.Scope, days int, from string) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				d := catalog.DurationVersion{WorkingDays: days, EffectiveFrom: catDay(t, from), Reason: "Decree 12/2026"}
				return tx.AmendDuration(admin, scope, "BLD-PERMIT", &d, &markaz.Validator{})
			})
		}
		if err := amend(national, 12, "2026-04-01"); err != nil {
			t.Fatal(err)
		}
		if err := amend(national, 12, "2026-03-14"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("past effective date: %v", err)
		}
		if err := amend(markaz.Scope{Govs: []string{"13"}}, 12, "2026-04-01"); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("governorate scope: %v", err)
		}
		err := db.Read(ctx, func(tx *store.Tx) error {
			for d, want := range map[string]int{"2024-01-01": 20, "2026-03-31": 20, "2026-04-01": 12, "2027-01-01": 12} {
				v, err := tx.DurationOn("BLD-PERMIT", catDay(t, d))
				if err != nil || v.WorkingDays != want {
					t.Errorf("%s: %+v %v, want %d", d, v, err, want)
				}
			}
			if _, err := tx.DurationOn("BLD-PERMIT", catDay(t, "2019-01-01")); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("before the catalog: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := db.ServiceDetail(ctx, "BLD-PERMIT", "")
		if len(d.DurationHistory) != 2 || d.Duration.WorkingDays != 20 || d.DurationHistory[1].CreatedBy != "minister" {
			t.Errorf("detail: %+v", d.DurationHistory)
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "service", EntityID: "BLD-PERMIT"})
		if len(es) != 1 || es[0].Action != "service.duration" || es[0].Chain != "nation" || es[0].UserID != "u1" {
			t.Errorf("audit: %+v", es)
		}
		if p, _, err := db.VerifyAudit(ctx); p != "" || err != nil {
			t.Errorf("audit chain: %s %v", p, err)
		}
	})
}

func TestCatalogFeeOverride(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		a := store.Actor{UserID: "u2", Username: "gov-admin"}
		fees := func(scope markaz.Scope, gov string, amount int64) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				f := catalog.FeeVersion{GovCode: gov, EffectiveFrom: catDay(t, "2026-03-15"), Reason: "council decision",
					Lines: []catalog.FeeLine{{Key: "service", NameAr: "رسم", NameEn: "Fee", AmountPiasters: amount},
						{Key: "stamp", NameAr: "دمغة", NameEn: "Stamp", AmountPiasters: 500}}}
				return tx.AmendFees(a, scope, "SHOP-LIC", &f, &markaz.Validator{})
			})
		}
		gov13 := markaz.Scope{Govs: []string{"13"}}
		if err := fees(gov13, "13", 150000); err != nil {
			t.Fatal(err)
		}
		if err := fees(gov13, "01", 1); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("other governorate: %v", err)
		}
		if err := fees(gov13, "", 1); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("national from a governorate: %v", err)
		}
		if err := fees(national, "99", 1); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("unknown governorate: %v", err)
		}
		for gov, want := range map[string]int64{"13": 150500, "01": 100000, "": 100000} {
			d, err := db.ServiceDetail(ctx, "SHOP-LIC", gov)
			if err != nil || d.Fees.TotalPiasters != want {
				t.Errorf("gov %q: %+v %v, want %d", gov, d.Fees, err, want)
			}
		}
		err := db.Read(ctx, func(tx *store.Tx) error {
			f, err := tx.FeesOn("SHOP-LIC", "13", catDay(t, "2026-03-14"))
			if err != nil || f.GovCode != "" || !f.Illustrative {
				t.Errorf("before the override: %+v %v", f, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		es, _ := db.ListAudit(ctx, store.AuditFilter{Scope: national, Entity: "service", EntityID: "SHOP-LIC"})
		if len(es) != 1 || es[0].Chain != "gov:13" || es[0].Action != "service.fees" {
			t.Errorf("audit: %+v", es)
		}
		if _, err := db.ServiceDetail(ctx, "NOPE", ""); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("unknown service: %v", err)
		}
		if _, err := db.ServiceDetail(ctx, "SHOP-LIC", "99"); markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("unknown governorate: %v", err)
		}
	})
}

func TestCatalogUpdateValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateService(store.Actor{}, national, "SHOP-LIC", store.ServiceEdit{NameAr: "x", NameEn: "y",
				Steps: []catalog.Step{{Key: "a", Role: "minister", Actions: []string{"approve"}}}}, &markaz.Validator{})
			return err
		})
		if markaz.ErrorCode(err) != markaz.EInvalid {
			t.Errorf("bad steps: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.UpdateService(store.Actor{}, markaz.Scope{Govs: []string{"01"}}, "SHOP-LIC", store.ServiceEdit{}, &markaz.Validator{})
			return err
		})
		if markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("governorate scope: %v", err)
		}
	})
}
