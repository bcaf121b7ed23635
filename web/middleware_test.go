package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoginLimiter(t *testing.T) {
	l := newIPLimiter(30) // burst 11 per address+username, 101 per address
	r := httptest.NewRequest("POST", "/login", nil)
	r.RemoteAddr = "10.0.0.1:1234"
	ok := 0
	for i := 0; i < 20; i++ {
		if l.allow(r, "admin") {
			ok++
		}
	}
	if ok != 11 {
		t.Fatalf("one username from one address: %d allowed, want 11", ok)
	}
	// Another user behind the same address is not blocked by the first one's flood.
	if !l.allow(r, "clerk") {
		t.Fatal("a second user behind the same address is blocked")
	}
	// Changing the username every time still meets the per-address bucket.
	ok = 0
	for i := 0; i < 200; i++ {
		if l.allow(r, "user"+strings.Repeat("x", i)) {
			ok++
		}
	}
	if ok >= 100 {
		t.Fatalf("rotating usernames: %d allowed", ok)
	}
	// Huge usernames share one key.
	l2 := newIPLimiter(30)
	for i := 0; i < 5; i++ {
		l2.allow(r, strings.Repeat("a", 1<<20)+string(rune('a'+i)))
	}
	if len(l2.m) != 2 {
		t.Fatalf("huge usernames made %d keys", len(l2.m))
	}
}
