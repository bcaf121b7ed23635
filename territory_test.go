package markaz

import "testing"

func TestNormalizeSearch(t *testing.T) {
	for _, c := range [][2]string{
		{"الإسكندرية", "الاسكندريه"},
		{"أسيوط", "اسيوط"},
		{"آمنة", "امنه"},
		{"مصطفى", "مصطفي"},
		{"مُحَمَّد", "محمد"},
		{"القـــاهرة", "القاهره"},
		{"مركز ١٢٣", "مركز 123"},
		{"  Port   Said ", "port said"},
		{"El-Sharq, 2", "el sharq 2"},
	} {
		if got := NormalizeSearch(c[0]); got != c[1] {
			t.Errorf("NormalizeSearch(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestScopeContains(t *testing.T) {
	s := Scope{Govs: []string{"13"}, Units: []string{"01-005"}, Centers: []string{"c1"}}
	for _, c := range []struct {
		r    Ref
		want bool
	}{
		{Ref{Gov: "13", Unit: "13-002", Center: "x"}, true},
		{Ref{Gov: "01", Unit: "01-005"}, true},
		{Ref{Gov: "01", Unit: "01-006", Center: "c1"}, true},
		{Ref{Gov: "01", Unit: "01-006", Center: "c2"}, false},
		{Ref{}, false},
	} {
		if got := s.Contains(c.r); got != c.want {
			t.Errorf("%+v: %v", c.r, got)
		}
	}
	if !(Scope{All: true}).Contains(Ref{}) || !(Scope{}).Empty() {
		t.Error("all/empty scope")
	}
}

func TestUnitValidate(t *testing.T) {
	ok := Unit{Code: "13-020", GovCode: "13", NameAr: "بلبيس", NameEn: "Belbeis", Type: "markaz"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := Unit{Code: "01-020", GovCode: "13", NameAr: "", NameEn: "x", Type: "village"}
	err := bad.Validate()
	e, _ := err.(*Error)
	if e == nil || len(e.Fields) != 3 {
		t.Fatalf("want code, name_ar, unit_type errors: %v", err)
	}
}
