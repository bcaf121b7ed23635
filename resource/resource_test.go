package resource

import (
	"strings"
	"testing"
	"time"

	"markaz"
)

var today = markaz.Date{Y: 2026, M: time.March, D: 15}

var (
	ministry = NeedRoles{Approve: true}
	gov      = NeedRoles{Request: true}
	none     = NeedRoles{}
)

func need(status string, qty, approved, delivered int) *Need {
	n := &Need{Status: status, Quantity: qty, Delivered: delivered, RaisedOn: today.AddDays(-30)}
	if approved > 0 {
		n.Approved = &approved
	}
	return n
}

func TestNeedLifecycle(t *testing.T) {
	cases := []struct {
		name      string
		n         *Need
		act       NeedAct
		roles     NeedRoles
		status    string
		approved  int
		delivered int
		err       string
		field     string
	}{
		{"ministry approves in full", need(NeedRaised, 10, 0, 0), NeedAct{Action: "approve"}, ministry, NeedApproved, 10, 0, "", ""},
		{"ministry approves fewer, saying why", need(NeedRaised, 10, 0, 0), NeedAct{Action: "approve", Quantity: 6, Note: "ميزانية"}, ministry, NeedApproved, 6, 0, "", ""},
		{"a reduced approval needs a reason", need(NeedRaised, 10, 0, 0), NeedAct{Action: "approve", Quantity: 6}, ministry, NeedRaised, 0, 0, markaz.EInvalid, "note"},
		{"no approval above the request", need(NeedRaised, 10, 0, 0), NeedAct{Action: "approve", Quantity: 11}, ministry, NeedRaised, 0, 0, markaz.EInvalid, "quantity"},
		{"governorate cannot approve", need(NeedRaised, 10, 0, 0), NeedAct{Action: "approve"}, gov, NeedRaised, 0, 0, markaz.EForbidden, ""},
		{"refusal needs a reason", need(NeedRaised, 10, 0, 0), NeedAct{Action: "refuse"}, ministry, NeedRaised, 0, 0, markaz.EInvalid, "note"},
		{"ministry refuses", need(NeedRaised, 10, 0, 0), NeedAct{Action: "refuse", Note: "غير مبرر"}, ministry, NeedRefused, 0, 0, "", ""},
		{"no delivery before approval", need(NeedRaised, 10, 0, 0), NeedAct{Action: "deliver", Quantity: 1}, ministry, NeedRaised, 0, 0, markaz.EConflict, ""},
		{"a first part is delivered", need(NeedApproved, 10, 6, 0), NeedAct{Action: "deliver", Quantity: 4}, gov, NeedPartly, 6, 4, "", ""},
		{"the last part fulfils", need(NeedPartly, 10, 6, 4), NeedAct{Action: "deliver", Quantity: 2}, ministry, NeedFulfilled, 6, 6, "", ""},
		{"no delivery beyond the approval", need(NeedPartly, 10, 6, 4), NeedAct{Action: "deliver", Quantity: 3}, ministry, NeedPartly, 6, 4, markaz.EInvalid, "quantity"},
		{"no delivery in the future", need(NeedApproved, 10, 6, 0), NeedAct{Action: "deliver", Quantity: 1, On: today.AddDays(1)}, ministry, NeedApproved, 6, 0, markaz.EInvalid, "delivered_on"},
		{"no delivery before the need", need(NeedApproved, 10, 6, 0), NeedAct{Action: "deliver", Quantity: 1, On: today.AddDays(-31)}, ministry, NeedApproved, 6, 0, markaz.EInvalid, "delivered_on"},
		{"nobody else delivers", need(NeedApproved, 10, 6, 0), NeedAct{Action: "deliver", Quantity: 1}, none, NeedApproved, 6, 0, markaz.EForbidden, ""},
		{"a fulfilled need is final", need(NeedFulfilled, 10, 6, 6), NeedAct{Action: "cancel", Note: "x"}, gov, NeedFulfilled, 6, 6, markaz.EConflict, ""},
		{"a refused need is final", need(NeedRefused, 10, 0, 0), NeedAct{Action: "approve"}, ministry, NeedRefused, 0, 0, markaz.EConflict, ""},
		{"the governorate cancels the rest", need(NeedPartly, 10, 6, 2), NeedAct{Action: "cancel", Note: "لم تعد مطلوبة"}, gov, NeedCancelled, 6, 2, "", ""},
		{"cancelling needs a reason", need(NeedRaised, 10, 0, 0), NeedAct{Action: "cancel"}, gov, NeedRaised, 0, 0, markaz.EInvalid, "note"},
		{"unknown action", need(NeedRaised, 10, 0, 0), NeedAct{Action: "steal"}, ministry, NeedRaised, 0, 0, markaz.EInvalid, "action"},
	}
	for _, c := range cases {
		err := c.n.Apply(&c.act, c.roles, today)
		if got := markaz.ErrorCode(err); err != nil && got != c.err || err == nil && c.err != "" {
			t.Errorf("%s: %v, want %s", c.name, err, c.err)
			continue
		}
		if c.field != "" {
			if e := err.(*markaz.Error); len(e.Fields) == 0 || e.Fields[0].Field != c.field {
				t.Errorf("%s: fields %+v, want %s", c.name, e.Fields, c.field)
			}
		}
		if err != nil {
			continue // a refused action leaves the need as it was
		}
		approved := 0
		if c.n.Approved != nil {
			approved = *c.n.Approved
		}
		if c.n.Status != c.status || approved != c.approved || c.n.Delivered != c.delivered {
			t.Errorf("%s: %s approved %d delivered %d", c.name, c.n.Status, approved, c.n.Delivered)
		}
	}
	for _, a := range NeedActions {
		for _, s := range []string{NeedFulfilled, NeedRefused, NeedCancelled} {
			n := need(s, 5, 5, 5)
			if err := n.Apply(&NeedAct{Action: a, Quantity: 1, Note: "x"}, NeedRoles{Approve: true, Request: true}, today); markaz.ErrorCode(err) != markaz.EConflict {
				t.Errorf("%s from final %s: %v", a, s, err)
			}
		}
	}
}

func TestNewNeedValidate(t *testing.T) {
	n := NewNeed{Governorate: "١٣", Kind: "printers", Quantity: 4, Justification: " طابعات الإيصالات معطلة "}
	if err := n.Validate(); err != nil || n.Governorate != "13" || n.Justification != "طابعات الإيصالات معطلة" {
		t.Fatalf("%+v %v", n, err)
	}
	bad := NewNeed{Kind: "yachts", Quantity: 0, Justification: strings.Repeat("x", MaxJustification+1)}
	e, _ := bad.Validate().(*markaz.Error)
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Code
	}
	want := map[string]string{"governorate": "required", "kind": "one_of", "quantity": "quantity_range", "justification": "too_long"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (%v)", k, got[k], v, got)
		}
	}
}

func TestEquipmentValidate(t *testing.T) {
	e := Equipment{CenterID: "c1", DeviceType: "printer", Serial: " hp-lj 4٠٠٣ "}
	if err := e.Validate(); err != nil || e.Serial != "HP-LJ4003" || e.Status != EquipWorking {
		t.Fatalf("%+v %v", e, err)
	}
	for _, c := range []struct {
		e     Equipment
		field string
		code  string
	}{
		{Equipment{CenterID: "c1", DeviceType: "toaster", Serial: "SN123"}, "device_type", "one_of"},
		{Equipment{CenterID: "c1", DeviceType: "pc", Serial: "x"}, "serial", "serial_format"},
		{Equipment{CenterID: "c1", DeviceType: "pc", Serial: "SN<script>"}, "serial", "serial_format"},
		{Equipment{CenterID: "c1", DeviceType: "pc", Serial: "SN123", Status: "broken"}, "status", "one_of"},
		{Equipment{DeviceType: "pc", Serial: "SN123"}, "center_id", "required"},
		{Equipment{CenterID: "c1", DeviceType: "pc", Serial: "SN123", Notes: strings.Repeat("n", MaxEquipmentNotes+1)}, "notes", "too_long"},
	} {
		err, _ := c.e.Validate().(*markaz.Error)
		if err == nil || len(err.Fields) != 1 || err.Fields[0].Field != c.field || err.Fields[0].Code != c.code {
			t.Errorf("%+v: %v, want %s %s", c.e, err, c.field, c.code)
		}
	}
}
