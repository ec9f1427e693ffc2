package secretbox

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const secret = "0123456789abcdef0123456789abcdef-test"

func TestSealOpen(t *testing.T) {
	b, err := New(secret, "webhooks")
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte("whsec_very-secret")
	s1, s2 := b.Seal(plain, []byte("row 1")), b.Seal(plain, []byte("row 1"))
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of the same value are equal: the nonce is not fresh")
	}
	if bytes.Contains(s1, plain) {
		t.Fatal("sealed value holds the plaintext")
	}
	got, err := b.Open(s1, []byte("row 1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := b.Open(s1, []byte("row 2")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened with another aad: %v", err)
	}
	other, _ := New(secret, "sessions")
	if _, err := other.Open(s1, []byte("row 1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened for another purpose: %v", err)
	}
	changed, _ := New(strings.ToUpper(secret), "webhooks")
	if _, err := changed.Open(s1, []byte("row 1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened with another secret: %v", err)
	}
	s1[len(s1)-1] ^= 1
	if _, err := b.Open(s1, []byte("row 1")); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened a tampered value: %v", err)
	}
	if _, err := b.Open([]byte{1, 2}, nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("opened a short value: %v", err)
	}
	if _, err := New("short", "webhooks"); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
