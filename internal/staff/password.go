package staff

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// Argon2id parameters (RFC 9106's second recommended option, sized for a small server).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var errBadHash = errors.New("staff: malformed password hash")

// hashTurn waits for one of the store's hashing slots: at once when one is
// free, else until one frees, ctx ends or hashWait passes; then the server
// is too busy (Unavailable). Each argon2id hash takes 19 MiB, so an
// unbounded number of parallel logins could exhaust memory.
func (s *Store) hashTurn(ctx context.Context) (release func(), err error) {
	release = func() { <-s.hashes }
	select {
	case s.hashes <- struct{}{}:
		return release, nil
	default:
	}
	if cap(s.hashes) == 0 || s.hashWait <= 0 {
		return nil, apperr.New(apperr.Unavailable, "trust_error_busy")
	}
	t := time.NewTimer(s.hashWait)
	defer t.Stop()
	select {
	case s.hashes <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, apperr.New(apperr.Unavailable, "trust_error_busy")
	}
}

// hashPassword is HashPassword in turn with other hashes.
func (s *Store) hashPassword(ctx context.Context, password string) (string, error) {
	release, err := s.hashTurn(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	h, err := HashPassword(password)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// checkPassword is CheckPassword in turn with other hashes.
func (s *Store) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	release, err := s.hashTurn(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return CheckPassword(hash, password)
}

// HashPassword returns a PHC-formatted argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC argon2id hash.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked when an e-mail is unknown, so a login takes as long
// whether or not the account exists (no user enumeration by timing). It is
// a hash with today's parameters whose key no password gives (zero bytes;
// checking it costs one argon2id like any other); not computed at start,
// which held 19 MB of argon2 memory in a fresh server's heap.
var dummyHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
	argon2.Version, argonMemory, argonTime, argonThreads,
	base64.RawStdEncoding.EncodeToString(make([]byte, argonSaltLen)),
	base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen)))
