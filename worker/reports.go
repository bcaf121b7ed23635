package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"markaz/kpi"
	"markaz/notify"
	"markaz/report"
	"markaz/store"
)

// Reports returns the handler of store.JobReport jobs: it reads the definition's
// territory for the period as store.ReportReader, renders each format and archives and
// delivers the report (store.DB.SaveReport). A report already archived for that
// definition and period is not made again; two instances rendering the same one at once
// archive it once (the loser's files are dropped). baseURL starts the link in e-mails.
func Reports(db *store.DB, r *report.Renderer, baseURL string, log *slog.Logger) Handler {
	if log == nil {
		log = slog.Default()
	}
	return reports{db: db, r: r, base: baseURL, log: log}
}

type reports struct {
	db   *store.DB
	r    *report.Renderer
	base string
	log  *slog.Logger
}

func (h reports) Handle(ctx context.Context, j store.Job) error {
	var p store.ReportJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return notify.Permanent(fmt.Errorf("report job payload: %w", err))
	}
	_, created, err := Generate(ctx, h.db, h.r, p.DefinitionID, p.Period, h.base)
	if err != nil {
		return err
	}
	h.log.Info("report", "job", j.ID, "definition", p.DefinitionID, "period", p.Period, "created", created)
	return nil
}

// Generate makes, archives and delivers one definition's report for a period (a
// kpi.PeriodName), unless it exists; it returns the report id when it made it.
func Generate(ctx context.Context, db *store.DB, r *report.Renderer, definitionID, period, baseURL string) (string, bool, error) {
	if ok, err := db.ReportExists(ctx, definitionID, period); err != nil || ok {
		return "", false, err
	}
	d, err := db.DefinitionForJob(ctx, definitionID)
	if err != nil {
		return "", false, err
	}
	from, to, step, err := kpi.ParsePeriod(period)
	if err != nil {
		return "", false, notify.Permanent(err)
	}
	in, err := db.ReportInput(ctx, store.ReportReader(), d.Level, d.Code, from, to, step, d.Lang)
	if err != nil {
		return "", false, err
	}
	m := report.Build(*in)
	var files []store.ReportFile
	for _, f := range d.Formats {
		data, name, ct, err := r.Render(ctx, m, f)
		if err != nil {
			return "", false, fmt.Errorf("render %s: %w", f, err)
		}
		files = append(files, store.ReportFile{Format: f, Name: name, ContentType: ct, Data: data})
	}
	return db.SaveReport(ctx, d, in, files, baseURL)
}

// ScheduleReports enqueues the reports due today (store.Tx.EnqueueDueReports) at once
// and then every interval until ctx ends; the jobs' dedup keys make one job per
// definition and period whatever the number of instances.
func ScheduleReports(ctx context.Context, db *store.DB, every time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	for {
		if err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.EnqueueDueReports(); return err }); err != nil && ctx.Err() == nil {
			log.Error("enqueue due reports", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}
