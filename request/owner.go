package request

import "markaz"

// OwnedBy reports whether the citizen whose account holds mobile owns request r: the
// request was made for that mobile number (the applicant's number, where the request's
// messages go). A citizen account's mobile number is its identity (verified by a one-time
// code when the account is made); an account without a valid mobile owns nothing.
func OwnedBy(r *Request, mobile string) bool {
	m := markaz.NormaliseMobile(mobile)
	return markaz.ValidMobile(m) && m == r.Mobile
}
