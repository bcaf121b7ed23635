package cli

// Background jobs for serve: the worker and the providers messages to citizens go out by.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"markaz/gateway"
	"markaz/importer"
	"markaz/notify"
	"markaz/report"
	"markaz/store"
	"markaz/worker"
)

// notifyFlags are serve's settings for sending messages.
type notifyFlags struct {
	smsURL, smsToken, smtpAddr, smtpFrom *string
}

// addNotifyFlags adds the SMS gateway and SMTP flags; the gateway token is read from the
// environment only, so it never shows in a process listing.
func addNotifyFlags(fs *flag.FlagSet, getenv Env) notifyFlags {
	token := getenv("MARKAZ_SMS_TOKEN")
	return notifyFlags{
		smsURL:   fs.String("sms-url", getenv("MARKAZ_SMS_URL"), "SMS gateway URL receiving POST {\"to\",\"text\"} (env MARKAZ_SMS_URL; empty: SMS are logged)"),
		smsToken: &token,
		smtpAddr: fs.String("smtp-addr", getenv("MARKAZ_SMTP_ADDR"), "SMTP server host:port for e-mail (env MARKAZ_SMTP_ADDR; empty: e-mails are logged)"),
		smtpFrom: fs.String("smtp-from", getenv("MARKAZ_SMTP_FROM"), "sender address of e-mails (env MARKAZ_SMTP_FROM)"),
	}
}

// provider builds the message provider: the log provider for each channel not configured.
func (f notifyFlags) provider(log *slog.Logger) (notify.Provider, error) {
	r := notify.Router{SMS: notify.Log{Logger: log}, Email: notify.Log{Logger: log}}
	if *f.smsURL != "" {
		u, err := url.Parse(*f.smsURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("--sms-url %q: want an http(s) URL", *f.smsURL)
		}
		r.SMS = notify.HTTPSMS{URL: *f.smsURL, Token: *f.smsToken}
	}
	if *f.smtpAddr != "" {
		if _, _, err := net.SplitHostPort(*f.smtpAddr); err != nil {
			return nil, fmt.Errorf("--smtp-addr %q: want host:port", *f.smtpAddr)
		}
		if !strings.Contains(*f.smtpFrom, "@") {
			return nil, fmt.Errorf("--smtp-from %q: an e-mail address is needed with --smtp-addr", *f.smtpFrom)
		}
		r.Email = notify.SMTP{Addr: *f.smtpAddr, From: *f.smtpFrom}
	}
	return r, nil
}

// startWorker runs the background worker, the schedule enqueuing the day's deadlines job
// and the nightly reconciliation of each payment gateway (both checked every 10 minutes),
// until ctx ends; the returned channel closes when the worker has stopped. Links in
// messages point at base, the public URL.
//
// Periodic reports run in a worker of their own, one at a time with a longer limit
// (printing a PDF takes seconds), so they never hold up messages to citizens.
func startWorker(ctx context.Context, db *store.DB, p notify.Provider, gws *gateway.Set, base string, log *slog.Logger,
	reports *report.Renderer) <-chan struct{} {
	done := make(chan struct{})
	handlers := map[string]worker.Handler{store.JobDeliver: worker.OutboxAt(db, p, base),
		store.JobDeadlines: worker.Deadlines(db, log)}
	for k, h := range worker.PaymentHandlers(db, gws, log) {
		handlers[k] = h
	}
	go worker.ScheduleDeadlines(ctx, db, 10*time.Minute, log)
	go worker.ScheduleReconcile(ctx, db, gws, 10*time.Minute, log)
	go worker.ScheduleReports(ctx, db, 10*time.Minute, log)
	go worker.SweepKPI(ctx, db, time.Minute, log)
	go func() {
		defer close(done)
		reportsDone := make(chan struct{})
		go func() {
			defer close(reportsDone)
			worker.Run(ctx, db, map[string]worker.Handler{store.JobReport: worker.Reports(db, reports, base, log)},
				worker.Options{Log: log, Batch: 1, JobTimeout: 3 * time.Minute})
		}()
		defer func() { <-reportsDone }()
		imports := make(chan struct{})
		go func() { defer close(imports); importer.Jobs(ctx, db, importer.JobOptions{Log: log}) }() // uploaded backlog files
		worker.Run(ctx, db, handlers, worker.Options{Log: log})
		<-imports
	}()
	return done
}
