package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"
)

// compressResponses compresses every response worth it (zstd or gzip, as the
// client accepts) with klauspost's gzhttp. A server-sent event stream is left
// alone: each event must reach the browser when it is flushed. Assets come
// precompressed (assets.serve sets Content-Encoding, which gzhttp respects).
//
// Pages are compressed at the fastest levels: zstd's (gzhttp's default,
// what Chrome and Firefox get) and gzip's level 1 (Safari and tools). On a
// 52 KB queue page gzip's default level 5 costs about 140 µs of CPU for 8.0 KB,
// level 1 about 75 µs for 9.1 KB, zstd about 90 µs for 8.4 KB.
func compressResponses() (func(http.Handler) http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.MinSize(1024),
		gzhttp.ContentTypeFilter(func(ct string) bool {
			return !strings.HasPrefix(ct, "text/event-stream") && gzhttp.DefaultContentTypeFilter(ct)
		}),
	)
	if err != nil {
		return nil, err
	}
	return func(h http.Handler) http.Handler { return wrap(h) }, nil
}

// favicon is /favicon.ico: a 32x32 ICO holding one PNG (the desk's teal
// square), made once at start, so browsers stop asking for it on every page.
type favicon []byte

func newFavicon() (favicon, error) {
	const size = 32
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	teal := color.NRGBA{R: 0x0f, G: 0x76, B: 0x6e, A: 0xff}
	for y := range size {
		for x := range size {
			// rounded corners: leave a 4 px radius transparent
			cx, cy := min(x, size-1-x), min(y, size-1-y)
			if cx < 4 && cy < 4 && (4-cx)*(4-cx)+(4-cy)*(4-cy) > 16 {
				continue
			}
			img.SetNRGBA(x, y, teal)
		}
	}
	var p bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		return nil, err
	}
	// ICONDIR (6 bytes) + one ICONDIRENTRY (16 bytes) + the PNG.
	var b bytes.Buffer
	_ = binary.Write(&b, binary.LittleEndian, [3]uint16{0, 1, 1})
	_ = binary.Write(&b, binary.LittleEndian, struct {
		W, H, Colors, Reserved uint8
		Planes, Bits           uint16
		Size, Offset           uint32
	}{size, size, 0, 0, 1, 32, uint32(p.Len()), 22})
	b.Write(p.Bytes())
	return b.Bytes(), nil
}

func (f favicon) serve(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=604800")
	_, _ = w.Write(f)
}
