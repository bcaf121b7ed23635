package store

import (
	"markaz/request"
)

// notifyTemplate names the citizen's message for a request entering status to by action,
// or "" when that change is not one the citizen is told about.
func notifyTemplate(action, to string) string {
	switch {
	case action == request.ActionRegister:
		return "notify.request.submitted"
	case to == request.StatusReturned:
		return "notify.request.returned"
	case request.Decided(to):
		return "notify.request.decided"
	case to == request.StatusReady:
		return "notify.request.ready"
	}
	return ""
}

// notifyCitizen queues the SMS for a request change in the same transaction as the
// change, so the message exists exactly when the change committed.
func (tx *Tx) notifyCitizen(r *request.Request, action, note string) error {
	tmpl := notifyTemplate(action, r.Status)
	if tmpl == "" || r.Mobile == "" {
		return nil
	}
	var center string
	if err := tx.Get(&center, `SELECT name_ar FROM centers WHERE id = ?`, r.CenterID); err != nil {
		return err
	}
	data := map[string]string{"tracking": r.TrackingNumber, "due": r.DueDate.String(), "status": r.Status, "center": center}
	if r.Status == request.StatusReturned && note != "" {
		data["missing"] = note
	}
	return tx.Notify(Notification{Channel: ChannelSMS, To: r.Mobile, Template: tmpl, Data: data, Locale: "ar",
		Entity: "request", EntityID: r.ID})
}
