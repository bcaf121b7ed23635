package cli

import (
	"flag"
	"io"
	"log/slog"
	"testing"

	"markaz/notify"
)

func TestNotifyProviderFromEnv(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	build := func(env map[string]string, args ...string) (notify.Provider, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := addNotifyFlags(fs, func(k string) string { return env[k] })
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		return f.provider(log)
	}
	p, err := build(nil)
	if r, ok := p.(notify.Router); err != nil || !ok || r.SMS != (notify.Log{Logger: log}) || r.Email != (notify.Log{Logger: log}) {
		t.Errorf("default: %#v %v, want the log provider", p, err)
	}
	p, err = build(map[string]string{"MARKAZ_SMS_URL": "https://sms.example/send", "MARKAZ_SMS_TOKEN": "tok",
		"MARKAZ_SMTP_ADDR": "mail.example:587", "MARKAZ_SMTP_FROM": "noreply@markaz.example"})
	r, _ := p.(notify.Router)
	if err != nil || r.SMS != (notify.HTTPSMS{URL: "https://sms.example/send", Token: "tok"}) ||
		r.Email != (notify.SMTP{Addr: "mail.example:587", From: "noreply@markaz.example"}) {
		t.Errorf("configured: %#v %v", p, err)
	}
	for _, args := range [][]string{{"--sms-url", "ftp://x"}, {"--smtp-addr", "nohost"}, {"--smtp-addr", "m:25"}} {
		if _, err := build(nil, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
