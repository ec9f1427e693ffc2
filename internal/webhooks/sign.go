package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Signing, as Stripe and GitHub do it. Every delivery carries
//
//	Loopdesk-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// where t is the Unix time of the attempt and v1 is the lower-case hex
// HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint's whole secret
// ("whsec_…"). A receiver recomputes it over the raw body, compares in
// constant time, and refuses a t too far from its clock, so that a captured
// request cannot be replayed later. A retry is signed afresh (new t), the
// body stays the same.

// SignatureHeader is the header carrying the signature.
const SignatureHeader = "Loopdesk-Signature"

// secretPrefix starts every endpoint secret.
const secretPrefix = "whsec_"

// newSecret returns a fresh endpoint secret: 32 random bytes.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return secretPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verification errors.
var (
	ErrSignatureMissing = errors.New("webhooks: no valid signature header")
	ErrSignatureInvalid = errors.New("webhooks: signature does not match")
	ErrSignatureExpired = errors.New("webhooks: signature timestamp outside the tolerance")
)

// Verify checks header (the Loopdesk-Signature value) against body, as a
// receiver written in Go would: the HMAC must match one v1 entry and t must
// be within tolerance of now.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrSignatureMissing
	}
	want := mac(secret, ts, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureInvalid
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	return nil
}
