// Package secretbox encrypts small secrets at rest (AES-256-GCM) under a key
// derived from LOOPDESK_SECRET, one key per purpose (HKDF-SHA256).
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// version prefixes every sealed value, so a later key or cipher change can
// tell old values apart.
const version byte = 1

// ErrOpen is returned for a value that was not sealed by this box: another
// secret key (LOOPDESK_SECRET changed), another purpose, or tampering.
var ErrOpen = errors.New("secretbox: cannot decrypt (was LOOPDESK_SECRET changed?)")

// Box seals and opens values for one purpose.
type Box struct {
	aead cipher.AEAD
}

// New derives the key for purpose ("webhooks", ...) from the server secret.
// Values sealed for one purpose cannot be opened as another's.
func New(secret, purpose string) (*Box, error) {
	if len(secret) < 32 {
		return nil, errors.New("secretbox: the secret must be at least 32 characters")
	}
	if purpose == "" {
		return nil, errors.New("secretbox: purpose is required")
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, "loopdesk secretbox "+purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("secretbox: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext with a fresh random nonce. aad (which may be nil)
// is authenticated but not stored: Open needs the same aad, so a value
// copied to another row (another aad) does not open.
func (b *Box) Seal(plaintext, aad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, aad)
}

// Open decrypts a value made by Seal with the same aad.
func (b *Box) Open(sealed, aad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}
