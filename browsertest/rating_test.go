package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"markaz/store"
)

// On a phone, a citizen rates a delivered request from the tracking page, and another
// through the delivery SMS's link; both pages pass axe and fit the screen, in Arabic and
// English, before and after the rating.
func TestRatingOnAPhone(t *testing.T) {
	s := start(t, store.SQLite)
	s.do(chromedp.EmulateViewport(375, 740))
	var rs []struct {
		ID         string `db:"id"`
		Number     string `db:"tracking_number"`
		NationalID string `db:"national_id"`
	}
	var token string
	if err := s.db.Write(context.Background(), func(tx *store.Tx) error {
		if err := tx.Select(&rs, `SELECT id, tracking_number, national_id FROM requests WHERE status = 'delivered'
			ORDER BY tracking_number LIMIT 2`); err != nil || len(rs) < 2 {
			t.Fatalf("two delivered demo requests: %d %v", len(rs), err)
		}
		var err error
		token, err = tx.RatingToken(rs[1].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	s.open("/track?n=" + rs[0].Number + "&v=" + rs[0].NationalID[10:])
	s.check("tracking a delivered request ar")
	s.do(chromedp.Click(chromedp.CSS(`label[for="f-rating-4"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-comment"), "خدمة سريعة"))
	s.clickNav("#rating-submit")
	if got := s.text("#rating-value"); !strings.ContainsAny(got, "4٤") {
		t.Fatalf("tracking page after rating: %q", got)
	}
	s.check("tracking a rated request ar")

	s.open("/rate/" + token)
	s.check("rating link ar")
	s.switchLang()
	s.check("rating link en")
	s.do(chromedp.Click(chromedp.CSS(`label[for="f-rating-5"]`)))
	s.clickNav("#rating-submit")
	if got := s.text("#rating-value"); !strings.Contains(got, "5 of 5") {
		t.Fatalf("link page after rating: %q", got)
	}
	s.check("rating link rated en")
}
