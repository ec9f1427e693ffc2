package main

import (
	"io"
	"testing"
	"time"
)

// The crash test itself kills servers for half a minute: it runs in
// `make bench` (go run ./cmd/loadbench -crash), not in the tests. Here only
// its flags are checked.
func TestCrashFlags(t *testing.T) {
	o, err := parseFlags([]string{"-crash", "-crash-rate", "50", "-crash-kills", "3", "-crash-interval", "2s"}, io.Discard)
	if err != nil || !o.runCrash || o.crash.rate != 50 || o.crash.kills != 3 || o.crash.interval != 2*time.Second {
		t.Fatalf("parse: %+v, %v", o.crash, err)
	}
	if _, err := parseFlags([]string{"-crash", "-crash-kills", "0"}, io.Discard); err == nil {
		t.Fatal("-crash-kills 0 accepted")
	}
}
