package auth

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	p := Params{Memory: 64, Time: 1, Threads: 1}
	h := Hash("كلمة-مرور-طويلة", p)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("PHC string %q", h)
	}
	if !Verify("كلمة-مرور-طويلة", h) || Verify("كلمة-مرور-طويلة ", h) || Verify("", h) {
		t.Fatal("verify")
	}
	if Hash("same", p) == Hash("same", p) {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$a$b",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA"} {
		if Verify("x", bad) {
			t.Errorf("accepted %q", bad)
		}
	}
	if a, b := NewToken(), NewToken(); a == b || len(a) < 40 {
		t.Fatal("tokens")
	}
}
