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
	fy := 2024
	base := func() Center {
		return Center{Code: "tc-13-001", Kind: KindFixed, NameAr: "مركز", NameEn: "Center", UnitCode: "13-001",
			DevStatus: DevDeveloped, CompletedOn: Date{2022, time.August, 1}, Opens: "08:00", Closes: "15:00"}
	}
	for name, c := range map[string]struct {
		mod  func(*Center)
		want map[string]string
	}{
		"ok":            {func(c *Center) {}, map[string]string{}},
		"no completion": {func(c *Center) { c.CompletedOn = Date{} }, map[string]string{"completed_on": "required"}},
		"too early":     {func(c *Center) { c.CompletedOn = Date{1990, time.July, 1} }, map[string]string{"completed_on": "date_too_early"}},
		"future":        {func(c *Center) { c.CompletedOn = Date{2026, time.March, 16} }, map[string]string{"completed_on": "date_in_future"}},
		"bad kind":      {func(c *Center) { c.Kind = "boat" }, map[string]string{"kind": "one_of"}},
		"bad hours":     {func(c *Center) { c.Opens = "25:00" }, map[string]string{"opens_at": "time_format"}},
		"closes first":  {func(c *Center) { c.Closes = "07:00" }, map[string]string{"closes_at": "closes_before_opens"}},
		"half location": {func(c *Center) { c.Lat = &lat }, map[string]string{"latitude": "lat_lng_pair"}},
		"outside egypt": {func(c *Center) { c.Lat, c.Lng = &far, &lng }, map[string]string{"latitude": "outside_egypt"}},
		"rest days":     {func(c *Center) { c.WeeklyRest = "fri,funday" }, map[string]string{"weekly_rest": "weekday_list"}},
		"long name":     {func(c *Center) { c.NameAr = strings.Repeat("م", 161) }, map[string]string{"name_ar": "too_long"}},
		"mobile delivered": {func(c *Center) {
			c.Kind, c.MobileStatus, c.DevStatus, c.CompletedOn = KindMobile, MobileOperating, "", Date{}
		}, map[string]string{"delivered_on": "required"}},
		"all week rest":       {func(c *Center) { c.WeeklyRest = "sat,sun,mon,tue,wed,thu,fri,fri" }, map[string]string{"weekly_rest": "rest_all_week"}},
		"latin arabic name":   {func(c *Center) { c.NameAr = "Center 1" }, map[string]string{"name_ar": "needs_arabic"}},
		"arabic english name": {func(c *Center) { c.NameEn = "Center مركز" }, map[string]string{"name_en": "no_arabic"}},
		"plate on fixed": {func(c *Center) { c.VehiclePlate, c.DeliveredOn = "ABC 123", Date{2023, time.May, 1} },
			map[string]string{"vehicle_plate": "only_mobile", "delivered_on": "only_mobile"}},
		"mobile status on fixed":  {func(c *Center) { c.MobileStatus, c.DeliveryDueFY = MobileOperating, &fy }, map[string]string{"mobile_status": "only_mobile", "delivery_due_fiscal_year": "only_mobile"}},
		"completion when planned": {func(c *Center) { c.DevStatus = DevPlanned }, map[string]string{"completed_on": "only_developed"}},
		"fixed values on mobile":  {func(c *Center) { c.Kind, c.MobileStatus = KindMobile, MobilePendingDelivery }, map[string]string{"development_status": "only_fixed", "completed_on": "only_fixed"}},
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
	c.WeeklyRest = "Sat, fri,sat"
	c.Validate(today)
	if c.Code != "TC-13-001" || c.CompletedFY == nil || *c.CompletedFY != 2022 || c.WeeklyRest != "fri,sat" {
		t.Errorf("normalisation: %s %v %q", c.Code, c.CompletedFY, c.WeeklyRest)
	}

	// Problems found reading the input come first and are not judged again: a longitude
	// that did not parse is not also "give both".
	var v Validator
	v.Add("longitude", "number_format", nil)
	c = base()
	c.Lat, c.NameAr = &lat, ""
	c.Check(&v, today)
	if got := fieldCodes(v.Err()); len(got) != 2 || got["longitude"] != "number_format" || got["name_ar"] != "required" {
		t.Errorf("with input problems: %v", got)
	}
}

func TestCenterRetire(t *testing.T) {
	today := Date{2026, time.March, 15}
	recorded := time.Date(2025, 6, 1, 21, 30, 0, 0, time.UTC) // 2 June in Cairo
	for name, c := range map[string]struct {
		c    Center
		on   Date
		want string
	}{
		"today":                 {Center{Kind: KindFixed, CreatedAt: recorded}, Date{}, ""},
		"on the day recorded":   {Center{Kind: KindFixed, CreatedAt: recorded}, Date{2025, time.June, 2}, ""},
		"closed before go-live": {Center{Kind: KindFixed, CreatedAt: recorded}, Date{2025, time.June, 1}, ""},
		"before the programme":  {Center{Kind: KindFixed, CreatedAt: recorded}, Date{1994, time.June, 1}, "date_too_early"},
		"before completed":      {Center{Kind: KindFixed, CreatedAt: recorded, CompletedOn: Date{2025, time.September, 1}}, Date{2025, time.August, 1}, "retired_before_completed"},
		"before delivered":      {Center{Kind: KindMobile, CreatedAt: recorded, DeliveredOn: Date{2025, time.July, 1}}, Date{2025, time.June, 20}, "retired_before_delivered"},
		"completed long before": {Center{Kind: KindFixed, CreatedAt: recorded, CompletedOn: Date{2019, time.July, 1}}, Date{2020, time.January, 1}, ""},
		"future":                {Center{Kind: KindFixed, CreatedAt: recorded}, Date{2026, time.March, 16}, "date_in_future"},
	} {
		err := c.c.Retire(c.on, "Merged", today)
		if got := fieldCodes(err)["retired_on"]; got != c.want || (c.want == "") != (err == nil) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
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
