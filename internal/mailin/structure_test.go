package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nestingBomb is a mail of depth multiparts, each the only part of the one
// around it, with a line of text at the bottom: the shape that made enmime
// work for minutes.
func nestingBomb(depth int) []byte {
	var b bytes.Buffer
	b.WriteString("From: bomb@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 0; i < depth-1; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nbottom\r\n", depth-1)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// manyParts is a flat multipart of n text parts.
func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: parts@example.com\r\nSubject: parts\r\nContent-Type: multipart/mixed; boundary=\"p\"\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--p--\r\n")
	return b.Bytes()
}

func TestParseRefusesTooComplexMail(t *testing.T) {
	for _, c := range []struct {
		name string
		raw  []byte
		ok   bool
	}{
		{"nested to the limit", nestingBomb(MaxMIMEDepth), true},
		{"nested one level too deep", nestingBomb(MaxMIMEDepth + 1), false},
		{"nesting bomb 4000 (7.6 s of CPU before the pre-scan)", nestingBomb(4000), false},
		{"nesting bomb 5000", nestingBomb(5000), false},
		{"nesting bomb 8000 (never filed before the pre-scan)", nestingBomb(8000), false},
		// enmime finds a level's first delimiter anywhere in a preamble line.
		{"nesting bomb with delimiters inside preamble lines", bytes.ReplaceAll(nestingBomb(300), []byte("\r\n--b"), []byte("\r\nsee --b")), false},
		{"parts up to the limit", manyParts(MaxMIMEParts), true},
		{"one part too many", manyParts(MaxMIMEParts + 1), false},
	} {
		m, err := Parse(c.raw)
		if c.ok {
			if err != nil || m.FromEmail == "" {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrTooComplex) || !Permanent(err) {
			t.Errorf("%s: err = %v, want a permanent ErrTooComplex", c.name, err)
		}
	}
	if m, err := Parse(nestingBomb(MaxMIMEDepth)); err == nil && m.Body != "bottom" {
		t.Errorf("the deepest allowed mail lost its text: %q", m.Body)
	}
}

// TestStructureFollowsBoundaries checks the pre-scan against shapes it must
// not misjudge: sibling multiparts are not nesting, a boundary that extends
// another is not its delimiter, and a closed level is left.
func TestStructureFollowsBoundaries(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\npreamble\r\n")
	for i := range 3 * MaxMIMEDepth { // many siblings, each two levels deep
		fmt.Fprintf(&b, "--b\r\nContent-Type: multipart/alternative; boundary=\"b%d\"\r\n\r\n", i)
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nx\r\n--b%d--\r\n", i, i)
	}
	b.WriteString("--b--\r\nepilogue\r\n")
	if err := checkStructure([]byte(b.String())); err != nil {
		t.Errorf("siblings: %v", err)
	}
	if err := checkStructure([]byte("From: a@example.com\r\nSubject: plain\r\n\r\n--b\r\n--b--\r\n")); err != nil {
		t.Errorf("not multipart: %v", err)
	}
}

func TestBoundedMediaTypeStopsHandingOutBoundaries(t *testing.T) {
	b := &boundedMediaType{limit: 2}
	for i := range 3 {
		_, params, _, err := b.parse(`multipart/mixed; boundary="x` + strconv.Itoa(i) + `"`)
		if err != nil {
			t.Fatal(err)
		}
		if got := params["boundary"] != ""; got != (i < 2) {
			t.Errorf("parse %d: boundary handed out = %v", i, got)
		}
	}
	if !b.exceeded {
		t.Error("exceeded not reported")
	}
}

// TestFuzzSeedIsTheBomb keeps the committed fuzz seed what its name says.
func TestFuzzSeedIsTheBomb(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParse", "nesting_bomb_5000"))
	if err != nil {
		t.Fatal(err)
	}
	want := "go test fuzz v1\n[]byte(" + strconv.Quote(string(nestingBomb(5000))) + ")\n"
	if string(b) != want {
		t.Fatal("testdata/fuzz/FuzzParse/nesting_bomb_5000 is not nestingBomb(5000); regenerate it with LOOPDESK_WRITE_FUZZ_SEED=1")
	}
}

func TestWriteFuzzSeed(t *testing.T) {
	if os.Getenv("LOOPDESK_WRITE_FUZZ_SEED") != "1" {
		t.Skip("set LOOPDESK_WRITE_FUZZ_SEED=1 to rewrite the fuzz seed")
	}
	data := "go test fuzz v1\n[]byte(" + strconv.Quote(string(nestingBomb(5000))) + ")\n"
	if err := os.WriteFile(filepath.Join("testdata", "fuzz", "FuzzParse", "nesting_bomb_5000"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse feeds the parser arbitrary mail. It must never panic, and what
// it accepts has a sender. The committed seeds include the depth-5000
// nesting bomb (testdata/fuzz/FuzzParse); run with
// go test ./internal/mailin -run '^$' -fuzz FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(eml("From: Ben <ben@example.com>", "Subject: [#12] Re: kettle", "", "It leaks."))
	f.Add(manyParts(3))
	f.Add(nestingBomb(MaxMIMEDepth))
	f.Add(nestingBomb(MaxMIMEDepth + 1))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw)
		if err == nil && m.FromEmail == "" {
			t.Fatal("accepted a mail without a sender")
		}
		if err != nil && !Permanent(err) {
			t.Fatalf("a parse failure that is not permanent: %v", err)
		}
	})
}

// BenchmarkParseNestingBomb times the refusal of a mail nested 5,000
// levels deep, which took enmime 89 s before the pre-scan.
func BenchmarkParseNestingBomb(b *testing.B) {
	raw := nestingBomb(5000)
	b.SetBytes(int64(len(raw)))
	start := time.Now()
	for b.Loop() {
		if _, err := Parse(raw); !errors.Is(err, ErrTooComplex) {
			b.Fatalf("err = %v, want ErrTooComplex", err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/refusal")
}

// BenchmarkParseDeepestAllowed times a legitimate worst case: a mail nested
// MaxMIMEDepth levels deep with a 1 MB text part at the bottom.
func BenchmarkParseDeepestAllowed(b *testing.B) {
	raw := bytes.Replace(nestingBomb(MaxMIMEDepth), []byte("bottom"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 1<<20/18), 1)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}
