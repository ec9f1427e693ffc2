package devpg

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries means no PostgreSQL server binaries (initdb and postgres) were found.
var ErrNoBinaries = errors.New("devpg: PostgreSQL server binaries (initdb, postgres) not found: " +
	"install the PostgreSQL server (e.g. apt-get install postgresql) or set DATABASE_URL")

// debianBinGlob is where Debian and Ubuntu install the server: their packages keep initdb
// and postgres off PATH so that several major versions can live side by side.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// FindBinDir returns the directory holding initdb and postgres. It looks on PATH, then
// asks `pg_config --bindir`, then tries /usr/lib/postgresql/*/bin, highest version first.
func FindBinDir() (string, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if dir := filepath.Dir(initdb); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); hasServerBinaries(dir) {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob) // the pattern is constant, so it cannot be malformed
	// Sort numerically, newest first: a lexical sort would put 9.6 above 15.
	slices.SortFunc(dirs, func(a, b string) int { return compareVersions(versionOf(b), versionOf(a)) })
	for _, dir := range dirs {
		if hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", ErrNoBinaries
}

func hasServerBinaries(dir string) bool {
	return isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres"))
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// versionOf extracts the version components from /usr/lib/postgresql/<version>/bin.
func versionOf(binDir string) []int {
	var parts []int
	for _, s := range strings.Split(filepath.Base(filepath.Dir(binDir)), ".") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil
		}
		parts = append(parts, n)
	}
	return parts
}

func compareVersions(a, b []int) int {
	return slices.Compare(a, b)
}
