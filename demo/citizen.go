package demo

// The demo citizen (scenario user "citizen", فاطمة علي حسانين): a national ID and a
// verified mobile number on the account, and two online requests at the demo center made
// through the same registration and workflow as everybody's — one returned for
// completion (saying what is missing), one awaiting payment — so that "My requests", the
// upload and "complete" forms and the payment link have something to show.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"markaz"
	"markaz/attachment"
	"markaz/request"
	"markaz/store"
)

// The demo citizen's identity: born 15 March 1995 in Sharqia (13), female (even 13th
// digit), with a matching check digit.
const (
	demoCitizenNationalID = "29503151300228"
	demoCitizenMobile     = CitizenMobile
)

// demoCitizenRequests are the citizen's online requests: the service, and the staff
// actions that bring it where the demo shows it.
var demoCitizenRequests = []struct {
	service string
	steps   []demoAct
}{
	{"OCC-UNION-UPDATE", []demoAct{{"clerk", request.ActionForward, ""},
		{"backoffice", request.ActionReturn, "صورة محضر اجتماع الجمعية العمومية غير واضحة؛ يرجى رفع صورة مقروءة موقعة من الرئيس"}}},
	{"SITE-VALID", []demoAct{{"clerk", request.ActionForward, ""}, {"backoffice", request.ActionRequestPayment, ""}}},
}

// demoAct is one workflow action by a demo user.
type demoAct struct{ user, action, note string }

// loadCitizen gives the demo citizen their identity and requests, in the loading transaction.
func loadCitizen(tx *store.Tx) error {
	u, err := tx.GetUserByName("citizen")
	if err != nil {
		return err
	}
	if _, err := tx.Exec(`UPDATE users SET national_id = ?, mobile = ? WHERE id = ?`, demoCitizenNationalID,
		demoCitizenMobile, u.ID); err != nil {
		return err
	}
	if err := tx.Audit(store.Actor{Username: "system"}, "citizen.verify", "user", u.ID, markaz.Ref{}, nil,
		map[string]any{"mobile": "demo", "national_id_last4": demoCitizenNationalID[10:]}); err != nil {
		return err
	}
	var center string
	if err := tx.Get(&center, `SELECT a.center_id FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE u.username = 'clerk' AND a.level = ?`, markaz.LevelCenter); err != nil {
		return fmt.Errorf("demo citizen: the demo clerk's center: %w", err)
	}
	p := tx.Principal(u)
	for _, dr := range demoCitizenRequests {
		svc, err := tx.Service(dr.service)
		if err != nil {
			return err
		}
		reg := request.Registration{ServiceCode: svc.Code, Channel: request.ChannelOnline, CenterID: center,
			Applicant: request.Applicant{NationalID: demoCitizenNationalID, Name: u.FullName, Mobile: demoCitizenMobile}}
		for _, d := range svc.Documents {
			reg.Documents = append(reg.Documents, d.NameAr)
		}
		warnings, err := reg.Validate(tx.Today())
		if err != nil {
			return err
		}
		out, err := tx.RegisterRequest(p, &reg, "", warnings)
		if err != nil {
			return fmt.Errorf("demo citizen: apply for %s: %w", svc.Code, err)
		}
		number := out.Detail.TrackingNumber
		for i, d := range svc.Documents {
			f, err := demoScan(i)
			if err != nil {
				return err
			}
			if _, err := tx.AddRequestFiles(p, number, d.NameAr, []*attachment.File{f}); err != nil {
				return err
			}
		}
		for _, a := range dr.steps {
			staff, err := tx.GetUserByName(a.user)
			if err != nil {
				return err
			}
			if _, err := tx.Act(tx.Principal(staff), number, store.Action{Name: a.action, Note: a.note}); err != nil {
				return fmt.Errorf("demo citizen: %s %s on %s: %w", a.user, a.action, number, err)
			}
		}
	}
	return quiet(tx)
}

// quiet marks the messages the citizen's requests queued as not sent: the demo number
// may belong to a real person.
func quiet(tx *store.Tx) error {
	const mine = `SELECT id FROM requests WHERE national_id = '` + demoCitizenNationalID + `'`
	if _, err := tx.Exec(`UPDATE jobs SET status = 'done', last_error = 'demo data: not sent', updated_at = ?
		WHERE status = 'pending' AND id IN (SELECT o.job_id FROM outbox o WHERE o.status = 'pending'
		AND o.entity = 'request' AND o.entity_id IN (`+mine+`))`, tx.Now); err != nil {
		return err
	}
	_, err := tx.Exec(`UPDATE outbox SET status = 'failed', last_error = 'demo data: not sent', updated_at = ?
		WHERE status = 'pending' AND entity = 'request' AND entity_id IN (`+mine+`)`, tx.Now)
	return err
}

// demoScan is a small grey picture standing for a phone photo of a document.
func demoScan(i int) (*attachment.File, error) {
	img := image.NewGray(image.Rect(0, 0, 48, 64))
	for y := range 64 {
		for x := range 48 {
			img.SetGray(x, y, color.Gray{Y: uint8(200 + (x*y+i*17)%40)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return attachment.Check("files", fmt.Sprintf("scan-%d.png", i+1), b.Bytes())
}
