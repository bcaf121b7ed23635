package markaz

import (
	"math"
	"regexp"
	"strings"
	"time"
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
	c.Code = strings.ToUpper(strings.TrimSpace(LatinDigits(c.Code)))
	c.NameAr, c.NameEn = strings.TrimSpace(c.NameAr), strings.TrimSpace(c.NameEn)
	c.Opens, c.Closes = LatinDigits(c.Opens), LatinDigits(c.Closes)
	var v Validator
	v.Code("code", c.Code)
	if v.Required("kind", c.Kind) {
		v.OneOf("kind", c.Kind, KindFixed, KindMobile)
	}
	v.Text("name_ar", c.NameAr, 160, true)
	v.Text("name_en", c.NameEn, 160, true)
	v.Required("unit", c.UnitCode)
	v.Text("address", c.Address, 300, false)
	if (c.Lat == nil) != (c.Lng == nil) {
		v.Add("latitude", "lat_lng_pair", nil)
	} else if c.Lat != nil && (!finite(*c.Lat) || !finite(*c.Lng)) {
		v.Add("latitude", "number_format", nil)
	} else if c.Lat != nil && (*c.Lat < 21.5 || *c.Lat > 32 || *c.Lng < 24.5 || *c.Lng > 37.5) {
		v.Add("latitude", "outside_egypt", nil)
	}
	if c.Opens != "" && !hhmmRE.MatchString(c.Opens) {
		v.Add("opens_at", "time_format", nil)
	}
	if c.Closes != "" && !hhmmRE.MatchString(c.Closes) {
		v.Add("closes_at", "time_format", nil)
	}
	if c.Opens != "" && c.Closes != "" && !v.Has("opens_at") && !v.Has("closes_at") && c.Closes <= c.Opens {
		v.Add("closes_at", "closes_before_opens", nil)
	}
	c.WeeklyRest = normaliseRest(c.WeeklyRest, &v)
	future := func(field string, d Date) {
		switch {
		case d.IsZero():
		case d.After(today):
			v.Add(field, "date_in_future", nil)
		case d.Before(ProgrammeStart):
			v.Add(field, "date_too_early", map[string]any{"min": ProgrammeStart.String()})
		}
	}
	switch c.Kind {
	case KindFixed:
		c.MobileStatus, c.VehiclePlate, c.DeliveredOn, c.DeliveryDueFY = "", "", Date{}, nil
		if v.Required("development_status", c.DevStatus) && v.OneOf("development_status", c.DevStatus, DevStatuses...) {
			if c.DevStatus == DevDeveloped {
				if c.CompletedOn.IsZero() {
					v.Add("completed_on", "required", nil)
				}
			} else {
				c.CompletedOn = Date{}
			}
		}
		future("completed_on", c.CompletedOn)
		c.CompletedFY = nil
		if !c.CompletedOn.IsZero() {
			fy := c.CompletedOn.FiscalYear()
			c.CompletedFY = &fy
		}
	case KindMobile:
		c.DevStatus, c.CompletedOn, c.CompletedFY = "", Date{}, nil
		if v.Required("mobile_status", c.MobileStatus) && v.OneOf("mobile_status", c.MobileStatus, MobileStatuses...) {
			if c.MobileStatus != MobilePendingDelivery && c.DeliveredOn.IsZero() {
				v.Add("delivered_on", "required", nil)
			}
		}
		v.Text("vehicle_plate", c.VehiclePlate, 20, false)
		future("delivered_on", c.DeliveredOn)
		if c.DeliveryDueFY != nil && (*c.DeliveryDueFY < 2000 || *c.DeliveryDueFY > 2100) {
			v.Add("delivery_due_fiscal_year", "out_of_range", nil)
		}
	}
	return v.Err()
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func normaliseRest(s string, v *Validator) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	var out []string
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		ok := false
		for _, w := range Weekdays {
			if d == w {
				ok = true
			}
		}
		if !ok {
			v.Add("weekly_rest", "weekday_list", nil)
			return s
		}
		out = append(out, d)
	}
	if len(out) > 6 {
		v.Add("weekly_rest", "weekday_list", nil)
	}
	return strings.Join(out, ",")
}

// Retire takes the center out of service on day on (today when zero) for reason; a
// mobile unit's status becomes retired too. A center is retired once.
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
