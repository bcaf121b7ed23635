package store_test

import (
	"testing"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// The citizen's SMS is queued in the transaction of the change: on registration, on
// return for completion (with what is missing), not on a silent forward.
func TestRequestChangesQueueCitizenMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-NTF-01", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		back := reqPrincipal(markaz.RoleBackOffice, c.ID, c.GovCode, c.UnitCode)
		reg := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
			NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "٠١٠٠١٢٣٤٥٦٧"}}
		ws, err := reg.Validate(markaz.DateOf(clock.T))
		if err != nil {
			t.Fatal(err)
		}
		var got *store.Registered
		if err := db.Write(ctx, func(tx *store.Tx) error {
			got, err = tx.RegisterRequest(clerk, reg, "", ws)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		id, number := got.Detail.ID, got.Detail.TrackingNumber
		act := func(p *markaz.Principal, action, note string) {
			t.Helper()
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ActOnRequest(p, number, action, note, nil)
				return err
			}); err != nil {
				t.Fatalf("%s: %v", action, err)
			}
		}
		act(clerk, request.ActionForward, "")
		act(back, request.ActionReturn, "صورة عقد الإيجار")
		ms, err := db.Messages(ctx, "request", id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 {
			t.Fatalf("%d messages, want submitted and returned: %+v", len(ms), ms)
		}
		if ms[0].To != "01001234567" || ms[0].Template != "notify.request.submitted" ||
			ms[1].Template != "notify.request.returned" {
			t.Errorf("messages: %+v", ms)
		}
		// A rolled-back change leaves no message.
		db.Write(ctx, func(tx *store.Tx) error {
			tx.ActOnRequest(clerk, number, request.ActionComplete, "", nil)
			return markaz.ErrForbidden
		})
		if ms, _ := db.Messages(ctx, "request", id); len(ms) != 2 {
			t.Errorf("a rolled-back change queued a message: %d", len(ms))
		}
	})
}
