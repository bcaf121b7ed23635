package refdata

import (
	"strings"
	"testing"
)

func TestTerritory(t *testing.T) {
	govs, units, err := Territory()
	if err != nil {
		t.Fatal(err)
	}
	if len(govs) != 27 || len(units) != 337 {
		t.Fatalf("%d governorates, %d units", len(govs), len(units))
	}
	seen := map[string]bool{}
	for _, u := range units {
		if seen[u.Code] {
			t.Errorf("duplicate unit code %s", u.Code)
		}
		seen[u.Code] = true
	}
	if govs[0].Code != "01" || govs[0].NameEn != "Cairo" || govs[0].NameAr != "القاهرة" {
		t.Errorf("first governorate %+v", govs[0])
	}
}

func TestParseTerritoryRejectsBadFiles(t *testing.T) {
	for _, in := range []string{
		"",
		"a,b,c\n",
		"unit_code,gov_code,gov_name_ar,gov_name_en,unit_name_ar,unit_name_en,unit_type\n01-001,01,ق,Cairo,,X,hayy\n",
		"unit_code,gov_code,gov_name_ar,gov_name_en,unit_name_ar,unit_name_en,unit_type\n13-001,01,ق,Cairo,ز,X,hayy\n",
		"unit_code,gov_code,gov_name_ar,gov_name_en,unit_name_ar,unit_name_en,unit_type\n01-001,01,ق,Cairo,ز,X,village\n",
	} {
		if _, _, err := ParseTerritory(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}
