package devpg

import (
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// memoryFS is where Linux mounts a tmpfs for everyone's use.
const memoryFS = "/dev/shm"

// minMemoryFSFree is the room a throwaway cluster wants on memoryFS: initdb leaves about
// 40 MB and each cloned test database adds about 8 MB until it is dropped. Docker's
// default 64 MB /dev/shm is too small, so it falls back to disk.
const minMemoryFSFree = 1 << 30

// staleAfter is how long a throwaway directory with no live server must have been left
// alone before TempDataDir deletes it; a starting cluster has a server within seconds.
const staleAfter = 10 * time.Minute

// TempDataDir creates a directory for a throwaway (Fast) cluster, named prefix + random
// digits, on the memory filesystem when it has room and in os.TempDir() otherwise: creating
// a database writes a few hundred files, which on a slow disk costs ten times as much.
// The caller removes the directory when done. Directories with the same prefix left by runs
// that were killed (no live server, untouched for ten minutes) are deleted first, so a
// crashed test binary does not hold on to memory.
func TempDataDir(prefix string) (string, error) {
	for _, parent := range []string{memoryFS, os.TempDir()} {
		removeStaleDataDirs(parent, prefix)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(memoryFS, &st); err == nil && st.Bavail*uint64(st.Bsize) >= minMemoryFSFree {
		if dir, err := os.MkdirTemp(memoryFS, prefix); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", prefix)
}

func removeStaleDataDirs(parent, prefix string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, prefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		if info, err := readPostmasterPID(filepath.Join(dir, clusterSubdir, pidFileName)); err == nil && postmasterAlive(info.pid) {
			continue
		}
		_ = os.RemoveAll(dir) // best effort: it is garbage either way
	}
}
