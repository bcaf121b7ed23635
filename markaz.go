// Package markaz holds the domain of Markaz: territories, centers, users and their
// role × territory assignments, the audit chain, the error type and the validation rules.
// It imports neither SQL nor HTTP; the store and web packages import it.
package markaz

import (
	"sync"
	"time"

	"github.com/google/uuid"
	_ "time/tzdata" // Africa/Cairo must resolve on a bare machine.
)

// Cairo is the time zone of every business date (due dates, fiscal years, "today").
var Cairo = mustLoad("Africa/Cairo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Clock gives the current instant. Production uses SystemClock; tests use a FixedClock.
type Clock interface{ Now() time.Time }

// SystemClock reads the machine's clock, truncated to microseconds so that what is
// stored in SQLite and PostgreSQL compares equal.
type SystemClock struct{}

// Now returns the current UTC instant.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// FixedClock is a settable clock for tests.
type FixedClock struct {
	mu sync.Mutex
	T  time.Time
}

// Now returns the clock's instant.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.T.UTC()
}

// Advance moves the clock forward.
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.T = c.T.Add(d)
	c.mu.Unlock()
}

// NewID returns a new internal identifier (UUIDv7, time ordered).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }
