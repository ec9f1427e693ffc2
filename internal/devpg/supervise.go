package devpg

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"time"
)

// Why a supervisor: in its default mode Loopdesk runs this private cluster itself, and
// nothing else would notice the postmaster dying (killed, out of memory, a crash): every
// page would fail and /readyz report 503 until someone restarted Loopdesk by hand. The
// supervisor starts it again, and when that keeps failing it says so, so that the program
// can exit and its process manager restart the whole thing.
const (
	// restartBackoffMin is the wait after the first failed restart; it doubles up to
	// restartBackoffMax.
	restartBackoffMin = time.Second
	restartBackoffMax = 30 * time.Second
	// maxRestartFailures is how many restarts in a row may fail before the supervisor
	// gives up (about three minutes with the backoff above).
	maxRestartFailures = 10
	// alivePoll is how often a postmaster that another process started is checked.
	alivePoll = time.Second
)

// restartPolicy is the supervisor's timing; tests shorten it.
type restartPolicy struct {
	backoffMin, backoffMax time.Duration
	maxFailures            int
}

var defaultRestartPolicy = restartPolicy{restartBackoffMin, restartBackoffMax, maxRestartFailures}

// Supervise watches the postmaster until Stop and returns at once. When it dies without
// Stop, it is started again on the same data and socket directories, with a backoff of 1 s
// doubling to 30 s between failed attempts; every step is logged. A postmaster that another
// process started (Start attached to it) is checked every second, and restarted by this
// process if it dies. onGiveUp, when not nil, is called once maxRestartFailures restarts in
// a row have failed, with the last error; the supervisor then ends. Call Supervise once.
func (c *Cluster) Supervise(onGiveUp func(error)) {
	c.supervise(defaultRestartPolicy, onGiveUp)
}

func (c *Cluster) supervise(p restartPolicy, onGiveUp func(error)) {
	done := make(chan struct{})
	c.mu.Lock()
	c.supervised = done
	c.mu.Unlock()
	go func() {
		defer close(done)
		for {
			if !c.waitForDeath() {
				return // Stop
			}
			if c.owned {
				c.log.Error("devpg: postgres exited unexpectedly; restarting it", "pid", c.pid,
					"exit", fmt.Sprint(c.waitErr), "data_dir", c.pgData)
			} else {
				c.log.Error("devpg: the postgres this process attached to is gone; starting it", "pid", c.pid, "data_dir", c.pgData)
			}
			backoff := p.backoffMin
			for failures := 1; ; failures++ {
				start := time.Now()
				err := c.restart()
				if err == nil {
					c.log.Warn("devpg: postgres restarted", "pid", c.pid, "owned", c.owned, "attempts", failures,
						"duration", time.Since(start).Round(time.Millisecond))
					break
				}
				if errors.Is(err, errStopping) {
					return
				}
				if failures >= p.maxFailures {
					c.log.Error("devpg: giving up restarting postgres", "attempts", failures, "err", err)
					if onGiveUp != nil {
						onGiveUp(fmt.Errorf("devpg: postgres could not be restarted after %d attempts: %w", failures, err))
					}
					return
				}
				c.log.Warn("devpg: restarting postgres failed; trying again", "attempt", failures, "in", backoff, "err", err)
				select {
				case <-c.stopping:
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, p.backoffMax)
			}
		}
	}()
}

// errStopping ends a restart because Stop was called.
var errStopping = errors.New("devpg: stopping")

// waitForDeath waits until the postmaster is gone (true) or Stop is called (false).
func (c *Cluster) waitForDeath() bool {
	if c.owned {
		select {
		case <-c.exited:
			return true
		case <-c.stopping:
			return false
		}
	}
	tick := time.NewTicker(alivePoll)
	defer tick.Stop()
	for {
		select {
		case <-c.stopping:
			return false
		case <-tick.C:
			if !postmasterAlive(c.pid) {
				return true
			}
		}
	}
}

// restart starts a postmaster on the cluster again, under the data dir's lock: when another
// process got there first, it attaches to that one. A postmaster that does not become ready
// is killed again.
func (c *Cluster) restart() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-c.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()
	unlock, err := lockDir(ctx, c.dataDir)
	if err != nil {
		if ctx.Err() != nil {
			return errStopping
		}
		return err
	}
	defer unlock()
	// Unlike Start, a restart leaves a dead postmaster's postmaster.pid in place: the old
	// server's backends may still be running for a moment after it was killed, and postgres
	// refuses to start while they hold its shared memory only when it finds that file. The
	// backoff then waits for them.
	if info, err := readPostmasterPID(filepath.Join(c.pgData, pidFileName)); err == nil && info.pid != c.pid && postmasterAlive(info.pid) {
		other := &Cluster{pgData: c.pgData, socketDir: c.socketDir, port: c.port, pid: info.pid, log: c.log}
		if err := other.waitReady(ctx); err != nil {
			return fmt.Errorf("postgres (pid %d) started by another process is not ready: %w", info.pid, err)
		}
		c.owned, c.pid, c.proc, c.exited = false, info.pid, nil, nil
		return nil
	}
	if err := c.launch(c.binDir, c.acct, c.fast); err != nil {
		return err
	}
	if err := c.waitReady(ctx); err != nil {
		// Not ready (or Stop came): take it down again so no half-started server is left.
		_ = c.proc.Signal(syscall.SIGQUIT)
		select {
		case <-c.exited:
		case <-time.After(quitTimeout):
			_ = c.proc.Signal(syscall.SIGKILL)
			<-c.exited
		}
		if ctx.Err() != nil {
			return errStopping
		}
		return err
	}
	return nil
}
