package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type ctxClientAddrKey struct{}

// withClientAddr finds the client's address once per request; every rate
// limit and login throttle reads it through clientIP. Behind reverse proxies
// (LOOPDESK_TRUSTED_PROXIES) it is the right-most X-Forwarded-For hop that is
// not a trusted proxy, and only when the direct peer is one: a client cannot
// pick its own address by sending the header.
func (s *Server) withClientAddr(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.trustedProxies)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxClientAddrKey{}, addr)))
	})
}

// clientIP is the client's address as withClientAddr found it.
func clientIP(r *http.Request) string {
	if a, ok := r.Context().Value(ctxClientAddrKey{}).(string); ok && a != "" {
		return a
	}
	return peerAddr(r.RemoteAddr)
}

// peerAddr is the address of a connection's remote end, without the port.
func peerAddr(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.Unmap().String()
	}
	return host
}

// clientAddr walks X-Forwarded-For from the right while the hops are
// trusted proxies. A hop that is not an address ends the walk at the last
// trusted hop: it was written by the client, not by a proxy we trust.
func clientAddr(remoteAddr string, xff []string, trusted []netip.Prefix) string {
	peer := peerAddr(remoteAddr)
	if len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range xff {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return client
		}
		client = ip.Unmap().String()
		if !isTrusted(client, trusted) {
			return client
		}
	}
	return client
}

func isTrusted(addr string, trusted []netip.Prefix) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads LOOPDESK_TRUSTED_PROXIES: comma-separated CIDRs
// (a bare address means just that one).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			ip, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
