package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopdesk/loopdesk/internal/mailin"
)

// cuttingProxy forwards TCP connections to target and cuts the n-th one
// abruptly (RST, no goodbye) once cuts[n] bytes came back from the server:
// the reader loses its connection in the middle of a FETCH response, as it
// does when its process is killed or the network drops.
type cuttingProxy struct {
	ln     net.Listener
	target string
	cuts   []int // bytes from the server after which connection i is cut
	mu     sync.Mutex
	conns  int
	done   atomic.Int32 // connections cut
}

func startCuttingProxy(t *testing.T, target string, cuts []int) *cuttingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttingProxy{ln: ln, target: target, cuts: cuts}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			n := p.conns
			p.conns++
			p.mu.Unlock()
			limit := -1
			if n < len(p.cuts) {
				limit = p.cuts[n]
			}
			go p.serve(c, limit)
		}
	}()
	return p
}

func (p *cuttingProxy) serve(client net.Conn, limit int) {
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	kill := func() {
		for _, c := range []net.Conn{client, server} {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // RST: the peer sees the connection die
			}
			c.Close()
		}
	}
	go func() { _, _ = io.Copy(server, client); kill() }()
	buf := make([]byte, 512)
	sent := 0
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if limit >= 0 && sent+n > limit {
				_, _ = client.Write(buf[:limit-sent])
				p.done.Add(1)
				kill()
				return
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				kill()
				return
			}
			sent += n
		}
		if err != nil {
			kill()
			return
		}
	}
}

// TestConnectionCutMidFetchLosesNoMailAndFilesNoneTwice cuts the reader's
// connection ten times at different points of its FETCH responses (inside
// message literals): every mail is filed exactly once, all end \Seen.
func TestConnectionCutMidFetchLosesNoMailAndFilesNoneTwice(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, true)
	srv.addUser(t, "help@desk.example", "pw")
	mua := srv.client(t, "help@desk.example", "pw")
	const mails = 20
	body := strings.Repeat("The kettle leaks a little more every day. ", 70) // ~3 KB: cuts land inside literals
	for i := range mails {
		deliver(t, mua, "cust"+strconv.Itoa(i)+"@example.com", "cut"+strconv.Itoa(i)+"@example.com", "Mail "+strconv.Itoa(i), body)
	}
	var cuts []int
	for i := range 10 {
		cuts = append(cuts, 2500+i*4999) // the first before any mail is whole, the later ones ever further in
	}
	proxy := startCuttingProxy(t, srv.tlsAddr, cuts)
	b.add(t, proxy.ln.Addr().String(), SecurityTLS, "help@desk.example", "pw")
	b.run(t, b.desk, srv)

	eventually(t, "every mail is filed and flagged seen", func() bool { return unseen(t, mua) == 0 })
	if n := proxy.done.Load(); n < 5 {
		t.Fatalf("only %d connections were cut: the test proved little", n)
	}
	if n, in, msgs := b.count(t, "tickets"), b.count(t, "mail_in"), b.count(t, "messages"); n != mails || in != mails || msgs != mails {
		t.Errorf("after %d cuts: %d tickets, %d mails filed, %d messages; want %d of each", proxy.done.Load(), n, in, msgs, mails)
	}
	t.Logf("%d connections cut mid-fetch; %d mails filed once each", proxy.done.Load(), mails)
}

// dyingFiler files a mail and then "dies" (the reader's context ends)
// before the reader can flag it \Seen: the window a kill -9 between the
// commit and the acknowledgement leaves.
type dyingFiler struct {
	desk    *mailin.Desk
	dieOn   int32
	calls   atomic.Int32
	kill    context.CancelFunc
	killed  chan struct{}
	killOne sync.Once
}

func (f *dyingFiler) ReceiveVia(ctx context.Context, raw []byte, r mailin.Route) (mailin.Result, error) {
	res, err := f.desk.ReceiveVia(ctx, raw, r)
	if f.calls.Add(1) == f.dieOn && err == nil {
		f.killOne.Do(func() { f.kill(); close(f.killed) })
		return mailin.Result{}, errors.New("killed")
	}
	return res, err
}

// TestKilledBetweenCommitAndSeen: a reader dies right after a mail's ticket
// is committed and before the mail is flagged \Seen; the next reader (a
// restarted process) reads it again and finds it filed: nothing lost,
// nothing doubled.
func TestKilledBetweenCommitAndSeen(t *testing.T) {
	b := setup(t)
	srv := startIMAP(t, false)
	srv.addUser(t, "help@desk.example", "pw")
	mua := srv.client(t, "help@desk.example", "pw")
	const mails = 6
	for i := range mails {
		deliver(t, mua, "c"+strconv.Itoa(i)+"@example.com", "k"+strconv.Itoa(i)+"@example.com", "Mail "+strconv.Itoa(i), "Hello.")
	}
	b.add(t, srv.tlsAddr, SecurityTLS, "help@desk.example", "pw")

	ctx, cancel := context.WithCancel(b.ctx)
	f := &dyingFiler{desk: b.desk, dieOn: 3, kill: cancel, killed: make(chan struct{})}
	first := NewReader(b.store, f, discard(), Options{PollInterval: 50 * time.Millisecond, RescanInterval: 50 * time.Millisecond,
		BackoffBase: 20 * time.Millisecond, TLSConfig: &tls.Config{RootCAs: srv.pool}})
	wait := first.Start(ctx)
	<-f.killed
	wait() // the first "process" is gone; its lock connection closed
	if n := unseen(t, mua); n != mails-2 {
		t.Fatalf("unseen after the kill = %d, want %d (the third mail filed but not acknowledged)", n, mails-2)
	}
	if n := b.count(t, "tickets"); n != 3 {
		t.Fatalf("tickets after the kill = %d, want 3", n)
	}
	b.run(t, b.desk, srv) // the restarted process
	eventually(t, "the rest is filed", func() bool { return unseen(t, mua) == 0 })
	if n, in := b.count(t, "tickets"), b.count(t, "mail_in"); n != mails || in != mails {
		t.Errorf("after the restart: %d tickets, %d mails filed; want %d", n, in, mails)
	}
}
