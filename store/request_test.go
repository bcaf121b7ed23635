package store_test

import (
	"sync"
	"testing"

	"markaz"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
	"markaz/tracking"
)

func reqPrincipal(role, centerID, gov, unit string) *markaz.Principal {
	return &markaz.Principal{UserID: role + centerID, Username: role, Assignments: []markaz.Assignment{
		{Role: role, Level: markaz.LevelCenter, CenterID: centerID, GovCode: gov, UnitCode: unit}}}
}

func TestRequestRegisterAndConcurrentActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-REQ-01", "13-001")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		reg := &request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{
			NationalID: "29001011301234", Name: "محمد أحمد", Mobile: "01001234567"}}
		ws, err := reg.Validate(markaz.DateOf(clock.T))
		if err != nil {
			t.Fatal(err)
		}
		var numbers []string
		for i := 0; i < 3; i++ {
			var got *store.Registered
			if err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.RegisterRequest(clerk, reg, "", ws)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			numbers = append(numbers, got.Detail.TrackingNumber)
		}
		for i, n := range numbers { // gap-free series of the center
			p, seq, err := tracking.Parse(n)
			if err != nil || p != "1301" || seq != int64(i+1) {
				t.Errorf("number %d: %s %s %d %v", i, n, p, seq, err)
			}
		}
		// 16 concurrent cancellations: exactly one wins, the others conflict.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, conflicts := 0, 0
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.ActOnRequest(clerk, numbers[0], request.ActionCancel, "withdrawn", nil)
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				switch markaz.ErrorCode(err) {
				case "internal":
					if err == nil {
						wins++
					} else {
						t.Errorf("forward: %v", err)
					}
				case markaz.EConflict:
					conflicts++
				default:
					t.Errorf("forward: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != 15 {
			t.Errorf("wins %d conflicts %d", wins, conflicts)
		}
		var events int
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&events, `SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id
				WHERE r.tracking_number = ?`, numbers[0])
		})
		if events != 2 {
			t.Errorf("events: %d", events)
		}
	})
}
