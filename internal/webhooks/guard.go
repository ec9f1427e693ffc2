package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/loopdesk/loopdesk/internal/apperr"
)

// SSRF protection. A webhook URL is typed by an admin, but the request is
// made by the server, from inside the network: an endpoint must not reach
// the server itself, the private network or a cloud metadata service. The
// check runs twice: when the endpoint is saved (a clear message for the
// admin) and on every connection, on the very address dialled, so a name
// that resolved to a public address at registration and to 127.0.0.1 later
// (DNS rebinding) is refused too. Redirects are not followed at all.

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ErrAddressBlocked is why a connection to a forbidden address was refused.
var ErrAddressBlocked = errors.New("webhooks: destination address is not allowed (loopback, private, link-local or reserved)")

// blocked lists the networks no webhook may reach: this host, private and
// shared (CGNAT) networks, link-local (cloud metadata at 169.254.169.254,
// fe80::/10), unique-local IPv6 (fd00:ec2::254), multicast, documentation
// and reserved ranges, and the IPv4-compatible ::/96 (:: and ::1 among them). IPv4-mapped IPv6 addresses are unmapped first;
// NAT64 and 6to4 addresses are judged by the IPv4 address they carry.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
		"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// HostList says whether an admin allowed a host name to have private
// addresses (Service is one: the allowed hosts table).
type HostList interface {
	HostAllowed(ctx context.Context, host string) (bool, error)
}

// Guard decides which addresses webhooks may reach and dials only those.
type Guard struct {
	resolver Resolver
	hosts    HostList // nil: no host is allowed private addresses
	// allow holds networks let through despite the rules: tests only (the
	// httptest receiver listens on 127.0.0.1). Production code never sets it.
	allow  []netip.Prefix
	dialer *net.Dialer
}

// NewGuard returns the guard with resolver (nil: the system resolver).
func NewGuard(resolver Resolver) *Guard {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	g := &Guard{resolver: resolver}
	g.dialer = &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return g
}

// AllowForTests lets the guard reach prefixes it would refuse. It exists
// for tests whose receiver listens on a loopback address; nothing in the
// server calls it.
func (g *Guard) AllowForTests(prefixes ...netip.Prefix) *Guard {
	g.allow = append(g.allow, prefixes...)
	return g
}

// SetHosts gives the guard the admins' allow-list of host names whose
// addresses may be private (Service.New sets its own).
func (g *Guard) SetHosts(h HostList) { g.hosts = h }

// metadataV6 is AWS's IPv6 instance metadata address (unique-local).
var metadataV6 = netip.MustParseAddr("fd00:ec2::254")

// privateAllowed reports whether an address of a host on the admins'
// allow-list may be reached: loopback, private and unique-local ones may;
// link-local (cloud metadata), multicast, unspecified and the metadata
// service's IPv6 address never.
func privateAllowed(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	return ip.IsValid() && !ip.IsUnspecified() && !ip.IsLinkLocalUnicast() && !ip.IsLinkLocalMulticast() &&
		!ip.IsInterfaceLocalMulticast() && !ip.IsMulticast() && ip != metadataV6
}

// hostAllowed reports whether host (a name, never an IP literal) is on the
// admins' allow-list. A failure to read the list refuses.
func (g *Guard) hostAllowed(ctx context.Context, host string) (bool, error) {
	if g.hosts == nil {
		return false, nil
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil || host == "" {
		return false, nil
	}
	ok, err := g.hosts.HostAllowed(ctx, host)
	if err != nil {
		return false, fmt.Errorf("webhooks: allowed hosts: %w", err)
	}
	return ok, nil
}

// Allowed reports whether a webhook may connect to ip.
func (g *Guard) Allowed(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range g.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return publicAddr(ip)
}

// publicAddr reports whether ip is outside every blocked network.
func publicAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap()
	if ip.Is6() && (nat64.Contains(ip) || sixToFour.Contains(ip)) {
		b := ip.As16()
		var v4 [4]byte
		if nat64.Contains(ip) {
			copy(v4[:], b[12:16])
		} else {
			copy(v4[:], b[2:6])
		}
		return publicAddr(netip.AddrFrom4(v4))
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL validates an endpoint URL for saving: an absolute http(s) URL
// without credentials or fragment whose host resolves only to allowed
// addresses. Problems are field errors on "url".
func (g *Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	bad := func(msg string) error { return apperr.InvalidFields(map[string]string{"url": msg}) }
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, bad("error_required")
	}
	if len(raw) > 2000 {
		return nil, bad("error_too_long")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, bad("webhooks_error_url")
	}
	if u.User != nil || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return nil, bad("webhooks_error_url")
	}
	host := u.Hostname()
	if host == "" {
		return nil, bad("webhooks_error_url")
	}
	if p := u.Port(); p != "" {
		if n, err := net.LookupPort("tcp", p); err != nil || n == 0 {
			return nil, bad("webhooks_error_url")
		}
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, bad("webhooks_error_url_resolve")
	}
	listed, err := g.hostAllowed(ctx, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if !g.Allowed(a) && !(listed && privateAllowed(a)) {
			return nil, bad("webhooks_error_url_blocked")
		}
	}
	return u, nil
}

// resolve returns host's addresses: itself when it is an IP literal.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return []netip.Addr{ip}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	return addrs, nil
}

// DialContext is the delivery transport's dialer: it resolves addr's host
// itself, refuses it when any of its addresses is blocked, and dials the
// checked address (never the name again, so the answer cannot change in
// between). The dialer's Control checks the address of the socket once more.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	// A host on the admins' allow-list may have private addresses: exactly
	// the ones just resolved, which the socket check is told of. Any other
	// name is held to the rules, so a public name that now resolves to a
	// private address (DNS rebinding) is still refused.
	listed, err := g.hostAllowed(ctx, host)
	if err != nil {
		return nil, err
	}
	dialer := g.dialer
	var permitted []netip.Addr
	for _, a := range addrs {
		switch {
		case g.Allowed(a):
		case listed && privateAllowed(a):
			permitted = append(permitted, a.Unmap().WithZone(""))
		default:
			return nil, fmt.Errorf("%w: %s", ErrAddressBlocked, a)
		}
	}
	if len(permitted) > 0 {
		d := *g.dialer
		d.Control = func(network, address string, c syscall.RawConn) error {
			if ap, err := netip.ParseAddrPort(address); err == nil && slices.Contains(permitted, ap.Addr().Unmap().WithZone("")) {
				return nil
			}
			return g.control(network, address, c)
		}
		dialer = &d
	}
	var firstErr error
	for _, a := range addrs {
		c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// control runs on every socket before it connects: the last word on the
// address, whatever resolved it.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrAddressBlocked, address)
	}
	if !g.Allowed(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrAddressBlocked, ap.Addr())
	}
	return nil
}
