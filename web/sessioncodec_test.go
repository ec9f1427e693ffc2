package web

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// TestSessionCodec: values of the kinds Loopdesk stores come back as they
// went in, with the same bytes for the same session whatever the map's
// order; other kinds, and rows gob wrote before, still decode; damaged data
// is an error, never a panic.
func TestSessionCodec(t *testing.T) {
	var c sessionCodec
	deadline := time.Date(2026, 12, 6, 20, 4, 5, 123456789, time.UTC)
	values := map[string]any{"user_id": int64(42), "session_epoch": 3, "flash": "kind=ok&msg=saved", "remember": true,
		"empty": "", "neg": int64(-7), "ü": "Tiếng Việt हिन्दी"}
	b, err := c.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(sessionMagic)) {
		t.Fatalf("not the compact format: %q", b)
	}
	for range 20 { // map iteration order differs run to run
		again := map[string]any{}
		for k, v := range values {
			again[k] = v
		}
		b2, _ := c.Encode(deadline, again)
		if !bytes.Equal(b, b2) {
			t.Fatal("the same session encoded to different bytes")
		}
	}
	gotDeadline, got, err := c.Decode(b)
	if err != nil || !gotDeadline.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("round trip: %v %v %v, want %v %v", gotDeadline, got, err, deadline, values)
	}

	// A value of another kind: gob, as scs does.
	other := map[string]any{"ratio": 0.5, "user_id": int64(1)}
	b, err = c.Encode(deadline, other)
	if err != nil || bytes.HasPrefix(b, []byte(sessionMagic)) {
		t.Fatalf("other kinds: %v, compact %v", err, bytes.HasPrefix(b, []byte(sessionMagic)))
	}
	if d, got, err := c.Decode(b); err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, other) {
		t.Fatalf("gob round trip: %v %v %v", d, got, err)
	}
	// A row gob wrote before this codec.
	old, err := scs.GobCodec{}.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	if d, got, err := c.Decode(old); err != nil || !d.Equal(deadline) || !reflect.DeepEqual(got, values) {
		t.Fatalf("old gob row: %v %v %v", d, got, err)
	}

	// Every truncation and a few damaged bytes fail cleanly.
	b, _ = c.Encode(deadline, values)
	for n := len(sessionMagic); n < len(b); n++ {
		if _, _, err := c.Decode(b[:n]); err == nil {
			t.Errorf("truncated to %d of %d bytes: decoded", n, len(b))
		}
	}
	for i := len(sessionMagic); i < len(b); i++ {
		bad := bytes.Clone(b)
		bad[i] ^= 0xff
		_, _, _ = c.Decode(bad) // must not panic
	}
	if _, _, err := c.Decode(append(bytes.Clone(b), 0)); err == nil {
		t.Error("trailing byte: decoded")
	}
}

func BenchmarkSessionCodec(b *testing.B) {
	deadline := time.Now().Add(12 * time.Hour).UTC()
	values := map[string]any{"user_id": int64(42), "session_epoch": 3}
	for _, codec := range []struct {
		name string
		c    scs.Codec
	}{{"compact", sessionCodec{}}, {"gob", scs.GobCodec{}}} {
		data, _ := codec.c.Encode(deadline, values)
		b.Run(codec.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.c.Encode(deadline, values); err != nil {
					b.Fatal(err)
				}
				if _, _, err := codec.c.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
