package devpg

import (
	"os"
	"syscall"
)

// memoryFS is where Linux mounts a tmpfs for everyone's use.
const memoryFS = "/dev/shm"

// minMemoryFSFree is the room a throwaway cluster wants on memoryFS: initdb leaves about
// 40 MB and each cloned test database adds about 8 MB until it is dropped. Docker's
// default 64 MB /dev/shm is too small, so it falls back to disk.
const minMemoryFSFree = 1 << 30

// TempDataDir creates a directory for a throwaway (Fast) cluster, on the memory filesystem
// when it has room and on os.TempDir() otherwise. Creating a database writes a few hundred
// files, which on a slow disk costs about ten times what it costs in memory.
// The caller removes the directory when done.
func TempDataDir(pattern string) (string, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(memoryFS, &st); err == nil && st.Bavail*uint64(st.Bsize) >= minMemoryFSFree {
		if dir, err := os.MkdirTemp(memoryFS, pattern); err == nil {
			return dir, nil
		}
	}
	return os.MkdirTemp("", pattern)
}
