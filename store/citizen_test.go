package store_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"markaz"
	"markaz/attachment"
	"markaz/citizen"
	"markaz/request"
	"markaz/store"
	"markaz/store/storetest"
)

const (
	citNID    = "29503151300228"
	citMobile = "01012345670"
)

// lastCode reads the code of the latest sign-up message to mobile from the outbox.
func lastCode(t *testing.T, db *store.DB, mobile string) (code, messageID string) {
	t.Helper()
	var m struct {
		ID   string `db:"id"`
		Data string `db:"data_json"`
	}
	if err := db.Read(ctx, func(tx *store.Tx) error {
		return tx.Get(&m, `SELECT id, data_json FROM outbox WHERE recipient = ? AND template = ?
			ORDER BY created_at DESC, id DESC LIMIT 1`, mobile, store.TemplateSignupCode)
	}); err != nil {
		t.Fatal(err)
	}
	var d map[string]string
	json.Unmarshal([]byte(m.Data), &d)
	return d["code"], m.ID
}

func startSignup(db *store.DB, nid, mobile string) (*store.CodeSent, error) {
	s := &citizen.SignUp{NationalID: nid, FullName: "فاطمة علي حسانين", Mobile: mobile, Password: "a long enough password"}
	if err := s.Validate(markaz.DateOf(db.Clock.Now())); err != nil {
		return nil, err
	}
	var sent *store.CodeSent
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		sent, err = tx.StartSignup(s, "hash-of-the-password", citizen.NewCode())
		return err
	})
	return sent, err
}

func verify(db *store.DB, mobile, code string) (*store.Verification, error) {
	var out *store.Verification
	err := db.Write(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.VerifySignup(mobile, code)
		return err
	})
	return out, err
}

// A sign-up becomes an account only with its code; wrong codes count, the code never
// stays in the outbox once sent and used, and the number and national ID are taken.
func TestCitizenSignupVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		sent, err := startSignup(db, citNID, "+20 10 1234 5670")
		if err != nil { // Validate normalised the number
			t.Fatal(err)
		}
		if sent.Mobile != "010•••••670" || !sent.ExpiresAt.Equal(clock.T.Add(citizen.CodeTTL)) {
			t.Errorf("sent %+v", sent)
		}
		code, msgID := lastCode(t, db, citMobile)
		var stored struct {
			Hash string `db:"code_hash"`
		}
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Get(&stored, `SELECT code_hash FROM citizen_signups WHERE mobile = ?`, citMobile)
		})
		if len(code) != 6 || stored.Hash == "" || strings.Contains(stored.Hash, code) {
			t.Fatalf("code %q kept as %q", code, stored.Hash)
		}
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		v, err := verify(db, citMobile, wrong)
		if err != nil || v.Verdict != citizen.Wrong || v.Left != citizen.MaxAttempts-1 || v.User != nil {
			t.Fatalf("wrong code: %+v %v", v, err)
		}
		// The message went out; once the code is used the outbox no longer holds it.
		db.Write(ctx, func(tx *store.Tx) error { return tx.RecordDelivery(msgID, store.MessageSent, 1, "") })
		v, err = verify(db, citMobile, code)
		if err != nil || v.Verdict != citizen.Verified || v.User == nil {
			t.Fatalf("right code: %+v %v", v, err)
		}
		var u struct {
			Username string `db:"username"`
			NID      string `db:"national_id"`
			Mobile   string `db:"mobile"`
			Hash     string `db:"password_hash"`
		}
		var data, signupHash string
		db.Read(ctx, func(tx *store.Tx) error {
			tx.Get(&u, `SELECT username, national_id, mobile, password_hash FROM users WHERE id = ?`, v.User.ID)
			tx.Get(&data, `SELECT data_json FROM outbox WHERE id = ?`, msgID)
			return tx.Get(&signupHash, `SELECT password_hash || code_hash FROM citizen_signups WHERE mobile = ?`, citMobile)
		})
		if u.Username != citMobile || u.NID != citNID || u.Mobile != citMobile || u.Hash != "hash-of-the-password" {
			t.Errorf("account %+v", u)
		}
		if strings.Contains(data, code) || signupHash != "" {
			t.Errorf("secrets kept after verification: outbox %s, sign-up %q", data, signupHash)
		}
		p := principalOf(t, db, v.User.ID)
		if !citizen.Is(p) || len(p.Assignments) != 1 || p.Assignments[0].Level != markaz.LevelNation {
			t.Errorf("principal %+v", p)
		}
		// The code is spent; the number and the national ID are taken.
		if _, err := verify(db, citMobile, code); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("second verification: %v", err)
		}
		if _, err := startSignup(db, "29001011301234", citMobile); store.FieldCode(err, "mobile") != "mobile_registered" {
			t.Errorf("same mobile: %v", err)
		}
		if _, err := startSignup(db, citNID, "01112345670"); store.FieldCode(err, "national_id") != "nid_registered" {
			t.Errorf("same national ID: %v", err)
		}
		if problem, _, err := db.VerifyAudit(ctx); err != nil || problem != "" {
			t.Errorf("audit: %q %v", problem, err)
		}
	})
}

// Every limit is counted in the database: codes per number, tries per code, expiry.
func TestCitizenCodeLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		if _, err := startSignup(db, citNID, citMobile); err != nil {
			t.Fatal(err)
		}
		resend := func() error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.ResendSignupCode(citMobile, citizen.NewCode())
				return err
			})
		}
		// Too soon after the first code, even by signing up again.
		if err := resend(); markaz.ErrorCode(err) != markaz.ERateLimited {
			t.Fatalf("resend at once: %v", err)
		}
		if _, err := startSignup(db, citNID, citMobile); markaz.ErrorCode(err) != markaz.ERateLimited {
			t.Fatalf("sign up again at once: %v", err)
		}
		for i := 2; i <= citizen.MaxSends; i++ {
			clock.T = clock.T.Add(citizen.ResendAfter)
			if err := resend(); err != nil {
				t.Fatalf("code %d: %v", i, err)
			}
		}
		clock.T = clock.T.Add(citizen.ResendAfter)
		err := resend()
		if e, ok := err.(*markaz.Error); !ok || e.Code != markaz.ERateLimited || e.Args["retry_after"].(int) <= 0 {
			t.Fatalf("sixth code in the hour: %v", err)
		}
		// Only the latest code works; five wrong tries exhaust it, even for the right one.
		code, _ := lastCode(t, db, citMobile)
		for i := 0; i < citizen.MaxAttempts; i++ {
			if v, err := verify(db, citMobile, "99999"+string(rune('0'+(int(code[5]-'0')+1)%10))); err != nil || v.Verdict != citizen.Wrong {
				t.Fatalf("wrong try %d: %+v %v", i, v, err)
			}
		}
		if v, err := verify(db, citMobile, code); err != nil || v.Verdict != citizen.Exhausted {
			t.Fatalf("right code after five wrong: %+v %v", v, err)
		}
		// A new window, a new code; it expires after ten minutes.
		clock.T = clock.T.Add(citizen.SendWindow)
		if err := resend(); err != nil {
			t.Fatal(err)
		}
		code, _ = lastCode(t, db, citMobile)
		clock.T = clock.T.Add(citizen.CodeTTL)
		if v, err := verify(db, citMobile, code); err != nil || v.Verdict != citizen.Expired {
			t.Fatalf("expired code: %+v %v", v, err)
		}
		// Nothing waits for another number.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ResendSignupCode("01198765432", "123456")
			return err
		}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("resend to a number without sign-up: %v", err)
		}
	})
}

// mkCitizen makes a verified citizen account.
func mkCitizen(t *testing.T, db *store.DB, nid, mobile string) *markaz.Principal {
	t.Helper()
	if _, err := startSignup(db, nid, mobile); err != nil {
		t.Fatal(err)
	}
	code, _ := lastCode(t, db, mobile)
	v, err := verify(db, mobile, code)
	if err != nil || v.User == nil {
		t.Fatalf("verify %s: %+v %v", mobile, v, err)
	}
	return principalOf(t, db, v.User.ID)
}

func applyOnline(db *store.DB, p *markaz.Principal, reg request.Registration) (*store.Registered, error) {
	var out *store.Registered
	err := db.Write(ctx, func(tx *store.Tx) error {
		ws, err := reg.Validate(tx.Today())
		if err != nil {
			return err
		}
		out, err = tx.RegisterRequest(p, &reg, "", ws)
		return err
	})
	return out, err
}

// A citizen applies through the same registration as the counter, online, at an
// operating center, in their own name, for a service offered online — and sees their own
// requests only.
func TestCitizenAppliesAndSeesOwnRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-CIT-01", "13-001")
		planned := &markaz.Center{Code: "SH-CIT-02", Kind: markaz.KindFixed, NameAr: "مركز", NameEn: "Planned",
			UnitCode: "13-001", DevStatus: markaz.DevPlanned}
		db.Write(ctx, func(tx *store.Tx) error { return tx.InsertCenter(store.Actor{}, planned) })
		me := mkCitizen(t, db, citNID, citMobile)
		other := mkCitizen(t, db, "29001011301234", "01198765432")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		mine := request.Applicant{NationalID: citNID, Name: "فاطمة علي حسانين", Mobile: citMobile}
		reg := request.Registration{ServiceCode: "SITE-VALID", Channel: request.ChannelOnline, CenterID: c.ID, Applicant: mine}

		for _, bad := range []struct {
			name, field, code string
			edit              func(*request.Registration)
		}{
			{"not online", "service_code", "service_not_online", func(r *request.Registration) { r.ServiceCode = "SHOP-LIC" }},
			{"at the counter", "channel", "citizen_channel", func(r *request.Registration) { r.Channel = request.ChannelCounter }},
			{"someone else's name", "applicant", "citizen_applicant", func(r *request.Registration) { r.Applicant.NationalID = "29001011301234" }},
			{"another mobile", "applicant", "citizen_applicant", func(r *request.Registration) { r.Applicant.Mobile = "01198765432" }},
			{"no center", "center_id", "required", func(r *request.Registration) { r.CenterID = "" }},
			{"planned center", "center_id", "center_not_operating", func(r *request.Registration) { r.CenterID = planned.ID }},
			{"unknown center", "center_id", "unknown_center", func(r *request.Registration) { r.CenterID = "nope" }},
		} {
			r := reg
			bad.edit(&r)
			if _, err := applyOnline(db, me, r); store.FieldCode(err, bad.field) != bad.code {
				t.Errorf("%s: %v", bad.name, err)
			}
		}
		var numbers []string
		for i := 0; i < 3; i++ {
			clock.T = clock.T.Add(time.Minute)
			out, err := applyOnline(db, me, reg)
			if err != nil {
				t.Fatal(err)
			}
			d := out.Detail
			if d.Channel != request.ChannelOnline || d.CenterID != c.ID || d.Status != request.StatusSubmitted ||
				d.FeesDue != 20000 || d.DueDate.IsZero() || !strings.HasPrefix(d.TrackingNumber, "1301") {
				t.Errorf("registered %+v", d.Request)
			}
			numbers = append(numbers, d.TrackingNumber)
		}
		// A counter request for the same person on another mobile is not theirs to see.
		counter := request.Registration{ServiceCode: "SHOP-LIC", Applicant: request.Applicant{NationalID: citNID,
			Name: "فاطمة", Mobile: "01511111111"}}
		ws, _ := counter.Validate(markaz.DateOf(clock.T))
		var foreign string
		db.Write(ctx, func(tx *store.Tx) error {
			out, err := tx.RegisterRequest(clerk, &counter, "", ws)
			if err == nil {
				foreign = out.Detail.TrackingNumber
			}
			return err
		})
		rows, next, err := db.MyRequests(ctx, me, nil, 2)
		if err != nil || len(rows) != 2 || next == nil || rows[0].TrackingNumber != numbers[2] || rows[1].TrackingNumber != numbers[1] {
			t.Fatalf("first page: %+v %v %v", rows, next, err)
		}
		rows, next, err = db.MyRequests(ctx, me, next, 2)
		if err != nil || len(rows) != 1 || next != nil || rows[0].TrackingNumber != numbers[0] || rows[0].ServiceEn == "" {
			t.Fatalf("second page: %+v %v %v", rows, next, err)
		}
		if rows, _, _ := db.MyRequests(ctx, other, nil, 50); len(rows) != 0 {
			t.Errorf("another citizen sees %d requests", len(rows))
		}
		for _, n := range []string{numbers[0], foreign, "1301-0000-9999"} {
			err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.MyRequest(other, n); return err })
			if markaz.ErrorCode(err) != markaz.ENotFound {
				t.Errorf("another citizen reads %s: %v", n, err)
			}
		}
		if err := db.Read(ctx, func(tx *store.Tx) error { _, err := tx.MyRequest(me, foreign); return err }); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("request on another mobile: %v", err)
		}
		var v *store.CitizenView
		if err := db.Read(ctx, func(tx *store.Tx) error {
			var err error
			v, err = tx.MyRequest(me, numbers[0])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if v.ServiceCode != "SITE-VALID" || len(v.Documents) != 4 || v.Documents[0].Provided || len(v.History) != 1 ||
			v.History[0].Status != request.StatusSubmitted || !v.CanUpload || v.CanComplete || v.FeesDue != 20000 {
			t.Errorf("view %+v", v)
		}
		// Ownership follows the identity, not who typed it: a counter request for the
		// citizen's national ID and mobile number is theirs too.
		counter.Applicant.Mobile = citMobile
		ws, _ = counter.Validate(markaz.DateOf(clock.T))
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.RegisterRequest(clerk, &counter, "", ws); return err }); err != nil {
			t.Fatal(err)
		}
		if rows, _, _ := db.MyRequests(ctx, me, nil, 50); len(rows) != 4 || rows[0].Channel != request.ChannelCounter {
			t.Errorf("after a counter request: %+v", rows)
		}
	})
}

// A returned request comes back to review when its citizen uploads what is missing and
// says so; files are read by the citizen and the center's staff only.
func TestCitizenUploadsAndCompletes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *markaz.FixedClock) {
		c := mkCenter(t, db, "SH-CIT-01", "13-001")
		cairo := mkCenter(t, db, "CA-CIT-01", "01-001")
		me := mkCitizen(t, db, citNID, citMobile)
		other := mkCitizen(t, db, "29001011301234", "01198765432")
		clerk := reqPrincipal(markaz.RoleClerk, c.ID, c.GovCode, c.UnitCode)
		back := &markaz.Principal{UserID: "back", Username: "back", Assignments: []markaz.Assignment{
			{Role: markaz.RoleBackOffice, Level: markaz.LevelUnit, UnitCode: c.UnitCode, GovCode: c.GovCode}}}
		cairoClerk := reqPrincipal(markaz.RoleClerk, cairo.ID, cairo.GovCode, cairo.UnitCode)
		out, err := applyOnline(db, me, request.Registration{ServiceCode: "COMPLAINT", Channel: request.ChannelOnline,
			CenterID: c.ID, Applicant: request.Applicant{NationalID: citNID, Name: "فاطمة علي", Mobile: citMobile}})
		if err != nil {
			t.Fatal(err)
		}
		n := out.Detail.TrackingNumber
		png, _ := attachment.Check("files", "id.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
		add := func(p *markaz.Principal, doc string) ([]store.FileInfo, error) {
			var fs []store.FileInfo
			err := db.Write(ctx, func(tx *store.Tx) error {
				var err error
				fs, err = tx.AddRequestFiles(p, n, doc, []*attachment.File{png})
				return err
			})
			return fs, err
		}
		act := func(p *markaz.Principal, a store.Action) error {
			return db.Write(ctx, func(tx *store.Tx) error { _, err := tx.Act(p, n, a); return err })
		}
		fs, err := add(me, "صورة بطاقة الرقم القومي")
		if err != nil || len(fs) != 1 || fs[0].Document != "صورة بطاقة الرقم القومي" {
			t.Fatalf("upload: %+v %v", fs, err)
		}
		if _, err := add(me, "Birth certificate"); store.FieldCode(err, "document") != "unknown_document" {
			t.Errorf("unknown document: %v", err)
		}
		if _, err := add(other, ""); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("another citizen uploads: %v", err)
		}
		if _, err := add(cairoClerk, ""); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("a clerk of another center uploads: %v", err)
		}
		for _, c := range []struct {
			p    *markaz.Principal
			want string
		}{{me, ""}, {clerk, ""}, {back, ""}, {other, markaz.ENotFound}, {cairoClerk, markaz.EForbidden}} {
			err := db.Read(ctx, func(tx *store.Tx) error { return tx.CheckRequestFileAccess(c.p, out.Detail.ID) })
			if got := markaz.ErrorCode(err); err != nil && got != c.want || err == nil && c.want != "" {
				t.Errorf("%s reads the file: %v", c.p.Username, err)
			}
		}
		// Not returned: nothing to complete.
		if err := act(me, store.Action{Name: request.ActionComplete, Note: "done"}); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("complete while submitted: %v", err)
		}
		if err := act(me, store.Action{Name: request.ActionCancel, Note: "no"}); markaz.ErrorCode(err) != markaz.EForbidden {
			t.Errorf("citizen cancels: %v", err)
		}
		clock.T = clock.T.Add(time.Hour)
		if err := act(clerk, store.Action{Name: request.ActionForward}); err != nil {
			t.Fatal(err)
		}
		if err := act(back, store.Action{Name: request.ActionReturn, Note: "صورة أوضح"}); err != nil {
			t.Fatal(err)
		}
		var msgs []string
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.Select(&msgs, `SELECT template FROM outbox WHERE entity = 'request' AND entity_id = ? ORDER BY created_at`, out.Detail.ID)
		})
		if !slices.Equal(msgs, []string{"notify.request.submitted", "notify.request.returned_online"}) {
			t.Errorf("messages %v", msgs)
		}
		// The file uploaded before the return does not count; a note or a new file does.
		clock.T = clock.T.Add(time.Hour)
		if err := act(me, store.Action{Name: request.ActionComplete}); store.FieldCode(err, "files") != "upload_missing_first" {
			t.Fatalf("complete with nothing new: %v", err)
		}
		if err := act(other, store.Action{Name: request.ActionComplete, Note: "x"}); markaz.ErrorCode(err) != markaz.ENotFound {
			t.Errorf("another citizen completes: %v", err)
		}
		if _, err := add(me, ""); err != nil {
			t.Fatal(err)
		}
		var v *store.CitizenView
		db.Read(ctx, func(tx *store.Tx) error { v, _ = tx.MyRequest(me, n); return nil })
		if !v.CanComplete || v.Missing != "صورة أوضح" || len(v.Files) != 2 || !v.Documents[0].Provided || v.Status != request.StatusReturned {
			t.Errorf("returned view %+v", v)
		}
		if err := act(me, store.Action{Name: request.ActionComplete}); err != nil {
			t.Fatalf("complete: %v", err)
		}
		db.Read(ctx, func(tx *store.Tx) error { v, _ = tx.MyRequest(me, n); return nil })
		if v.Status != request.StatusInReview || v.CanComplete || len(v.History) != 4 || v.History[3].Action != request.ActionComplete {
			t.Errorf("after complete %+v", v)
		}
		// Decided: closed to files.
		if err := act(back, store.Action{Name: request.ActionCancel, Note: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := add(me, ""); markaz.ErrorCode(err) != markaz.EConflict {
			t.Errorf("upload to a cancelled request: %v", err)
		}
	})
}
