package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/klauspost/compress/gzip"
)

// static holds css/ (ours) and vendor/ (copied from npm by `make assets`).
//
//go:embed all:static
var staticFS embed.FS

type asset struct {
	body  []byte
	gz    []byte // body gzipped at start when that saves anything, else nil
	hash  string
	ctype string
}

// assets serves embedded files under content-hashed URLs
// (/static/<hash>/<name>), so they can be cached for a year.
type assets struct{ files map[string]asset }

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]asset{}}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := staticType(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[p] = asset{body: b, gz: precompress(b, ctype), hash: hex.EncodeToString(sum[:])[:12], ctype: ctype}
		return nil
	})
	return a, err
}

// staticTypes are the content types of the static files, as Go's own
// table has them. Asking mime.TypeByExtension would first read the
// system's MIME tables into a map that stays for the life of the process
// (0.4 MB), for these few extensions.
var staticTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/vnd.microsoft.icon",
	".woff2": "font/woff2",
}

func staticType(ext string) string {
	if t, ok := staticTypes[strings.ToLower(ext)]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}

// url returns the content-hashed URL of a static file.
func (a *assets) url(name string) string {
	f, ok := a.files[name]
	if !ok {
		return "/static/missing/" + name
	}
	return "/static/" + f.hash + "/" + name
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "*")
	f, ok := a.files[name]
	if !ok || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	body, etag := f.body, `"`+f.hash+`"`
	w.Header().Add("Vary", "Accept-Encoding")
	if f.gz != nil && acceptsGzip(r) {
		// The compressed body is another representation: its own ETag.
		body, etag = f.gz, `"`+f.hash+`-gz"`
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", f.ctype)
	if chi.URLParam(r, "hash") == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(body)
}

// precompress gzips a text asset once, at the best level, so no request pays
// for compressing it.
func precompress(b []byte, ctype string) []byte {
	if !strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "javascript") && !strings.Contains(ctype, "svg") {
		return nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether the client takes gzip (and has not refused it with q=0).
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") || strings.TrimSpace(name) == "*" {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
