package formbody_test

import (
	"bytes"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/loopdesk/loopdesk/internal/textcheck"
	"github.com/loopdesk/loopdesk/web/formbody"
)

// limits are small, so that the fuzzer reaches them.
var limits = formbody.Limits{Form: 4096, Multipart: 8192}

// contentTypes are the media types FuzzFormDecode sends a body as.
var contentTypes = []string{
	"application/x-www-form-urlencoded",
	"multipart/form-data; boundary=b",
	"multipart/form-data",
	"application/x-www-form-urlencoded; charset=utf-8",
	"text/plain",
	"",
	"multipart/form-data; boundary=\"",
}

// FuzzFormDecode feeds the page form decoder (formbody.Read, which every
// form post goes through) any body as any of a few media types (seeds in
// testdata/fuzz/FuzzFormDecode). It never panics and answers only OK,
// TooLarge for a body over its limit or Malformed; a url-encoded body it
// reads gives exactly the values url.ParseQuery gives, and one it refuses as
// malformed is one url.ParseQuery refuses. Whatever it reads, the text rule
// decides alone what may be stored: a value it passes is valid UTF-8
// without NUL.
func FuzzFormDecode(f *testing.F) {
	f.Add(uint8(0), []byte("name=Anna&message=Hello+world&message=again"))
	f.Add(uint8(0), []byte("a=%zz&b=1"))
	f.Add(uint8(0), []byte("a=%00&b=%FF%FE&c=%E0%A4"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue\r\n--b--\r\n"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.txt\"\r\n\r\nhi\r\n--b--\r\n"))
	f.Add(uint8(2), []byte("no boundary"))
	f.Add(uint8(4), []byte("a=b"))
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		ct := contentTypes[int(kind)%len(contentTypes)]
		r := httptest.NewRequest(http.MethodPost, "/help?q=1", bytes.NewReader(body))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		p, multipart := formbody.Read(httptest.NewRecorder(), r, limits)
		mt, _, _ := mime.ParseMediaType(ct) // with broken parameters: the type and an error
		urlencoded := mt == "application/x-www-form-urlencoded"
		if multipart != (mt == "multipart/form-data") {
			t.Fatalf("multipart %v for %q", multipart, ct)
		}
		if mt != "application/x-www-form-urlencoded" && mt != "multipart/form-data" && p != formbody.OK {
			t.Fatalf("%d for a body that is no form (%q)", p, ct)
		}
		switch p {
		case formbody.OK:
			if urlencoded {
				want, err := url.ParseQuery(string(body))
				if err != nil || int64(len(body)) > limits.Form {
					t.Fatalf("read a body url.ParseQuery refuses (%v) or over the limit (%d bytes)", err, len(body))
				}
				if !maps.EqualFunc(r.PostForm, want, slices.Equal) {
					t.Fatalf("PostForm %v, want %v", r.PostForm, want)
				}
			}
		case formbody.TooLarge:
			limit := limits.Form
			if multipart {
				limit = limits.Multipart
			}
			if int64(len(body)) <= limit {
				t.Fatalf("too large at %d bytes (limit %d)", len(body), limit)
			}
		case formbody.Malformed:
			if _, err := url.ParseQuery(string(body)); urlencoded && err == nil {
				t.Fatal("malformed, but url.ParseQuery reads it")
			}
		default:
			t.Fatalf("problem %d", p)
		}
		for _, vs := range r.PostForm {
			for _, v := range vs {
				if textcheck.Valid(v, textcheck.Lines) && (!utf8.ValidString(v) || strings.ContainsRune(v, 0)) {
					t.Fatalf("the text rule passes %q", v)
				}
			}
		}
	})
}
