package store

import (
	"markaz"
	"markaz/request"
)

// notifyTemplate names the citizen's message for a request of channel entering status
// to by action, or "" when that change is not one the citizen is told about.
func notifyTemplate(action, to, channel string) string {
	switch {
	case action == request.ActionRegister:
		return "notify.request.submitted"
	case to == request.StatusReturned && channel == request.ChannelOnline:
		return "notify.request.returned_online" // the citizen uploads what is missing
	case to == request.StatusReturned:
		return "notify.request.returned"
	case request.Decided(to):
		return "notify.request.decided"
	case to == request.StatusReady:
		return "notify.request.ready"
	case to == request.StatusDelivered:
		return "notify.request.delivered" // with the rating link
	}
	return ""
}

// notifyCitizen queues the SMS for a request change in the same transaction as the
// change, so the message exists exactly when the change committed.
func (tx *Tx) notifyCitizen(r *request.Request, action, note string) error {
	tmpl := notifyTemplate(action, r.Status, r.Channel)
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
	if r.Status == request.StatusDelivered {
		// The token, not the link: the link's host is the sender's (notify.WithLinks).
		tok, err := tx.RatingToken(r.ID)
		if err != nil {
			return err
		}
		data["rate"] = tok
	}
	return tx.Notify(Notification{Channel: ChannelSMS, To: r.Mobile, Template: tmpl, Data: data, Locale: "ar",
		Entity: "request", EntityID: r.ID})
}

// notifyManagers tells the managers of r's center — enabled users holding center_manager
// there today — that r was escalated (reason request.EscalationStep or
// EscalationStatutory), in the same transaction: an SMS to the mobile on their user
// record, or else an e-mail, in their language. A manager with neither sees it only on
// the escalated list and the request's page.
func (tx *Tx) notifyManagers(r *request.Request, reason string) error {
	today := tx.Today()
	var ms []struct {
		ID     string `db:"id"`
		Mobile string `db:"mobile"`
		Email  string `db:"email"`
		Locale string `db:"locale"`
	}
	if err := tx.Select(&ms, `SELECT DISTINCT u.id, u.mobile, u.email, u.locale FROM users u
		JOIN assignments a ON a.user_id = u.id
		WHERE a.role = ? AND a.level = ? AND a.center_id = ? AND a.revoked_at IS NULL AND a.starts_on <= ?
			AND (a.ends_on IS NULL OR a.ends_on >= ?) AND u.disabled_at IS NULL ORDER BY u.id`,
		markaz.RoleCenterManager, markaz.LevelCenter, r.CenterID, today, today); err != nil {
		return err
	}
	data := map[string]string{"tracking": r.TrackingNumber, "due": r.DueDate.String(), "step": r.StepKey}
	for _, m := range ms {
		n := Notification{Template: "notify.escalated." + reason, Data: data, Locale: m.Locale,
			Entity: "request", EntityID: r.ID}
		switch {
		case m.Mobile != "":
			n.Channel, n.To = ChannelSMS, m.Mobile
		case m.Email != "":
			n.Channel, n.To = ChannelEmail, m.Email
		default:
			continue
		}
		if err := tx.Notify(n); err != nil {
			return err
		}
	}
	return nil
}
