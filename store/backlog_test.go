package store_test

import (
	"encoding/json"
	"testing"

	"markaz"
	"markaz/backlog"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

// backlogWorld is a Sharqia campaign with two centers in two districts, a Cairo center,
// a supervisor and operators.
type backlogWorld struct {
	db                *store.DB
	a, b, cairo       *markaz.Center
	sup, cairoSup     *markaz.Principal
	op1, op2, opUnit  *markaz.Principal
	opCairo, outsider *markaz.Principal
	camp              *store.CampaignRow
	campCairo         *store.CampaignRow
}

func newBacklogWorld(t *testing.T, db *store.DB) *backlogWorld {
	t.Helper()
	w := &backlogWorld{db: db}
	w.a = mkCenter(t, db, "SH-BL-01", "13-001")
	w.b = mkCenter(t, db, "SH-BL-02", "13-002")
	w.cairo = mkCenter(t, db, "CA-BL-01", "01-001")
	user := func(name string, in markaz.AssignmentInput) *markaz.Principal {
		return principalOf(t, db, mkUser(t, db, name, in).ID)
	}
	w.sup = user("sup13", gov(markaz.RoleSupervisor, "13"))
	w.cairoSup = user("sup01", gov(markaz.RoleSupervisor, "01"))
	w.op1 = user("op1", gov(markaz.RoleBacklogOperator, "13"))
	w.op2 = user("op2", gov(markaz.RoleBacklogOperator, "13"))
	w.opUnit = user("opunit", markaz.AssignmentInput{Role: markaz.RoleBacklogOperator, Level: markaz.LevelUnit, Unit: "13-002"})
	w.opCairo = user("opcairo", gov(markaz.RoleBacklogOperator, "01"))
	w.outsider = user("op4", gov(markaz.RoleBacklogOperator, "13"))
	w.camp = w.mkCampaign(t, w.sup, "13", "")
	w.campCairo = w.mkCampaign(t, w.cairoSup, "01", "")
	for _, op := range []*markaz.Principal{w.op1, w.op2, w.opUnit} {
		w.addOperator(t, w.sup, w.camp.ID, op.Username)
	}
	w.addOperator(t, w.cairoSup, w.campCairo.ID, w.opCairo.Username)
	return w
}

func (w *backlogWorld) mkCampaign(t *testing.T, p *markaz.Principal, gov, unit string) *store.CampaignRow {
	t.Helper()
	c := &backlog.Campaign{Name: "حملة " + gov + unit, GovCode: gov, UnitCode: unit, StartsOn: markaz.Date{Y: 2026, M: 1, D: 1},
		EndsOn: markaz.Date{Y: 2026, M: 12, D: 31}, SamplePercent: 10}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var out *store.CampaignRow
	if err := w.db.Write(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.CreateCampaign(p, c)
		return err
	}); err != nil {
		t.Fatalf("campaign %s: %v", gov, err)
	}
	return out
}

func (w *backlogWorld) addOperator(t *testing.T, p *markaz.Principal, campaign, username string) {
	t.Helper()
	if err := w.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.AddOperator(p, campaign, username)
		return err
	}); err != nil {
		t.Fatalf("operator %s: %v", username, err)
	}
}

func entry(center, legacy, nid, name, status string) backlog.Entry {
	e := backlog.Entry{LegacyFileNumber: legacy, CenterCode: center, ServiceCode: "SHOP-LIC", NationalID: nid, Name: name,
		Mobile: "01001234567", SubmittedOn: "2024-05-12", Status: status}
	if backlog.HasDecision(status) {
		e.DecidedOn = "2024-06-02"
	}
	if status == request.StatusDelivered {
		e.DeliveredOn = "2024-06-10"
	}
	return e
}

func (w *backlogWorld) enter(p *markaz.Principal, e backlog.Entry) (*store.Record, error) {
	var r *store.Record
	err := w.db.Write(ctx, func(tx *store.Tx) (err error) {
		r, err = tx.EnterRecord(p, w.camp.ID, e)
		return err
	})
	return r, err
}

func (w *backlogWorld) verify(p *markaz.Principal, id string, s backlog.Second) (*store.Verified, error) {
	var v *store.Verified
	err := w.db.Write(ctx, func(tx *store.Tx) (err error) {
		v, err = tx.VerifyRecord(p, id, s, nil)
		return err
	})
	return v, err
}

func secondOf(e backlog.Entry) backlog.Second {
	return backlog.Second{ServiceCode: e.ServiceCode, NationalID: e.NationalID, Name: e.Name, Mobile: e.Mobile,
		SubmittedOn: e.SubmittedOn, Status: e.Status}
}

func TestBacklogCampaignRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newBacklogWorld(t, db)
		create := func(p *markaz.Principal, gov, unit string) error {
			c := &backlog.Campaign{Name: "x", GovCode: gov, UnitCode: unit, StartsOn: markaz.Date{Y: 2026, M: 1, D: 1},
				EndsOn: markaz.Date{Y: 2026, M: 6, D: 30}}
			if err := c.Validate(); err != nil {
				return err
			}
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.CreateCampaign(p, c); return err })
		}
		if err := create(w.cairoSup, "13", ""); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo's supervisor opening a Sharqia campaign: %v", err)
		}
		if err := create(w.sup, "13", "13-001"); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("a district campaign inside an open governorate campaign: %v", err)
		}
		if err := create(w.sup, "13", "01-001"); fieldCodes(err)["unit"] != "unknown_unit" {
			t.Errorf("a Cairo district in a Sharqia campaign: %v", err)
		}
		// Closing the governorate's campaign makes room for a district's; reopening it is
		// then refused.
		edit := store.CampaignEdit{Name: w.camp.Name, StartsOn: w.camp.StartsOn, EndsOn: w.camp.EndsOn,
			Status: backlog.CampaignClosed, SamplePercent: 10}
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.UpdateCampaign(w.sup, w.camp.ID, edit); return err }); err != nil {
			t.Fatal(err)
		}
		if err := create(w.sup, "13", "13-001"); err != nil {
			t.Fatalf("district campaign after closing: %v", err)
		}
		edit.Status = backlog.CampaignOpen
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.UpdateCampaign(w.sup, w.camp.ID, edit); return err }); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("reopening over a district campaign: %v", err)
		}
		db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.OpenCampaignOf("13"); err != nil {
				t.Errorf("the one open campaign of 13: %v", err)
			}
			if _, err := tx.OpenCampaignOf("14"); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("no campaign in 14: %v", err)
			}
			return nil
		})
		// Operators must hold the role in the campaign's governorate.
		for name, want := range map[string]string{"sup01": "not_backlog_operator", "opcairo": "not_backlog_operator",
			"nobody": "unknown_user"} {
			err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.AddOperator(w.sup, w.camp.ID, name); return err })
			if fieldCodes(err)["username"] != want {
				t.Errorf("add %s: %v", name, err)
			}
		}
		// Estimates: only the campaign's centers.
		err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.SetEstimates(w.sup, w.camp.ID, []backlog.Estimate{{CenterID: w.a.ID, Files: 120}, {CenterID: w.cairo.ID, Files: 5}})
		})
		if fieldCodes(err)["estimates[1]"] != "outside_campaign" {
			t.Errorf("estimate outside: %v", err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.SetEstimates(w.sup, w.camp.ID, []backlog.Estimate{{CenterID: w.a.ID, Files: 120}})
		}); err != nil {
			t.Fatal(err)
		}
		// Who sees the campaign.
		for _, c := range []struct {
			p    *markaz.Principal
			want int
		}{{w.sup, 2}, {w.op1, 1}, {w.outsider, 0}, {w.opCairo, 0}, {w.cairoSup, 0}} {
			list, err := db.Campaigns(ctx, c.p, store.CampaignFilter{Gov: "13"})
			if err != nil || len(list) != c.want {
				t.Errorf("%s sees %d campaigns of 13: %v", c.p.Username, len(list), err)
			}
		}
	})
}

func TestBacklogDoubleEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newBacklogWorld(t, db)
		e := entry("sh-bl-01", "١٢٣/٢٠٢٤", "29001011301234", "محمد أحمد علي", request.StatusDelivered)
		r, err := w.enter(w.op1, e)
		if err != nil {
			t.Fatal(err)
		}
		if r.LegacyFileNumber != "123/2024" || r.Status != backlog.RecordPending || r.Check != backlog.CheckAwaiting || r.First == nil {
			t.Fatalf("first entry: %+v", r)
		}
		// The same file again, by anyone: already entered.
		if _, err := w.enter(w.op2, e); fieldCodes(err)["legacy_file_number"] != "already_entered" {
			t.Errorf("second first entry: %v", err)
		}
		// The operator who keyed it may not verify it, and is not offered it.
		if _, err := w.verify(w.op1, r.ID, secondOf(e)); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("self-verification: %v", err)
		}
		db.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.NextToVerify(w.op1, w.camp.ID, nil); markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("op1's own file offered to op1: %v", err)
			}
			next, err := tx.NextToVerify(w.op2, w.camp.ID, nil)
			if err != nil || next.ID != r.ID || next.First != nil {
				t.Errorf("next for op2 (blind): %+v %v", next, err)
			}
			return nil
		})
		// A matching second keying (name spelt with another alef) enters the file.
		s := secondOf(e)
		s.Name = "محمد احمد علي"
		v, err := w.verify(w.op2, r.ID, s)
		if err != nil || !v.Matched || v.Record.Status != backlog.RecordEntered || v.Record.TrackingNumber == nil {
			t.Fatalf("verify: %+v %v", v, err)
		}
		var d *store.RequestDetail
		db.Read(ctx, func(tx *store.Tx) (err error) {
			d, err = tx.Request(markaz.Scope{All: true}, *v.Record.TrackingNumber)
			return err
		})
		if d.Channel != request.ChannelBacklog || d.Status != request.StatusDelivered || d.SubmittedOn.String() != "2024-05-12" ||
			d.DecidedAt == nil || markaz.DateOf(*d.DecidedAt).String() != "2024-06-02" || d.DeliveredAt == nil {
			t.Errorf("request: %+v", d.Request)
		}
		if len(d.Events) != 3 || d.Events[0].Action != "register" || d.Events[0].Username != "op1" ||
			d.Events[1].Action != "approve" || d.Events[2].Action != "deliver" {
			t.Errorf("history: %+v", d.Events)
		}

		// A mismatch goes to the supervisor, who picks the second operator's value.
		e2 := entry("SH-BL-01", "124/2024", "29001011301234", "سعاد محمود", request.StatusApproved)
		r2, err := w.enter(w.op1, e2)
		if err != nil {
			t.Fatal(err)
		}
		s2 := secondOf(e2)
		s2.Name, s2.SubmittedOn = "سعاد محمد", "2024-05-13"
		v2, err := w.verify(w.op2, r2.ID, s2)
		if err != nil || v2.Matched || len(v2.Mismatch) != 2 || v2.Mismatch[0] != "name" || v2.Record.Status != backlog.RecordPending {
			t.Fatalf("mismatch: %+v %v", v2, err)
		}
		decide := func(p *markaz.Principal, id string, d store.Decision) (*store.Record, error) {
			var out *store.Record
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				out, err = tx.DecideRecord(p, id, d)
				return err
			})
			return out, err
		}
		values := e2
		values.Name = s2.Name
		if _, err := decide(w.op1, r2.ID, store.Decision{Values: &values}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("an operator deciding: %v", err)
		}
		dec, err := decide(w.sup, r2.ID, store.Decision{Values: &values})
		if err != nil || dec.Status != backlog.RecordEntered || dec.Check != backlog.CheckDecided || dec.TrackingNumber == nil {
			t.Fatalf("decide: %+v %v", dec, err)
		}
		db.Read(ctx, func(tx *store.Tx) (err error) {
			d, err = tx.Request(markaz.Scope{All: true}, *dec.TrackingNumber)
			return err
		})
		if d.Name != "سعاد محمد" || d.SubmittedOn.String() != "2024-05-12" {
			t.Errorf("decided request: %+v", d.Request)
		}

		// A rejected file frees its number for a correct entry.
		e3 := entry("SH-BL-01", "125/2024", "29001011301234", "علي حسن", request.StatusSubmitted)
		r3, _ := w.enter(w.op1, e3)
		s3 := secondOf(e3)
		s3.Status = request.StatusRejected
		if _, err := w.verify(w.op2, r3.ID, s3); err != nil {
			t.Fatal(err)
		}
		if _, err := decide(w.sup, r3.ID, store.Decision{}); fieldCodes(err)["reject"] != "required" {
			t.Errorf("reject without a reason: %v", err)
		}
		if rej, err := decide(w.sup, r3.ID, store.Decision{Reject: "الملف غير مقروء"}); err != nil || rej.Status != backlog.RecordRejected {
			t.Fatalf("reject: %+v %v", rej, err)
		}
		if _, err := w.enter(w.op1, e3); err != nil {
			t.Errorf("entering a rejected file again: %v", err)
		}
	})
}

func TestBacklogOperatorReachesOnlyItsCampaign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newBacklogWorld(t, db)
		ra, err := w.enter(w.op1, entry("SH-BL-01", "A-1", "29001011301234", "أحمد", request.StatusSubmitted))
		if err != nil {
			t.Fatal(err)
		}
		rb, err := w.enter(w.op1, entry("SH-BL-02", "B-1", "29001011301234", "أحمد", request.StatusSubmitted))
		if err != nil {
			t.Fatal(err)
		}
		read := func(p *markaz.Principal, id string) error {
			return db.Read(ctx, func(tx *store.Tx) error { _, err := tx.RecordFor(p, id); return err })
		}
		for _, c := range []struct {
			who  *markaz.Principal
			id   string
			want string
		}{
			{w.opCairo, ra.ID, markaz.ENotFound},  // another governorate's campaign
			{w.outsider, ra.ID, markaz.ENotFound}, // an operator of 13 who is not a member
			{w.opUnit, ra.ID, markaz.ENotFound},   // a member, outside its district
			{w.opUnit, rb.ID, markaz.EInternal},   // its own district: reached (no error)
			{w.cairoSup, ra.ID, markaz.ENotFound},
			{w.sup, ra.ID, markaz.EInternal},
		} {
			if got := markaz.ErrorCode(read(c.who, c.id)); got != c.want {
				t.Errorf("%s reading %s: %s, want %s", c.who.Username, c.id, got, c.want)
			}
		}
		// Nor can they key, verify or list there.
		if _, err := w.verify(w.opCairo, rb.ID, backlog.Second{}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("Cairo operator verifying: %v", err)
		}
		if _, err := w.verify(w.opUnit, ra.ID, backlog.Second{}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("district operator verifying outside its district: %v", err)
		}
		if _, err := w.enter(w.outsider, entry("SH-BL-01", "A-2", "29001011301234", "أحمد", request.StatusSubmitted)); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("non-member entering: %v", err)
		}
		if _, err := w.enter(w.opUnit, entry("SH-BL-01", "A-3", "29001011301234", "أحمد", request.StatusSubmitted)); fieldCodes(err)["center_code"] != "outside_your_territory" {
			t.Errorf("district operator keying another district's center: %v", err)
		}
		if _, err := w.enter(w.op1, entry("CA-BL-01", "C-1", "29001011301234", "أحمد", request.StatusSubmitted)); fieldCodes(err)["center_code"] != "outside_campaign" {
			t.Errorf("a Cairo center in the Sharqia campaign: %v", err)
		}
		rows, _, err := db.Records(ctx, w.opUnit, store.RecordFilter{Campaign: w.camp.ID})
		if err != nil || len(rows) != 1 || rows[0].ID != rb.ID {
			t.Errorf("district operator's list: %d %v", len(rows), err)
		}
		if _, _, err := db.Records(ctx, w.opCairo, store.RecordFilter{Campaign: w.camp.ID}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("Cairo operator listing Sharqia: %v", err)
		}
		// Removed from the campaign, an operator reaches nothing of it any more.
		if err := db.Write(ctx, func(tx *store.Tx) error { return tx.RemoveOperator(w.sup, w.camp.ID, w.op2.UserID) }); err != nil {
			t.Fatal(err)
		}
		if err := read(w.op2, ra.ID); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("removed operator reading: %v", err)
		}
		// The blind rule: op2's view never held op1's values; the supervisor's does.
		db.Read(ctx, func(tx *store.Tx) error {
			r, err := tx.RecordFor(w.sup, ra.ID)
			if err != nil || r.First == nil || r.First.Name != "أحمد" {
				t.Errorf("supervisor's view: %+v %v", r, err)
			}
			b, _ := json.Marshal(r)
			if len(b) == 0 {
				t.Error("no JSON")
			}
			return nil
		})
	})
}

func TestBacklogProgressFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		w := newBacklogWorld(t, db)
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return tx.SetEstimates(w.sup, w.camp.ID, []backlog.Estimate{{CenterID: w.a.ID, Files: 4}, {CenterID: w.b.ID, Files: 6}})
		}); err != nil {
			t.Fatal(err)
		}
		// Three files of center A: one verified, one mismatched, one waiting.
		var ids []string
		for i, name := range []string{"أحمد", "محمود", "هبة"} {
			e := entry("SH-BL-01", "P-"+string(rune('1'+i)), "29001011301234", name, request.StatusApproved)
			r, err := w.enter(w.op1, e)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
			clock.Advance(40e9) // 40 s between keyings
			switch i {
			case 0:
				w.verify(w.op2, r.ID, secondOf(e))
			case 1:
				s := secondOf(e)
				s.Mobile = "01101234567"
				w.verify(w.op2, r.ID, s)
			}
		}
		p, err := db.BacklogProgress(ctx, w.sup, store.ProgressFilter{Gov: "13"})
		if err != nil {
			t.Fatal(err)
		}
		want := backlog.Figures{Estimated: 10, Entered: 1, Verified: 1, Pending: 2}
		if p.Total.Figures != want || p.Total.Share != 10 {
			t.Errorf("total %+v share %d", p.Total, p.Total.Share)
		}
		if len(p.Centers) != 2 || p.Centers[0].Figures != (backlog.Figures{Estimated: 4, Entered: 1, Verified: 1, Pending: 2}) ||
			p.Centers[0].Share != 25 || p.Centers[1].Figures != (backlog.Figures{Estimated: 6}) {
			t.Errorf("centers %+v", p.Centers)
		}
		if len(p.Districts) != 2 || p.Districts[0].Code != "13-001" || p.Districts[0].Entered != 1 {
			t.Errorf("districts %+v", p.Districts)
		}
		if len(p.Daily) != store.TrendDays || p.Daily[len(p.Daily)-1].Entered != 1 || p.Daily[len(p.Daily)-1].Verified != 1 {
			t.Errorf("daily %+v", p.Daily[len(p.Daily)-1])
		}
		// op1 keyed 3 files from 0 s to 80 s: 3 / (80 s + 1 min) = 77.1 per hour; op2 keyed 2.
		if len(p.Operators) != 2 || p.Operators[0].Username != "op1" || p.Operators[0].Keyed != 3 ||
			int(p.Operators[0].PerHour) != 77 || p.Operators[1].Keyed != 2 {
			t.Errorf("operators %+v", p.Operators)
		}
		// The national view lists the governorate; a Cairo supervisor may not ask for 13.
		nat, err := db.BacklogProgress(ctx, &markaz.Principal{UserID: "m", Username: "m", Assignments: []markaz.Assignment{
			{Role: markaz.RoleMinistry, Level: markaz.LevelNation}}}, store.ProgressFilter{})
		if err != nil || len(nat.Govs) != 2 || nat.Total.Estimated != 10 {
			t.Errorf("national: %+v %v", nat, err)
		}
		if _, err := db.BacklogProgress(ctx, w.cairoSup, store.ProgressFilter{Gov: "13"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("Cairo supervisor asking for 13: %v", err)
		}
		// The supervisor rejects the mismatched file: it counts as rejected.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.DecideRecord(w.sup, ids[1], store.Decision{Reject: "غير واضح"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		p, _ = db.BacklogProgress(ctx, w.sup, store.ProgressFilter{Campaign: w.camp.ID})
		if want := (backlog.Figures{Estimated: 10, Entered: 1, Verified: 1, Pending: 1, Rejected: 1}); p.Total.Figures != want {
			t.Errorf("after reject %+v", p.Total.Figures)
		}
	})
}
