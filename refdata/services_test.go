package refdata

import (
	"strings"
	"testing"

	"markaz/catalog"
)

func TestServices(t *testing.T) {
	seeds, err := Services()
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) != 37 {
		t.Fatalf("services: %d, want 37", len(seeds))
	}
	by := map[string]ServiceSeed{}
	for _, s := range seeds {
		by[s.Service.Code] = s
		if len(s.Service.Steps) == 0 || len(s.Service.Documents) == 0 || len(s.Fees) == 0 || s.WorkingDays < 1 {
			t.Errorf("%s: incomplete seed %+v", s.Service.Code, s)
		}
	}
	cases := []struct {
		code, expiry string
		days         int
	}{{"SHOP-LIC", catalog.ExpiryDeemedApproved, 60}, {"AD-LIC", catalog.ExpiryDeemedApproved, 60},
		{"BLD-PERMIT", catalog.ExpiryEscalate, 30}, {"RECON-APP", catalog.ExpiryEscalate, 90}}
	for _, c := range cases {
		r := by[c.code].Service.Statutory
		if r == nil || r.OnExpiry != c.expiry || r.Days != c.days {
			t.Errorf("%s statutory: %+v", c.code, r)
		}
	}
	if by["SITE-VALID"].Service.Statutory != nil {
		t.Error("SITE-VALID has no legal deadline in the file")
	}
	if !by["SITE-VALID"].Service.Online || by["BLD-PERMIT"].Service.Online {
		t.Error("online defaults: certificates online, building permits not")
	}
	if n := len(by["RECON-APP"].Fees); n != 3 {
		t.Errorf("RECON-APP fee lines: %d", n)
	}
	if got := by["SHOP-LIC"].Service.CategoryKey; got != "public-shops-licensing" {
		t.Errorf("category key %q", got)
	}
}

func TestParseServicesStrict(t *testing.T) {
	head := "code,category_en,category_ar,name_en,name_ar,legal_max_days,fee_note,source\n"
	row := func(code, days string) string {
		return code + ",Utilities,المرافق,Connect,توصيل," + days + ",,law\n"
	}
	bad := map[string]string{
		"header":   "code,category_en\n" + row("A-1", ""),
		"days":     head + row("UTIL-X", "abc"),
		"zero":     head + row("UTIL-X", "0"),
		"code":     head + row("bad code", ""),
		"repeat":   head + row("UTIL-X", "") + row("UTIL-X", ""),
		"category": head + "UTIL-X,Nowhere,مكان,Connect,توصيل,,,law\n",
		"short":    head + "UTIL-X,Utilities,المرافق\n",
		"noname":   head + "UTIL-X,Utilities,المرافق,,توصيل,,,law\n",
		"empty":    head,
	}
	for name, text := range bad {
		if _, err := ParseServices(strings.NewReader(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if s, err := ParseServices(strings.NewReader(head + row("UTIL-X", "15"))); err != nil || len(s) != 1 {
		t.Errorf("good file: %v", err)
	}
}
