package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"markaz/i18n"
	"markaz/store"
)

// overflow fails when the page is wider than the phone's screen.
func (s *session) overflow(label string) {
	s.t.Helper()
	scroll, err := chromedp.Run(s.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
	if err != nil {
		s.t.Fatal(err)
	}
	if scroll > 0 {
		s.t.Errorf("%s overflows a phone screen by %dpx", label, scroll)
	}
}

// check runs axe and the phone-width check on the current page.
func (s *session) check(label string) {
	s.t.Helper()
	s.axe(label)
	s.overflow(label)
}

// A citizen on a phone signs up (the code read from the outbox, as the SMS would bring
// it), confirms the number, applies online with a photo of a document and finds the
// request in "My requests"; the demo citizen's returned and awaiting-payment requests pass
// axe in both languages.
func TestCitizenOnAPhone(t *testing.T) {
	s := start(t, store.SQLite)
	s.do(chromedp.EmulateViewport(375, 740))
	s.open("/")
	s.check("home ar (anonymous)")
	s.clickNav(`main a[href="/signup"]`)
	s.check("signup ar")
	const mobile = "01098765432"
	s.do(
		chromedp.SendKeys(chromedp.CSS("#f-national_id"), "29001011301234"),
		chromedp.SendKeys(chromedp.CSS("#f-full_name"), "سارة محمود عبد الله"),
		chromedp.SendKeys(chromedp.CSS("#f-mobile"), mobile),
		chromedp.SendKeys(chromedp.CSS("#f-password"), demoPassword),
		chromedp.SendKeys(chromedp.CSS("#f-confirm"), demoPassword),
	)
	s.clickNav("#signup-submit")
	s.check("verify ar")
	var data string
	if err := s.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&data, `SELECT data_json FROM outbox WHERE recipient = ? AND template = ?`, mobile, store.TemplateSignupCode)
	}); err != nil {
		t.Fatal(err)
	}
	var msg map[string]string
	json.Unmarshal([]byte(data), &msg)
	s.do(chromedp.SendKeys(chromedp.CSS("#f-code"), msg["code"]))
	s.clickNav("#verify-submit")
	s.do(chromedp.WaitVisible(chromedp.CSS("#logout")))
	if !strings.Contains(s.text("main"), i18n.T("ar", "citizen.welcome", nil)) {
		t.Fatalf("no welcome after verification: %.300s", s.text("main"))
	}
	s.check("my requests ar (empty)")

	s.clickNav("#new-application")
	s.check("apply ar")
	s.clickNav(`a[href="/apply/COMPLAINT"]`)
	s.do(chromedp.SetValue(chromedp.CSS("#f-governorate"), "13"))
	s.clickNav("#show-centers")
	center, err := chromedp.Run(s.ctx, chromedp.Evaluate[string](`document.querySelector('#f-center_id option:not([value=""])').value`))
	if err != nil || center == "" {
		t.Fatalf("no center to choose: %v", err)
	}
	s.do(chromedp.SetValue(chromedp.CSS("#f-center_id"), center))
	s.clickNav("#choose-center")
	s.check("application form ar")
	photo := filepath.Join(t.TempDir(), "national-id.png")
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 30)))
	if err := os.WriteFile(photo, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.do(chromedp.SetUploadFiles(chromedp.CSS("#f-doc-0"), []string{photo}),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "عمود الإنارة أمام المنزل معطل"))
	s.clickNav("#apply-submit")
	var number string
	if err := s.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.Get(&number, `SELECT tracking_number FROM requests WHERE mobile = ? AND channel = 'online'`, mobile)
	}); err != nil {
		t.Fatalf("the application was not registered: %v", err)
	}
	if got := s.text("#tracking-number"); got != i18n.Digits(number, "arab") {
		t.Fatalf("request page shows %q, want %s", got, number)
	}
	if !strings.Contains(s.text("#files"), "national-id.png") {
		t.Errorf("the uploaded photo is not listed: %s", s.text("main"))
	}
	s.check("request ar")
	s.clickNav(`a[href="/me/requests"]`)
	if !strings.Contains(s.text("#my-requests"), i18n.Digits(number, "arab")) {
		t.Fatalf("my requests lacks %s: %s", number, s.text("main"))
	}
	s.check("my requests ar")
	s.switchLang()
	s.check("my requests en")
	s.open("/me/requests/" + number)
	s.check("request en")
	s.open("/apply/COMPLAINT?governorate=13&center_id=" + center)
	s.check("application form en")
	s.clickNav("#logout")

	// The demo citizen: a request returned for completion (upload and complete forms)
	// and one awaiting payment (the pay link).
	s.login("citizen")
	var mine []string
	var returned string
	if err := s.db.Read(context.Background(), func(tx *store.Tx) error {
		if err := tx.Get(&returned, `SELECT r.tracking_number FROM requests r JOIN users u ON u.national_id = r.national_id
			AND u.mobile = r.mobile WHERE u.username = 'citizen' AND r.status = 'returned'`); err != nil {
			return err
		}
		return tx.Select(&mine, `SELECT r.tracking_number FROM requests r JOIN users u ON u.national_id = r.national_id
			AND u.mobile = r.mobile WHERE u.username = 'citizen' ORDER BY r.status`)
	}); err != nil || len(mine) < 2 { // its own two, and the payments demo's
		t.Fatalf("demo citizen's requests: %v %v", mine, err)
	}
	for range 2 {
		for _, n := range mine {
			s.open("/me/requests/" + n)
			s.check("demo citizen " + n + " " + s.attr("html", "lang"))
		}
		s.open("/")
		s.check("citizen home " + s.attr("html", "lang"))
		s.switchLang()
	}
	s.open("/me/requests/" + mine[0]) // awaiting_payment sorts before returned
	if href := s.attr("#pay-link", "href"); href != "/requests/"+mine[0]+"/payments" {
		t.Errorf("pay link %q", href)
	}
	s.open("/me/requests/" + returned)
	s.do(chromedp.WaitVisible(chromedp.CSS("#complete-form")), chromedp.WaitVisible(chromedp.CSS("#missing")))
}
