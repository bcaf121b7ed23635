package markaz

import (
	"strings"
	"testing"
	"time"
)

func fieldCodes(err error) map[string]string {
	m := map[string]string{}
	if e, ok := err.(*Error); ok {
		for _, f := range e.Fields {
			m[f.Field] = f.Code
		}
	}
	return m
}

func TestCenterValidate(t *testing.T) {
	today := Date{2026, time.March, 15}
	lat, lng := 30.58, 31.5
	far := 51.5
	base := func() Center {
		return Center{Code: "tc-13-001", Kind: KindFixed, NameAr: "مركز", NameEn: "Center", UnitCode: "13-001",
			DevStatus: DevDeveloped, CompletedOn: Date{2022, time.August, 1}, Opens: "08:00", Closes: "15:00"}
	}
	for name, c := range map[string]struct {
		mod  func(*Center)
		want map[string]string
	}{
		"ok":               {func(c *Center) {}, map[string]string{}},
		"no completion":    {func(c *Center) { c.CompletedOn = Date{} }, map[string]string{"completed_on": "required"}},
		"too early":        {func(c *Center) { c.CompletedOn = Date{1990, time.July, 1} }, map[string]string{"completed_on": "date_too_early"}},
		"future":           {func(c *Center) { c.CompletedOn = Date{2026, time.March, 16} }, map[string]string{"completed_on": "date_in_future"}},
		"bad kind":         {func(c *Center) { c.Kind = "boat" }, map[string]string{"kind": "one_of"}},
		"bad hours":        {func(c *Center) { c.Opens = "25:00" }, map[string]string{"opens_at": "time_format"}},
		"closes first":     {func(c *Center) { c.Closes = "07:00" }, map[string]string{"closes_at": "closes_before_opens"}},
		"half location":    {func(c *Center) { c.Lat = &lat }, map[string]string{"latitude": "lat_lng_pair"}},
		"outside egypt":    {func(c *Center) { c.Lat, c.Lng = &far, &lng }, map[string]string{"latitude": "outside_egypt"}},
		"rest days":        {func(c *Center) { c.WeeklyRest = "fri,funday" }, map[string]string{"weekly_rest": "weekday_list"}},
		"long name":        {func(c *Center) { c.NameAr = strings.Repeat("م", 161) }, map[string]string{"name_ar": "too_long"}},
		"mobile delivered": {func(c *Center) { c.Kind, c.MobileStatus = KindMobile, MobileOperating }, map[string]string{"delivered_on": "required"}},
	} {
		c2 := base()
		c.mod(&c2)
		got := fieldCodes(c2.Validate(today))
		if len(got) != len(c.want) {
			t.Errorf("%s: got %v, want %v", name, got, c.want)
			continue
		}
		for f, code := range c.want {
			if got[f] != code {
				t.Errorf("%s: %s = %q, want %q", name, f, got[f], code)
			}
		}
	}
	c := base()
	c.Validate(today)
	if c.Code != "TC-13-001" || c.CompletedFY == nil || *c.CompletedFY != 2022 {
		t.Errorf("normalisation: %s %v", c.Code, c.CompletedFY)
	}
}

func TestMobileNumbers(t *testing.T) {
	for in, ok := range map[string]bool{
		"01012345678": true, "+201512345678": true, "00201112345678": true, "٠١٢٣٤٥٦٧٨٩٠": true,
		"01312345678": false, "0101234567": false, "+2021234567": false,
	} {
		if ValidMobile(in) != ok {
			t.Errorf("ValidMobile(%q) != %v", in, ok)
		}
	}
}
