package devpg

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUser runs initdb and postgres when this process is root: both refuse to run as root.
const serverUser = "postgres"

// account is the unprivileged OS user the server runs as when this process is root.
type account struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32 // supplementary groups, for the traversal check
}

// lookupServerAccount returns the account to run the server as, or nil when this process
// is not root and so can run the server itself.
func lookupServerAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("devpg: running as root, PostgreSQL must run as the unprivileged OS user %q, "+
			"which was not found (install the postgresql package or create the user, or run as a normal user): %w",
			serverUser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("devpg: parse uid of %q: %w", serverUser, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("devpg: parse gid of %q: %w", serverUser, err)
	}
	acct := &account{name: u.Username, uid: uint32(uid), gid: uint32(gid), groups: []uint32{uint32(gid)}}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("devpg: list groups of %q: %w", serverUser, err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			acct.groups = append(acct.groups, uint32(n))
		}
	}
	return acct, nil
}

// sysProcAttr makes a child run as acct (when set) in its own process group, so that a
// Ctrl-C on the terminal reaches only us and we decide how the server shuts down.
func (acct *account) sysProcAttr() *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setpgid: true}
	if acct != nil {
		attr.Credential = &syscall.Credential{Uid: acct.uid, Gid: acct.gid, Groups: acct.groups}
	}
	return attr
}

// canTraverse reports whether acct may search dir (the x bit), using the same
// owner -> group -> other precedence as the kernel. ACLs are not considered.
func (acct *account) canTraverse(dir string) (bool, error) {
	if acct == nil {
		return true, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true, nil
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == acct.uid:
		return perm&0o100 != 0, nil
	case slices.Contains(acct.groups, st.Gid):
		return perm&0o010 != 0, nil
	default:
		return perm&0o001 != 0, nil
	}
}

// firstBlockedAncestor returns the first parent of dir (from the root down) that acct cannot
// traverse, or "" when every parent is passable.
func (acct *account) firstBlockedAncestor(dir string) (string, error) {
	var parents []string
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		parents = append(parents, d)
		if d == filepath.Dir(d) {
			break
		}
	}
	slices.Reverse(parents)
	for _, d := range parents {
		ok, err := acct.canTraverse(d)
		if err != nil {
			return "", fmt.Errorf("devpg: check access to %s: %w", d, err)
		}
		if !ok {
			return d, nil
		}
	}
	return "", nil
}

// chownTree gives the tree at root to acct, when it is not acct's already: postgres refuses
// a data directory owned by anyone else, e.g. one initialised by an earlier non-root run.
func (acct *account) chownTree(root string) error {
	if acct == nil {
		return nil
	}
	fi, err := os.Stat(root)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == acct.uid && st.Gid == acct.gid {
		return nil
	}
	return filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(path, int(acct.uid), int(acct.gid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("devpg: chown %s: %w", path, err)
		}
		return nil
	})
}

// chown gives a single file or directory to acct.
func (acct *account) chown(path string) error {
	if acct == nil {
		return nil
	}
	if err := os.Chown(path, int(acct.uid), int(acct.gid)); err != nil {
		return fmt.Errorf("devpg: chown %s: %w", path, err)
	}
	return nil
}
