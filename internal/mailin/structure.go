package mailin

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Why a mail's shape is checked before enmime parses it: enmime reads a
// nested multipart through one boundary reader per level, each byte passing
// through every level above it, so the work grows with depth times size. A
// mail nested 4,000 levels deep took 7.6 s of CPU and one 5,000 deep 89 s;
// over SMTP a deeper one never finished, so the sending server was never
// answered and retried it forever. No mail program nests more than a handful
// of levels or sends hundreds of parts, so such a mail is refused, for good,
// after one linear pass over its lines.
const (
	// MaxMIMEDepth is the deepest multipart nesting taken in.
	MaxMIMEDepth = 20
	// MaxMIMEParts is the most MIME parts, at all levels together, taken in.
	MaxMIMEParts = 200
	// maxParseBoundaries bounds, inside enmime, how many boundaries are
	// handed out to it (see boundedMediaType): a mail whose shape the
	// pre-scan misjudged still cannot nest deeper than this.
	maxParseBoundaries = 8 * (MaxMIMEParts + 1)
	// parseTimeout bounds one parse; with the limits above a 25 MB mail
	// parses in well under a second.
	parseTimeout = 20 * time.Second
	// maxParallelParses bounds the CPU that parsing can take at once: a
	// parse that overran parseTimeout keeps its slot until it ends.
	maxParallelParses = 4
)

// ErrTooComplex is a mail nested deeper than MaxMIMEDepth, with more than
// MaxMIMEParts parts, or too slow to parse; it is refused for good.
var ErrTooComplex = errors.New("mailin: message structure too complex")

// checkStructure is the pre-scan: one pass over raw's lines that follows
// its multipart boundaries as enmime will (the same header reader and the
// same Content-Type parser) and fails with ErrTooComplex as soon as the
// nesting passes MaxMIMEDepth or the parts pass MaxMIMEParts. It reads each
// line once and compares it with at most MaxMIMEDepth boundaries. A mail
// that is not multipart, or whose header enmime cannot read, passes: enmime
// then reads it flat or reports the fault itself.
func checkStructure(raw []byte) error {
	br := bufio.NewReaderSize(bytes.NewReader(raw), 64<<10)
	hdr, err := enmime.ReadHeader(br, discardErrors{})
	if err != nil {
		return nil
	}
	mtype, params, _, err := mediatype.Parse(hdr.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(strings.ToLower(mtype), "multipart/") {
		return nil
	}
	// open holds the multiparts the scan is inside, outermost first.
	open := []level{{delim: []byte("--" + params["boundary"])}}
	parts := 0
	for len(open) > 0 {
		line, err := readLinePrefix(br)
		if len(line) == 0 && err != nil {
			break
		}
		if !bytes.Contains(line, []byte("--")) {
			continue
		}
		// The innermost level first: a delimiter closes every level inside
		// the one it belongs to. Where enmime's reading and this scan could
		// differ (a boundary reused inside itself), this order counts more
		// depth, not less.
		for i := len(open) - 1; i >= 0; i-- {
			kind := open[i].match(line, i == len(open)-1)
			if kind == noMatch {
				continue
			}
			if kind == closing {
				open = open[:i]
				break
			}
			open = open[:i+1]
			open[i].parts++
			parts++
			if parts > MaxMIMEParts {
				return fmt.Errorf("%w: more than %d parts", ErrTooComplex, MaxMIMEParts)
			}
			ph, err := enmime.ReadHeader(br, discardErrors{})
			if err != nil {
				break // enmime skips a part it cannot read
			}
			if _, pp, _, err := mediatype.Parse(ph.Get("Content-Type")); err == nil && pp["boundary"] != "" {
				// enmime treats any part with a boundary as a multipart
				// unless it is plain text or HTML; counting those too is
				// on the safe side.
				open = append(open, level{delim: []byte("--" + pp["boundary"])})
				if len(open) > MaxMIMEDepth {
					return fmt.Errorf("%w: nested more than %d levels deep", ErrTooComplex, MaxMIMEDepth)
				}
			}
			break
		}
	}
	return nil
}

// level is one open multipart of the pre-scan.
type level struct {
	delim []byte // "--" + boundary
	parts int    // parts seen so far
}

type lineKind int

const (
	noMatch lineKind = iota
	delimiter
	closing
)

// match says what line is to this level, as enmime's boundary reader
// decides it: a line that starts with the delimiter and then white space
// (or ends) starts a part, one that starts with delimiter + "--" closes the
// level. While the innermost level has not started its first part, enmime
// looks for the delimiter anywhere in a line (it skips the preamble that
// way), so the scan does too.
func (l level) match(line []byte, innermost bool) lineKind {
	if innermost && l.parts == 0 {
		if bytes.Contains(line, append(l.delim[:len(l.delim):len(l.delim)], '-', '-')) {
			return closing
		}
		for rest := line; ; {
			i := bytes.Index(rest, l.delim)
			if i < 0 {
				return noMatch
			}
			rest = rest[i+len(l.delim):]
			if len(rest) == 0 || isSpace(rest[0]) {
				return delimiter
			}
		}
	}
	rest, ok := bytes.CutPrefix(line, l.delim)
	switch {
	case !ok:
		return noMatch
	case bytes.HasPrefix(rest, []byte("--")):
		return closing
	case len(rest) == 0 || isSpace(rest[0]):
		return delimiter
	}
	return noMatch // "--b1" is not a delimiter of "b"
}

// readLinePrefix returns the next line, or at most its first buffer's worth
// (enough to hold any boundary): the rest of a longer line is skipped.
func readLinePrefix(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		head := append([]byte(nil), line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		return head, err
	}
	if errors.Is(err, io.EOF) && len(line) > 0 {
		return line, nil
	}
	return line, err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// discardErrors is the enmime.ErrorCollector of the pre-scan: enmime
// reports a malformed header itself when it parses the mail.
type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}

// boundedMediaType is enmime's own Content-Type parser that hands out at
// most limit boundaries: past it, a part is read as data, not as another
// multipart, and exceeded reports it. It is the backstop behind
// checkStructure; enmime parses a part's Content-Type more than once, so
// limit counts parses, not parts.
type boundedMediaType struct {
	limit    int
	handed   int
	exceeded bool
}

func (b *boundedMediaType) parse(ctype string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := mediatype.Parse(ctype)
	if params["boundary"] != "" {
		b.handed++
		if b.handed > b.limit {
			b.exceeded = true
			delete(params, "boundary")
		}
	}
	return mtype, params, invalid, err
}

// parseSlots bounds the parses running at once (maxParallelParses).
var parseSlots = make(chan struct{}, maxParallelParses)

// parseEnvelope runs enmime on raw after checkStructure passed, within
// parseTimeout. A parse that overruns is refused as ErrTooComplex; its
// goroutine still finishes (enmime cannot be stopped), bounded by the
// boundary limit, and holds its parse slot until then.
func parseEnvelope(raw []byte) (*enmime.Envelope, error) {
	if err := checkStructure(raw); err != nil {
		return nil, err
	}
	timer := time.NewTimer(parseTimeout)
	defer timer.Stop()
	select {
	case parseSlots <- struct{}{}:
	case <-timer.C:
		return nil, fmt.Errorf("%w: no parse slot within %s", ErrTooComplex, parseTimeout)
	}
	type result struct {
		env *enmime.Envelope
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-parseSlots }()
		bound := &boundedMediaType{limit: maxParseBoundaries}
		p := enmime.NewParser(enmime.SkipMalformedParts(true), enmime.SetCustomParseMediaType(bound.parse))
		env, err := p.ReadEnvelope(bytes.NewReader(raw))
		if err == nil && bound.exceeded {
			err = fmt.Errorf("%w: more than %d multipart boundaries", ErrTooComplex, maxParseBoundaries/8)
		}
		done <- result{env, err}
	}()
	select {
	case r := <-done:
		return r.env, r.err
	case <-timer.C:
		return nil, fmt.Errorf("%w: not parsed within %s", ErrTooComplex, parseTimeout)
	}
}
