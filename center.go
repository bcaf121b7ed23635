package markaz

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Center kinds.
const (
	KindFixed  = "fixed"
	KindMobile = "mobile"
)

// Development status of a fixed center.
const (
	DevPlanned          = "planned"
	DevUnderDevelopment = "under_development"
	DevDeveloped        = "developed"
)

// Status of a mobile unit.
const (
	MobilePendingDelivery = "pending_delivery"
	MobileOperating       = "operating"
	MobileMaintenance     = "maintenance"
	MobileRetired         = "retired"
)

// DevStatuses and MobileStatuses list the allowed values in display order.
var (
	DevStatuses    = []string{DevPlanned, DevUnderDevelopment, DevDeveloped}
	MobileStatuses = []string{MobilePendingDelivery, MobileOperating, MobileMaintenance, MobileRetired}
	Weekdays       = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

// ProgrammeStart bounds completion and delivery dates from below: no technology center
// was completed before it, and a typo such as year 0001 would otherwise fill the
// programme view with two thousand empty fiscal years.
var ProgrammeStart = Date{1995, time.January, 1}

// Center is a fixed technology center or a mobile unit.
type Center struct {
	ID       string   `json:"id" db:"id"`
	Code     string   `json:"code" db:"code"`
	Kind     string   `json:"kind" db:"kind"`
	NameAr   string   `json:"name_ar" db:"name_ar"`
	NameEn   string   `json:"name_en" db:"name_en"`
	GovCode  string   `json:"governorate" db:"gov_code"`
	UnitCode string   `json:"unit" db:"unit_code"`
	Address  string   `json:"address" db:"address"`
	Lat      *float64 `json:"latitude" db:"latitude"`
	Lng      *float64 `json:"longitude" db:"longitude"`
	Opens    string   `json:"opens_at" db:"opens_at"`   // HH:MM, Cairo
	Closes   string   `json:"closes_at" db:"closes_at"` // HH:MM, Cairo
	// WeeklyRest lists rest days ("fri,sat"); empty means the governorate's default.
	WeeklyRest string `json:"weekly_rest" db:"weekly_rest"`

	DevStatus   string `json:"development_status,omitempty" db:"dev_status"` // fixed only
	CompletedOn Date   `json:"completed_on" db:"completed_on"`               // when developed
	CompletedFY *int   `json:"completed_fiscal_year,omitempty" db:"completed_fy"`

	MobileStatus  string `json:"mobile_status,omitempty" db:"mobile_status"` // mobile only
	VehiclePlate  string `json:"vehicle_plate,omitempty" db:"vehicle_plate"`
	DeliveredOn   Date   `json:"delivered_on" db:"delivered_on"`
	DeliveryDueFY *int   `json:"delivery_due_fiscal_year,omitempty" db:"delivery_due_fy"`

	RetiredOn    Date      `json:"retired_on" db:"retired_on"`
	RetireReason string    `json:"retire_reason,omitempty" db:"retire_reason"`
	Version      int       `json:"version" db:"version"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" db:"updated_at"`
}

// Ref locates the center in the territory tree.
func (c *Center) Ref() Ref { return Ref{Gov: c.GovCode, Unit: c.UnitCode, Center: c.ID} }

var hhmmRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate normalises and checks a center; today bounds completion and delivery dates.
func (c *Center) Validate(today Date) error {
	var v Validator
	c.Check(&v, today)
	return v.Err()
}

// Check normalises the center and adds its problems to v. v may already hold problems
// found while reading the input (a number or date that did not parse): those fields are
// not judged again, so every problem is reported once and all of them together.
// A value given where it does not apply (a vehicle plate on a fixed center, a
// completion date on a planned one) is a problem, not silently dropped.
func (c *Center) Check(v *Validator, today Date) {
	c.Code = strings.ToUpper(strings.TrimSpace(LatinDigits(c.Code)))
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	c.VehiclePlate = strings.TrimSpace(c.VehiclePlate)
	c.Opens, c.Closes = LatinDigits(c.Opens), LatinDigits(c.Closes)
	v.Code("code", c.Code)
	if v.Required("kind", c.Kind) {
		v.OneOf("kind", c.Kind, KindFixed, KindMobile)
	}
	v.Text("name_ar", c.NameAr, 160, true)
	if !v.Has("name_ar") && !strings.ContainsFunc(c.NameAr, isArabicLetter) {
		v.Add("name_ar", "needs_arabic", nil)
	}
	v.Text("name_en", c.NameEn, 160, true)
	if !v.Has("name_en") && strings.ContainsFunc(c.NameEn, isArabicLetter) {
		v.Add("name_en", "no_arabic", nil)
	}
	v.Required("unit", c.UnitCode)
	v.Text("address", c.Address, 300, false)
	c.checkLocation(v)
	if c.Opens != "" && !hhmmRE.MatchString(c.Opens) {
		v.Add("opens_at", "time_format", nil)
	}
	if c.Closes != "" && !hhmmRE.MatchString(c.Closes) {
		v.Add("closes_at", "time_format", nil)
	}
	if c.Opens != "" && c.Closes != "" && !v.Has("opens_at") && !v.Has("closes_at") && c.Closes <= c.Opens {
		v.Add("closes_at", "closes_before_opens", nil)
	}
	c.WeeklyRest = normaliseRest(c.WeeklyRest, v)
	switch c.Kind {
	case KindFixed:
		c.checkFixed(v, today)
	case KindMobile:
		c.checkMobile(v, today)
	}
}

// checkLocation wants both coordinates or neither, inside Egypt.
func (c *Center) checkLocation(v *Validator) {
	switch {
	case v.Has("latitude") || v.Has("longitude"):
		// One did not parse: that is the problem to fix first.
	case (c.Lat == nil) != (c.Lng == nil):
		v.Add("latitude", "lat_lng_pair", nil)
	case c.Lat != nil && (!finite(*c.Lat) || !finite(*c.Lng)):
		v.Add("latitude", "number_format", nil)
	case c.Lat != nil && (*c.Lat < 21.5 || *c.Lat > 32 || *c.Lng < 24.5 || *c.Lng > 37.5):
		v.Add("latitude", "outside_egypt", nil)
	}
}

// checkFixed checks the development part of a fixed center and refuses mobile-unit
// values on it.
func (c *Center) checkFixed(v *Validator, today Date) {
	notFor(v, "mobile_status", c.MobileStatus != "", "only_mobile")
	notFor(v, "vehicle_plate", c.VehiclePlate != "", "only_mobile")
	notFor(v, "delivered_on", !c.DeliveredOn.IsZero(), "only_mobile")
	notFor(v, "delivery_due_fiscal_year", c.DeliveryDueFY != nil, "only_mobile")
	if v.Required("development_status", c.DevStatus) && v.OneOf("development_status", c.DevStatus, DevStatuses...) {
		if c.DevStatus == DevDeveloped {
			if c.CompletedOn.IsZero() && !v.Has("completed_on") {
				v.Add("completed_on", "required", nil)
			}
		} else {
			notFor(v, "completed_on", !c.CompletedOn.IsZero(), "only_developed")
		}
	}
	checkPast(v, "completed_on", c.CompletedOn, today)
	c.CompletedFY = nil
	if !c.CompletedOn.IsZero() {
		fy := c.CompletedOn.FiscalYear()
		c.CompletedFY = &fy
	}
}

// checkMobile checks the status and vehicle of a mobile unit and refuses fixed-center
// values on it.
func (c *Center) checkMobile(v *Validator, today Date) {
	notFor(v, "development_status", c.DevStatus != "", "only_fixed")
	notFor(v, "completed_on", !c.CompletedOn.IsZero(), "only_fixed")
	c.CompletedFY = nil
	if v.Required("mobile_status", c.MobileStatus) && v.OneOf("mobile_status", c.MobileStatus, MobileStatuses...) {
		if c.MobileStatus != MobilePendingDelivery && c.DeliveredOn.IsZero() && !v.Has("delivered_on") {
			v.Add("delivered_on", "required", nil)
		}
	}
	v.Text("vehicle_plate", c.VehiclePlate, 20, false)
	checkPast(v, "delivered_on", c.DeliveredOn, today)
	if c.DeliveryDueFY != nil && (*c.DeliveryDueFY < 2000 || *c.DeliveryDueFY > 2100) {
		v.Add("delivery_due_fiscal_year", "out_of_range", nil)
	}
}

// notFor reports code on field when a value was given (given) where it does not apply,
// unless the field already has a problem.
func notFor(v *Validator, field string, given bool, code string) {
	if given && !v.Has(field) {
		v.Add(field, code, nil)
	}
}

// checkPast wants d, when set, between the programme's start and today.
func checkPast(v *Validator, field string, d, today Date) {
	switch {
	case d.IsZero() || v.Has(field):
	case d.After(today):
		v.Add(field, "date_in_future", nil)
	case d.Before(ProgrammeStart):
		v.Add(field, "date_too_early", map[string]any{"min": ProgrammeStart.String()})
	}
}

func isArabicLetter(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// normaliseRest reads a rest-day list ("Fri, sat") into week order without repeats. Unknown
// day codes are one problem; resting all seven days is another.
func normaliseRest(s string, v *Validator) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	seen := map[string]bool{}
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if !slices.Contains(Weekdays, d) {
			v.Add("weekly_rest", "weekday_list", nil)
			return s
		}
		seen[d] = true
	}
	var out []string
	for _, w := range Weekdays {
		if seen[w] {
			out = append(out, w)
		}
	}
	if len(out) == len(Weekdays) {
		v.Add("weekly_rest", "rest_all_week", nil)
	}
	return strings.Join(out, ",")
}

// Retire takes the center out of service on day on (today when zero) for reason; a
// mobile unit's status becomes retired too. A center is retired once, and not before it
// existed: the day must not precede the day it was recorded (CreatedAt), its development
// was completed or it was delivered.
func (c *Center) Retire(on Date, reason string, today Date) error {
	if !c.RetiredOn.IsZero() {
		return &Error{Code: EConflict, Key: "centers.error.retired"}
	}
	reason = strings.TrimSpace(reason)
	if on.IsZero() {
		on = today
	}
	var v Validator
	v.Text("reason", reason, 500, true)
	// The day the record was typed in does not bound it: centers registered at go-live
	// may have closed long before. Completion, delivery and the programme's start do.
	floor, code := ProgrammeStart, "date_too_early"
	if c.CompletedOn.After(floor) {
		floor, code = c.CompletedOn, "retired_before_completed"
	}
	if c.DeliveredOn.After(floor) {
		floor, code = c.DeliveredOn, "retired_before_delivered"
	}
	if !floor.IsZero() && on.Before(floor) {
		v.Add("retired_on", code, map[string]any{"min": floor.String()})
	}
	if on.After(today) {
		v.Add("retired_on", "date_in_future", nil)
	}
	if err := v.Err(); err != nil {
		return err
	}
	c.RetiredOn, c.RetireReason = on, reason
	if c.Kind == KindMobile {
		c.MobileStatus = MobileRetired
	}
	return nil
}
