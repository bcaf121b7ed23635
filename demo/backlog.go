package demo

// The demo's backlog campaign: an open campaign in Sharqia (13) with estimates for its
// fixed centers and two operators, partly entered over the past four weeks — a weekly
// imported file (with a few rejected rows) and files keyed by hand every working day,
// most verified, some awaiting their second keying, one mismatch for the supervisor.
// Everything goes through the store's own campaign, import and double-entry calls, each
// day's work stamped on that day (tx.Now), so progress, trend and output are realistic.

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"markaz"
	"markaz/auth"
	"markaz/backlog"
	"markaz/nationalid"
	"markaz/request"
	"markaz/store"
)

// backlogGov is the demo campaign's governorate.
const backlogGov = "13"

// backlogServices are the services the demo's paper files are for.
var backlogServices = []string{"BLD-PERMIT", "SHOP-LIC", "OCCUPANCY-CERT", "UTIL-CONN", "RECON-APP", "ROAD-OCC"}

// The demo operators, who key the paper files of Sharqia.
var backlogOperators = []demoUser{
	{Username: "operator1", FullName: "أمل سعيد الشربيني", Role: markaz.RoleBacklogOperator, Level: markaz.LevelGovernorate, Territory: backlogGov},
	{Username: "operator2", FullName: "ياسر محمود عثمان", Role: markaz.RoleBacklogOperator, Level: markaz.LevelGovernorate, Territory: backlogGov},
}

var (
	backlogFirst  = strings.Fields(`محمد أحمد محمود مصطفى علي حسن إبراهيم خالد يوسف فاطمة مريم هبة منى رانيا`)
	backlogFamily = strings.Fields(`الشربيني عبدالعزيز النجار حسانين البنا الدسوقي منصور رمضان عثمان زكي`)
)

// loadBacklog adds the demo backlog campaign inside the demo's transaction.
func loadBacklog(tx *store.Tx, password string) error {
	sc, err := parseScenario()
	if err != nil {
		return err
	}
	hash := auth.Hash(password, auth.Default)
	var ops []*markaz.Principal
	for _, du := range backlogOperators {
		a := markaz.Assignment{Role: du.Role, Level: du.Level, GovCode: du.Territory, StartsOn: sc.AssignmentsStart}
		if err := tx.ResolveAssignment(&a); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		u := &markaz.User{Username: du.Username, FullName: du.FullName, PasswordHash: hash, Assignments: []markaz.Assignment{a}}
		if err := u.Validate(); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		if err := tx.InsertUser(store.Actor{}, u); err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
		ops = append(ops, tx.Principal(u))
	}
	now, today := tx.Now, tx.Today()
	defer func() { tx.Now = now }()
	start := today.AddDays(-30)
	tx.Now = backlog.At(start, 9)
	c := &backlog.Campaign{Name: "حملة إدخال المتأخرات الورقية — محافظة الشرقية", GovCode: backlogGov,
		StartsOn: start, EndsOn: today.AddDays(150), SamplePercent: backlog.DefaultSample}
	if err := c.Validate(); err != nil {
		return err
	}
	camp, err := tx.CreateCampaign(nil, c)
	if err != nil {
		return fmt.Errorf("demo campaign: %w", err)
	}
	for _, op := range ops {
		if _, err := tx.AddOperator(nil, camp.ID, op.Username); err != nil {
			return err
		}
	}
	centers, err := tx.CampaignCenters(&camp.Campaign)
	if err != nil {
		return err
	}
	var fixed []store.CampaignCenter
	for _, ce := range centers {
		if strings.HasPrefix(ce.Code, "TC-") {
			fixed = append(fixed, ce)
		}
	}
	g := &backlogGen{rng: rand.New(rand.NewPCG(sc.Seed, 0xba31)), centers: fixed}
	var es []backlog.Estimate
	for _, ce := range fixed {
		es = append(es, backlog.Estimate{CenterID: ce.ID, Files: 400 + g.rng.IntN(900)})
	}
	if err := tx.SetEstimates(nil, camp.ID, es); err != nil {
		return err
	}
	// Four weeks of work: an uploaded file each Sunday, hand keying every working day;
	// the second operator verifies the first one's files of the day before.
	var pending []string
	for d := start; d.Before(today); d = d.AddDays(1) {
		if wd := d.Start().Weekday(); wd == time.Friday || wd == time.Saturday {
			continue
		}
		if d.Start().Weekday() == time.Sunday {
			tx.Now = backlog.At(d, 9)
			if err := g.importFile(tx, &camp.Campaign, d, 120); err != nil {
				return err
			}
		}
		for i, id := range pending {
			tx.Now = backlog.At(d, 9).Add(time.Duration(i) * 50 * time.Second)
			if err := g.verify(tx, ops[1], id, i == 3); err != nil {
				return err
			}
		}
		pending = pending[:0]
		for i := range 10 + g.rng.IntN(6) {
			tx.Now = backlog.At(d, 10).Add(time.Duration(i*40+g.rng.IntN(20)) * time.Second)
			r, err := tx.EnterRecord(ops[0], camp.ID, g.entry(d))
			if err != nil {
				return fmt.Errorf("demo keyed file: %w", err)
			}
			pending = append(pending, r.ID)
		}
	}
	return nil
}

// backlogGen makes the demo's paper files deterministically.
type backlogGen struct {
	rng     *rand.Rand
	centers []store.CampaignCenter
	n       int
}

// entry is a plausible paper file of a Sharqia center, submitted years before day.
func (g *backlogGen) entry(day markaz.Date) backlog.Entry {
	g.n++
	ce := g.centers[g.rng.IntN(len(g.centers))]
	submitted := day.AddDays(-(400 + g.rng.IntN(3000)))
	born := day.AddDays(-(30*365 + g.rng.IntN(40*365))) // before 2000 whatever the day: century digit 2
	first13 := fmt.Sprintf("2%02d%02d%02d%s%04d", born.Y%100, int(born.M), born.D, backlogGov, g.rng.IntN(10000))
	check, _ := nationalid.CheckDigit(first13)
	e := backlog.Entry{LegacyFileNumber: fmt.Sprintf("%d/%d", 1000+g.n, submitted.Y), CenterCode: ce.Code,
		ServiceCode: backlogServices[g.rng.IntN(len(backlogServices))], NationalID: first13 + string(check),
		Name: backlogFirst[g.rng.IntN(len(backlogFirst))] + " " + backlogFirst[g.rng.IntN(9)] + " " +
			backlogFamily[g.rng.IntN(len(backlogFamily))],
		Mobile: fmt.Sprintf("01%c%08d", "0125"[g.rng.IntN(4)], g.rng.IntN(100_000_000)), SubmittedOn: submitted.String()}
	decided := submitted.AddDays(10 + g.rng.IntN(50))
	switch k := g.rng.IntN(20); {
	case k < 11:
		e.Status, e.DecidedOn, e.DeliveredOn = request.StatusDelivered, decided.String(), decided.AddDays(1+g.rng.IntN(20)).String()
	case k < 14:
		e.Status, e.DecidedOn = request.StatusApproved, decided.String()
	case k < 17:
		e.Status, e.DecidedOn = request.StatusRejected, decided.String()
	case k < 19:
		e.Status = request.StatusCancelled
	default:
		e.Status = request.StatusReady
	}
	if e.Status != request.StatusCancelled && e.Status != request.StatusRejected {
		e.FeesPaid = "5000"
	}
	return e
}

// verify keys record id again as operator p, wrongly when mistake (a mistyped mobile).
func (g *backlogGen) verify(tx *store.Tx, p *markaz.Principal, id string, mistake bool) error {
	r, err := tx.RecordFor(nil, id)
	if err != nil {
		return err
	}
	f := r.First
	s := backlog.Second{ServiceCode: f.ServiceCode, NationalID: f.NationalID, Name: f.Name, Mobile: f.Mobile,
		SubmittedOn: f.SubmittedOn, Status: f.Status}
	if mistake {
		s.Mobile = s.Mobile[:10] + string("0123456789"[(s.Mobile[10]-'0'+1)%10])
	}
	_, err = tx.VerifyRecord(p, id, s, nil)
	return err
}

// importFile enters a file of n rows of day as an import would, with a few bad rows.
func (g *backlogGen) importFile(tx *store.Tx, c *backlog.Campaign, day markaz.Date, n int) error {
	im, err := tx.CreateImport(nil, store.NewImport{Campaign: c.ID, Origin: store.OriginCLI,
		FileName: fmt.Sprintf("sharqia-backlog-%s.xlsx", day)})
	if err != nil {
		return err
	}
	if err := tx.StartImport(im.ID, n, "ar", backlog.TemplateHeader("ar")); err != nil {
		return err
	}
	im.Status, im.TotalRows = store.ImportRunning, n
	refs := store.NewRefs(c, nil)
	actor := store.Actor{Username: im.Username}
	var rows []store.BatchRow
	for i := range n {
		e := g.entry(day)
		if i%25 == 7 {
			e.Mobile = e.Mobile[:9] // a mobile number with a digit missing
		}
		cells := e.Cells()
		br := store.BatchRow{Line: i + 2, Cells: cells, Key: backlog.RowKey(backlog.English, cells)}
		row, err := e.Parse(day)
		var bad *markaz.Error
		if errors.As(err, &bad) {
			br.Problems = bad.Fields
		} else if br.Source, err = refs.Source(tx, row, actor, tx.Now); err != nil {
			return err
		} else {
			br.Row, br.CenterID = row, br.Source.Center.ID
		}
		rows = append(rows, br)
	}
	if _, err := tx.CommitBatch(im, 0, n+1, rows, nil, time.Time{}); err != nil {
		return err
	}
	return tx.FinishImport(im.ID, nil, nil)
}

// WriteBacklogFile writes a backlog CSV of n plausible paper files (the template's
// English header) for the centers of the open demo campaign in Sharqia, as the benchmark's
// import reads it. prefix starts every legacy file number, so files made with different
// prefixes are different files to the import (the same prefix and seed give the same
// file, which an import then finds already entered).
func WriteBacklogFile(ctx context.Context, db *store.DB, w io.Writer, n int, seed uint64, prefix string) error {
	var fixed []store.CampaignCenter
	if err := db.Read(ctx, func(tx *store.Tx) error {
		camp, err := tx.OpenCampaignOf(backlogGov)
		if err != nil {
			return fmt.Errorf("the demo's open campaign in %s: %w", backlogGov, err)
		}
		centers, err := tx.CampaignCenters(&camp.Campaign)
		if err != nil {
			return err
		}
		for _, ce := range centers {
			if strings.HasPrefix(ce.Code, "TC-") {
				fixed = append(fixed, ce)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if len(fixed) == 0 {
		return errors.New("the demo campaign has no fixed centers")
	}
	g := &backlogGen{rng: rand.New(rand.NewPCG(seed, 0xf11e)), centers: fixed}
	today := markaz.Today(db.Clock)
	cw := csv.NewWriter(w)
	if err := cw.Write(backlog.Columns); err != nil {
		return err
	}
	for i := range n {
		e := g.entry(today)
		e.LegacyFileNumber = fmt.Sprintf("%s-%d", prefix, i+1)
		if err := cw.Write(e.Cells()); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
