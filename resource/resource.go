// Package resource is the pure domain of the centers' resources: the needs a governorate
// raises (contract engineers, computers, printers, scanners, uniforms, …), their approval
// or refusal by the ministry and their fulfilment in parts until fulfilled, and the
// equipment inventory of each center (device, serial, status). It has no SQL and no HTTP.
//
// A need goes raised → approved (in full or a reduced quantity) or refused → partly
// fulfilled → fulfilled, each delivery adding to what was received; it may be cancelled
// with a reason before it is fulfilled. Who may act: the ministry (resources.approve)
// approves and refuses; deliveries are recorded by the ministry or by the governorate
// that raised the need (resources.request); either may cancel.
package resource

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"markaz"
)

// Kinds of needs, as the issue names them.
const (
	KindEngineers = "contract_engineers"
	KindComputers = "computers"
	KindPrinters  = "printers"
	KindScanners  = "scanners"
	KindUniforms  = "uniforms"
	KindOther     = "other"
)

// Kinds lists every kind of need in display order.
var Kinds = []string{KindEngineers, KindComputers, KindPrinters, KindScanners, KindUniforms, KindOther}

// Statuses of a need.
const (
	NeedRaised    = "raised"
	NeedApproved  = "approved"
	NeedRefused   = "refused"
	NeedPartly    = "partly_fulfilled"
	NeedFulfilled = "fulfilled"
	NeedCancelled = "cancelled"
)

// NeedStatuses lists every status of a need in the order a need goes.
var NeedStatuses = []string{NeedRaised, NeedApproved, NeedPartly, NeedFulfilled, NeedRefused, NeedCancelled}

// Actions on a need.
const (
	ActionApprove = "approve"
	ActionRefuse  = "refuse"
	ActionDeliver = "deliver"
	ActionCancel  = "cancel"
)

// NeedActions lists the actions in the order a need's page offers them.
var NeedActions = []string{ActionApprove, ActionRefuse, ActionDeliver, ActionCancel}

// Limits on what a need accepts.
const (
	MaxQuantity      = 10000
	MaxJustification = 2000
	MaxNote          = 1000
)

// needFrom says from which statuses each action may be taken. Deliver leads to partly
// fulfilled or fulfilled depending on the quantities (see Need.Apply).
var needFrom = map[string][]string{
	ActionApprove: {NeedRaised},
	ActionRefuse:  {NeedRaised},
	ActionDeliver: {NeedApproved, NeedPartly},
	ActionCancel:  {NeedRaised, NeedApproved, NeedPartly},
}

// NeedRoles says which side may take a need action: the ministry ("approve": holds
// resources.approve over the need) or the raising governorate ("request": holds
// resources.request over it).
type NeedRoles struct{ Approve, Request bool }

// MayNeed reports whether roles allow action (status aside).
func MayNeed(action string, r NeedRoles) bool {
	switch action {
	case ActionApprove, ActionRefuse:
		return r.Approve
	case ActionDeliver, ActionCancel:
		return r.Approve || r.Request
	}
	return false
}

// Need is a resource need as stored and shown.
type Need struct {
	ID            string      `json:"id" db:"id"`
	GovCode       string      `json:"governorate" db:"gov_code"`
	UnitCode      string      `json:"unit,omitempty" db:"unit_code"`
	CenterID      *string     `json:"center_id" db:"center_id"`
	Kind          string      `json:"kind" db:"kind"`
	Quantity      int         `json:"quantity" db:"quantity"`
	Approved      *int        `json:"approved_quantity" db:"approved_quantity"`
	Delivered     int         `json:"delivered_quantity" db:"delivered_quantity"`
	Justification string      `json:"justification" db:"justification"`
	Status        string      `json:"status" db:"status"`
	DecisionNote  string      `json:"decision_note" db:"decision_note"`
	DecidedBy     string      `json:"decided_by" db:"decided_by"`
	DecidedAt     *time.Time  `json:"decided_at" db:"decided_at"`
	CancelNote    string      `json:"cancel_note" db:"cancel_note"`
	CancelledAt   *time.Time  `json:"cancelled_at" db:"cancelled_at"`
	RaisedBy      string      `json:"raised_by" db:"raised_by"`
	RaisedAt      time.Time   `json:"raised_at" db:"raised_at"`
	RaisedOn      markaz.Date `json:"raised_on" db:"raised_on"`
	Version       int         `json:"version" db:"version"`
	UpdatedAt     time.Time   `json:"updated_at" db:"updated_at"`
}

// Ref is the need's place in the territory: its center when it names one, else its
// governorate.
func (n *Need) Ref() markaz.Ref {
	r := markaz.Ref{Gov: n.GovCode, Unit: n.UnitCode}
	if n.CenterID != nil {
		r.Center = *n.CenterID
	}
	return r
}

// Remaining is what is still to deliver of the approved quantity.
func (n *Need) Remaining() int {
	if n.Approved == nil {
		return 0
	}
	return *n.Approved - n.Delivered
}

// NewNeed is a need as a governorate raises it.
type NewNeed struct {
	Governorate   string `json:"governorate"`
	CenterID      string `json:"center_id"`
	Kind          string `json:"kind"`
	Quantity      int    `json:"quantity"`
	Justification string `json:"justification"`
}

// Validate normalises and checks a new need. Whether the governorate and center exist,
// and agree, is the store's job.
func (n *NewNeed) Validate() error {
	n.Governorate = strings.TrimSpace(markaz.LatinDigits(n.Governorate))
	n.CenterID = strings.TrimSpace(n.CenterID)
	n.Kind = strings.TrimSpace(n.Kind)
	n.Justification = strings.TrimSpace(n.Justification)
	var v markaz.Validator
	if n.CenterID == "" {
		v.Required("governorate", n.Governorate)
	} else if !markaz.ValidID(n.CenterID) {
		v.Add("center_id", "unknown_center", nil)
	}
	if v.Required("kind", n.Kind) {
		v.OneOf("kind", n.Kind, Kinds...)
	}
	checkQuantity(&v, "quantity", n.Quantity, MaxQuantity)
	if v.Required("justification", n.Justification) {
		v.MaxLen("justification", n.Justification, MaxJustification)
	}
	return v.Err()
}

func checkQuantity(v *markaz.Validator, field string, q, max int) {
	if q < 1 || q > max {
		v.Add(field, "quantity_range", map[string]any{"max": max})
	}
}

// NeedAct is one action asked for on a need. Quantity is the approved quantity of
// approve (the full quantity when zero) and the delivered quantity of deliver; On is the
// delivery's date (today when zero); Note is the reason of refuse, cancel and of a
// reduced approval, and a delivery's note.
type NeedAct struct {
	Action   string      `json:"action"`
	Quantity int         `json:"quantity"`
	On       markaz.Date `json:"delivered_on"`
	Note     string      `json:"note"`
	Version  *int        `json:"version"`
}

// Apply checks act on need n (status, quantities, dates) by an actor with roles on day
// today, and changes n to what it becomes: EForbidden when the roles may not take the
// action, EConflict when the status does not allow it now, EInvalid with fields for bad
// input. A delivery's date lies between the day the need was raised and today.
func (n *Need) Apply(act *NeedAct, roles NeedRoles, today markaz.Date) error {
	act.Action = strings.TrimSpace(act.Action)
	act.Note = strings.TrimSpace(act.Note)
	var v markaz.Validator
	if !v.Required("action", act.Action) || !v.OneOf("action", act.Action, NeedActions...) {
		return v.Err()
	}
	if !MayNeed(act.Action, roles) {
		return markaz.ErrForbidden
	}
	if !slices.Contains(needFrom[act.Action], n.Status) {
		return markaz.Errorf(markaz.EConflict, "error.need_transition")
	}
	v.MaxLen("note", act.Note, MaxNote)
	switch act.Action {
	case ActionApprove:
		q := act.Quantity
		if q == 0 {
			q = n.Quantity
		}
		checkQuantity(&v, "quantity", q, n.Quantity)
		if q < n.Quantity && !v.Has("note") {
			v.Required("note", act.Note) // a reduced approval says why
		}
		if err := v.Err(); err != nil {
			return err
		}
		n.Approved, n.Status, n.DecisionNote = &q, NeedApproved, act.Note
	case ActionRefuse:
		if v.Required("note", act.Note); v.Err() != nil {
			return v.Err()
		}
		n.Status, n.DecisionNote = NeedRefused, act.Note
	case ActionDeliver:
		checkQuantity(&v, "quantity", act.Quantity, n.Remaining())
		if act.On.IsZero() {
			act.On = today
		}
		switch {
		case act.On.After(today):
			v.Add("delivered_on", "date_in_future", nil)
		case act.On.Before(n.RaisedOn):
			v.Add("delivered_on", "before_raised", map[string]any{"min": n.RaisedOn.String()})
		}
		if err := v.Err(); err != nil {
			return err
		}
		n.Delivered += act.Quantity
		n.Status = NeedPartly
		if n.Remaining() == 0 {
			n.Status = NeedFulfilled
		}
	case ActionCancel:
		if v.Required("note", act.Note); v.Err() != nil {
			return v.Err()
		}
		n.Status, n.CancelNote = NeedCancelled, act.Note
	}
	return v.Err()
}

// Delivery is one part of a need's fulfilment.
type Delivery struct {
	ID         string      `json:"id" db:"id"`
	Quantity   int         `json:"quantity" db:"quantity"`
	On         markaz.Date `json:"delivered_on" db:"delivered_on"`
	Note       string      `json:"note" db:"note"`
	RecordedBy string      `json:"recorded_by" db:"recorded_by"`
	RecordedAt time.Time   `json:"recorded_at" db:"recorded_at"`
}

// Device types of the equipment inventory.
const (
	DevicePC             = "pc"
	DevicePrinter        = "printer"
	DeviceScanner        = "scanner"
	DeviceReceiptPrinter = "receipt_printer"
	DeviceNetwork        = "network_device"
	DeviceUPS            = "ups"
	DeviceOther          = "other"
)

// DeviceTypes lists every device type in display order.
var DeviceTypes = []string{DevicePC, DevicePrinter, DeviceScanner, DeviceReceiptPrinter, DeviceNetwork,
	DeviceUPS, DeviceOther}

// Equipment statuses.
const (
	EquipWorking     = "working"
	EquipFaulty      = "faulty"
	EquipUnderRepair = "under_repair"
	EquipRetired     = "retired"
)

// EquipmentStatuses lists every equipment status.
var EquipmentStatuses = []string{EquipWorking, EquipFaulty, EquipUnderRepair, EquipRetired}

// MaxEquipmentNotes bounds an item's notes.
const MaxEquipmentNotes = 500

// Equipment is one item of a center's inventory.
type Equipment struct {
	ID           string    `json:"id" db:"id"`
	CenterID     string    `json:"center_id" db:"center_id"`
	CenterCode   string    `json:"center_code" db:"center_code"`
	CenterNameAr string    `json:"center_name_ar" db:"center_name_ar"`
	CenterNameEn string    `json:"center_name_en" db:"center_name_en"`
	GovCode      string    `json:"governorate" db:"gov_code"`
	UnitCode     string    `json:"unit" db:"unit_code"`
	DeviceType   string    `json:"device_type" db:"device_type"`
	Serial       string    `json:"serial" db:"serial"`
	Status       string    `json:"status" db:"status"`
	Notes        string    `json:"notes" db:"notes"`
	Version      int       `json:"version" db:"version"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time `json:"updated_at" db:"updated_at"`
}

// Ref is the item's place in the territory.
func (e *Equipment) Ref() markaz.Ref {
	return markaz.Ref{Gov: e.GovCode, Unit: e.UnitCode, Center: e.CenterID}
}

var serialRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9./-]{2,39}$`)

// NormaliseSerial puts a serial number in its stored form: Latin digits, capitals, no
// spaces, so "sn 12-٣٤" and "SN12-34" are one serial.
func NormaliseSerial(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(markaz.LatinDigits(s)), ""))
}

// Validate normalises and checks an item (working by default). Whether its center
// exists and its serial is free is the store's job.
func (e *Equipment) Validate() error {
	e.CenterID = strings.TrimSpace(e.CenterID)
	e.DeviceType = strings.TrimSpace(e.DeviceType)
	e.Serial = NormaliseSerial(e.Serial)
	e.Status = strings.TrimSpace(e.Status)
	e.Notes = strings.TrimSpace(e.Notes)
	if e.Status == "" {
		e.Status = EquipWorking
	}
	var v markaz.Validator
	if v.Required("center_id", e.CenterID) && !markaz.ValidID(e.CenterID) {
		v.Add("center_id", "unknown_center", nil)
	}
	if v.Required("device_type", e.DeviceType) {
		v.OneOf("device_type", e.DeviceType, DeviceTypes...)
	}
	if v.Required("serial", e.Serial) && !serialRE.MatchString(e.Serial) {
		v.Add("serial", "serial_format", nil)
	}
	v.OneOf("status", e.Status, EquipmentStatuses...)
	if !v.Has("notes") {
		v.MaxLen("notes", e.Notes, MaxEquipmentNotes)
	}
	return v.Err()
}
