package web

import (
	"mime"
	"testing"
)

// TestStaticTypesAreGos: the static files' content types are the ones
// mime.TypeByExtension answers for the extensions Go's own table knows
// (the table is there so that the system's tables are never read).
func TestStaticTypesAreGos(t *testing.T) {
	for ext, want := range staticTypes {
		if ext == ".woff2" { // not in Go's table: the system's, when it has one
			continue
		}
		if got := mime.TypeByExtension(ext); got != want {
			t.Errorf("%s: staticTypes has %q, mime.TypeByExtension %q", ext, want, got)
		}
	}
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range a.files {
		if f.ctype == "application/octet-stream" {
			t.Errorf("%s: no content type", name)
		}
	}
}
