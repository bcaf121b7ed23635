package demo

import (
	"bytes"
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"markaz"
	"markaz/auth"
	"markaz/i18n"
	"markaz/refdata"
	"markaz/store"
)

//go:embed scenario.json
var scenarioJSON []byte

// scenario is the demo dataset's description; every figure lives in scenario.json.
type scenario struct {
	About     string `json:"about"`
	Seed      uint64 `json:"seed"`
	Opens     string `json:"opens_at"`
	Closes    string `json:"closes_at"`
	AddressAr string `json:"address_ar"`
	Fixed     fleet  `json:"fixed"`
	Mobile    fleet  `json:"mobile"`
	// AssignmentsStart is when every demo user's assignment begins.
	AssignmentsStart markaz.Date `json:"assignments_start"`
	// CenterGov holds "the demo center": its first developed fixed center (by code) is
	// where center-level demo users work, and its district/city is where unit-level
	// demo users work (users with level center or unit and no territory).
	CenterGov string     `json:"center_governorate"`
	Users     []demoUser `json:"users"`
	// SupportTeams places support users (by username) in an escalation team.
	SupportTeams map[string]string `json:"support_teams"`
}

// fleet describes the fixed centers or the mobile units.
type fleet struct {
	CodePrefix     string   `json:"code_prefix"`
	CodeDigits     int      `json:"code_digits"`
	NameAr         string   `json:"name_ar"`
	NameEn         string   `json:"name_en"`
	ExtraNameAr    string   `json:"extra_name_ar"` // second and later center of one unit
	ExtraNameEn    string   `json:"extra_name_en"`
	PreferUnitType string   `json:"prefer_unit_type"` // place on these units where the governorate has any
	PlateLetters   []string `json:"plate_letters"`
	Batches        []batch  `json:"batches"`
}

// batch is a number of centers sharing a status; dates fall in fiscal years
// FirstFY..LastFY, pending mobile units are due in DueFY.
type batch struct {
	Status  string `json:"status"`
	Count   int    `json:"count"`
	FirstFY int    `json:"first_fy"`
	LastFY  int    `json:"last_fy"`
	DueFY   *int   `json:"due_fy"`
}

func (f fleet) total() int {
	n := 0
	for _, b := range f.Batches {
		n += b.Count
	}
	return n
}

type demoUser struct {
	Username  string `json:"username"`
	FullName  string `json:"full_name"`
	Role      string `json:"role"`
	Level     string `json:"level"`
	Territory string `json:"territory"`
}

func parseScenario() (*scenario, error) {
	var sc scenario
	dec := json.NewDecoder(bytes.NewReader(scenarioJSON))
	dec.DisallowUnknownFields() // a misspelt key must not silently change the figures
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("demo scenario: %w", err)
	}
	return &sc, nil
}

// load writes the demo dataset inside tx: the centers and mobile units of the scenario
// over the embedded territory, then the demo users, all with password.
func load(tx *store.Tx, password string) error {
	sc, err := parseScenario()
	if err != nil {
		return err
	}
	g, err := newGenerator(sc)
	if err != nil {
		return err
	}
	centers := append(g.fixed(), g.mobile()...)
	today := tx.Today()
	for i := range centers {
		if err := centers[i].Validate(today); err != nil {
			return fmt.Errorf("demo center %s: %w", centers[i].Code, err)
		}
		if err := tx.InsertCenter(store.Actor{}, &centers[i]); err != nil {
			return fmt.Errorf("demo center %s: %w", centers[i].Code, err)
		}
	}
	home := demoCenter(centers, sc.CenterGov)
	if home == nil {
		return fmt.Errorf("demo scenario: no developed fixed center in governorate %s", sc.CenterGov)
	}
	return insertUsers(tx, sc, home, password)
}

// demoCenter is the first developed fixed center of governorate gov, by code.
func demoCenter(centers []markaz.Center, gov string) *markaz.Center {
	var best *markaz.Center
	for i := range centers {
		c := &centers[i]
		if c.Kind == markaz.KindFixed && c.DevStatus == markaz.DevDeveloped && c.GovCode == gov &&
			(best == nil || c.Code < best.Code) {
			best = c
		}
	}
	return best
}

// insertUsers creates the demo users; the password is hashed once (hashing is slow on
// purpose) and demo users are not asked to change it.
func insertUsers(tx *store.Tx, sc *scenario, home *markaz.Center, password string) error {
	hash := auth.Hash(password, auth.Default)
	for _, du := range sc.Users {
		a := markaz.Assignment{Role: du.Role, Level: du.Level, StartsOn: sc.AssignmentsStart}
		switch du.Level {
		case markaz.LevelGovernorate:
			a.GovCode = du.Territory
		case markaz.LevelUnit:
			a.UnitCode = cmp.Or(du.Territory, home.UnitCode)
		case markaz.LevelCenter:
			a.CenterID = home.ID
		}
		if err := tx.ResolveAssignment(&a); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		u := &markaz.User{Username: du.Username, FullName: du.FullName, PasswordHash: hash,
			Assignments: []markaz.Assignment{a}}
		if err := u.Validate(); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		if err := tx.InsertUser(store.Actor{}, u); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
	}
	return nil
}

// generator builds the scenario's centers deterministically: the same PRNG seed gives
// the same data on every run and both engines.
type generator struct {
	sc    *scenario
	govs  []markaz.Governorate
	byGov map[string][]markaz.Unit
	rng   *rand.Rand
}

// newGenerator prepares the scenario over the embedded territory.
func newGenerator(sc *scenario) (*generator, error) {
	govs, units, err := refdata.Territory()
	if err != nil {
		return nil, err
	}
	g := &generator{sc: sc, govs: govs, byGov: map[string][]markaz.Unit{},
		rng: rand.New(rand.NewPCG(sc.Seed, sc.Seed^0x9e3779b97f4a7c15))}
	for _, u := range units {
		g.byGov[u.GovCode] = append(g.byGov[u.GovCode], u)
	}
	return g, nil
}

// intn returns a number in [0, n). It uses only the PCG source's raw output, whose
// sequence is fixed, so the data does not change with the Go release.
func (g *generator) intn(n int) int { return int(g.rng.Uint64() % uint64(n)) }

// shuffle permutes n items (Fisher–Yates).
func (g *generator) shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, g.intn(i+1))
	}
}

// apportion splits total over the governorates in proportion to their number of units
// (largest remainder; ties go to the earlier governorate).
func (g *generator) apportion(total int) []int {
	n := 0
	for _, gv := range g.govs {
		n += len(g.byGov[gv.Code])
	}
	out := make([]int, len(g.govs))
	rem := make([]int, len(g.govs))
	left := total
	for i, gv := range g.govs {
		share := total * len(g.byGov[gv.Code])
		out[i], rem[i] = share/n, share%n
		left -= out[i]
	}
	order := make([]int, len(g.govs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rem[b] - rem[a] })
	for _, i := range order[:left] {
		out[i]++
	}
	return out
}

// statuses lists the batch of every center in the fleet, shuffled.
func (g *generator) statuses(f fleet) []batch {
	var out []batch
	for _, b := range f.Batches {
		for range b.Count {
			out = append(out, b)
		}
	}
	g.shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// dateIn returns a day inside fiscal years first..last.
func (g *generator) dateIn(first, last int) markaz.Date {
	from, _ := markaz.FiscalYearBounds(first)
	_, to := markaz.FiscalYearBounds(last)
	days := 1
	for d := from; d.Before(to); d = d.AddDays(1) {
		days++
	}
	return from.AddDays(g.intn(days))
}

// places picks k units of a governorate's list, spreading them so that no unit gets a
// second center before every unit has one; the result is in unit-code order.
func (g *generator) places(us []markaz.Unit, k int) []markaz.Unit {
	perm := make([]int, len(us))
	for i := range perm {
		perm[i] = i
	}
	g.shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	out := make([]markaz.Unit, k)
	for i := range k {
		out[i] = us[perm[i%len(us)]]
	}
	slices.SortStableFunc(out, func(a, b markaz.Unit) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func (g *generator) base(f fleet, gv markaz.Governorate, u markaz.Unit, seq int) markaz.Center {
	fill := strings.NewReplacer("{unit}", u.NameAr, "{gov}", gv.NameAr)
	return markaz.Center{
		Code:     fmt.Sprintf("%s-%s-%0*d", f.CodePrefix, gv.Code, f.CodeDigits, seq),
		UnitCode: u.Code,
		Address:  fill.Replace(g.sc.AddressAr),
		Opens:    g.sc.Opens,
		Closes:   g.sc.Closes,
	}
}

// fixed builds the fixed centers: each governorate's share over its units, one per unit
// before any unit gets a second, numbered in unit order.
func (g *generator) fixed() []markaz.Center {
	f := g.sc.Fixed
	shares := g.apportion(f.total())
	var out []markaz.Center
	for i, gv := range g.govs {
		perUnit := map[string]int{}
		for seq, u := range g.places(g.byGov[gv.Code], shares[i]) {
			perUnit[u.Code]++
			c := g.base(f, gv, u, seq+1)
			c.Kind = markaz.KindFixed
			c.NameAr, c.NameEn = named(f.NameAr, f.NameEn, f.ExtraNameAr, f.ExtraNameEn, perUnit[u.Code], u.NameAr, u.NameEn)
			out = append(out, c)
		}
	}
	for i, b := range g.statuses(f) {
		out[i].DevStatus = b.Status
		if b.Status == markaz.DevDeveloped {
			out[i].CompletedOn = g.dateIn(b.FirstFY, b.LastFY)
		}
	}
	return out
}

// mobile builds the mobile units: each governorate's share, on its rural districts where
// it has any, numbered per governorate.
func (g *generator) mobile() []markaz.Center {
	f := g.sc.Mobile
	shares := g.apportion(f.total())
	var out []markaz.Center
	for i, gv := range g.govs {
		us := g.byGov[gv.Code]
		if pref := unitsOfType(us, f.PreferUnitType); len(pref) > 0 {
			us = pref
		}
		for seq, u := range g.places(us, shares[i]) {
			c := g.base(f, gv, u, seq+1)
			c.Kind = markaz.KindMobile
			n := seq + 1
			c.NameAr = strings.NewReplacer("{gov}", gv.NameAr, "{n}", i18n.Digits(fmt.Sprint(n), "arab")).Replace(f.NameAr)
			c.NameEn = strings.NewReplacer("{gov}", gv.NameEn, "{n}", fmt.Sprint(n)).Replace(f.NameEn)
			out = append(out, c)
		}
	}
	for i, b := range g.statuses(f) {
		out[i].MobileStatus = b.Status
		if b.DueFY != nil {
			due := *b.DueFY
			out[i].DeliveryDueFY = &due
		}
		if b.Status != markaz.MobilePendingDelivery {
			out[i].DeliveredOn = g.dateIn(b.FirstFY, b.LastFY)
			out[i].VehiclePlate = g.plate(f.PlateLetters)
		}
	}
	return out
}

// plate makes an Egyptian-style plate: three letters and four digits.
func (g *generator) plate(letters []string) string {
	var parts []string
	for range 3 {
		parts = append(parts, letters[g.intn(len(letters))])
	}
	return strings.Join(parts, " ") + " " + i18n.Digits(fmt.Sprint(1000+g.intn(9000)), "arab")
}

// named fills a center's names from the unit's; the n-th center of one unit (n > 1)
// takes the extra templates with its number.
func named(ar, en, extraAr, extraEn string, n int, unitAr, unitEn string) (string, string) {
	if n > 1 {
		ar, en = extraAr, extraEn
	}
	return strings.NewReplacer("{unit}", unitAr, "{n}", i18n.Digits(fmt.Sprint(n), "arab")).Replace(ar),
		strings.NewReplacer("{unit}", unitEn, "{n}", fmt.Sprint(n)).Replace(en)
}

func unitsOfType(us []markaz.Unit, typ string) []markaz.Unit {
	var out []markaz.Unit
	for _, u := range us {
		if u.Type == typ {
			out = append(out, u)
		}
	}
	return out
}
