package gateway

import (
	"context"
	"errors"
	"net/url"

	"markaz/payment"
	"markaz/store"
)

// Config says which gateways Markaz uses (see README, Configuration).
type Config struct {
	Simulated bool   // --simulated-gateway / MARKAZ_SIMULATED_GATEWAY=1
	URL       string // MARKAZ_GATEWAY_URL: the generic gateway
	Secret    string // MARKAZ_GATEWAY_SECRET: the callback secret (environment only)
}

// Set is the gateways of one running Markaz: Active starts payments (the simulated one
// when enabled, else the generic one, else none: only cash is taken), and callbacks are
// accepted from each gateway with a secret.
type Set struct {
	Active  payment.Gateway
	Sim     *Simulated
	secrets map[string][]byte
	all     map[string]payment.Gateway
}

// Open builds the gateways of cfg. The simulated gateway signs with MARKAZ_GATEWAY_SECRET
// when given, else with a secret made once and kept in the database, so that every
// instance agrees on it.
func Open(ctx context.Context, db *store.DB, cfg Config) (*Set, error) {
	s := &Set{secrets: map[string][]byte{}, all: map[string]payment.Gateway{}}
	if cfg.URL != "" {
		u, err := url.Parse(cfg.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("MARKAZ_GATEWAY_URL: want an http(s) URL")
		}
		if len(cfg.Secret) < 16 {
			return nil, errors.New("MARKAZ_GATEWAY_SECRET: at least 16 characters are needed with MARKAZ_GATEWAY_URL")
		}
		g := &Generic{URL: cfg.URL, Secret: []byte(cfg.Secret)}
		s.Active, s.secrets[g.Name()], s.all[g.Name()] = g, g.Secret, g
	}
	if cfg.Simulated {
		secret := cfg.Secret
		if secret == "" {
			err := db.Write(ctx, func(tx *store.Tx) (err error) {
				secret, err = tx.SimSecret(randomHex(32))
				return err
			})
			if err != nil {
				return nil, err
			}
		}
		s.Sim = &Simulated{DB: db, Secret: []byte(secret)}
		s.Active, s.secrets[s.Sim.Name()], s.all[s.Sim.Name()] = s.Sim, s.Sim.Secret, s.Sim
	}
	return s, nil
}

// Secret returns the callback secret of the named gateway, nil when it is not configured.
func (s *Set) Secret(name string) []byte {
	if s == nil {
		return nil
	}
	return s.secrets[name]
}

// Name is the active gateway's name, "" when there is none.
func (s *Set) Name() string {
	if s == nil || s.Active == nil {
		return ""
	}
	return s.Active.Name()
}

// ByName returns the configured gateway of that name (for refunds and statements of
// payments made through it), nil when it is not configured.
func (s *Set) ByName(name string) payment.Gateway {
	if s == nil {
		return nil
	}
	return s.all[name]
}

// Names lists the configured gateways.
func (s *Set) Names() []string {
	var out []string
	if s == nil {
		return out
	}
	for _, n := range []string{payment.GatewayGeneric, payment.GatewaySimulated} {
		if s.secrets[n] != nil {
			out = append(out, n)
		}
	}
	return out
}
