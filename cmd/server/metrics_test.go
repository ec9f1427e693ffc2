package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// logAddr waits for the server's log line msg and returns its addr.
func logAddr(t *testing.T, out *syncBuffer, errc <-chan error, msg string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg {
				return line.Addr
			}
		}
		select {
		case err := <-errc:
			t.Fatalf("server stopped: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no %q after 60s:\n%s", msg, out.String())
	return ""
}

// The real server keeps /metrics off its public address and serves it on the
// metrics address, to the token's bearer.
func TestServeMetricsApart(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789abcdef"
	base := testEnv(t)
	getenv := func(k string) string {
		switch k {
		case "LOOPDESK_METRICS_ADDR":
			return "127.0.0.1:0"
		case "LOOPDESK_METRICS_TOKEN":
			return token
		case "LOOPDESK_MAIL_IN_ADDR":
			return ""
		}
		return base(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, getenv, strings.NewReader(""), out) }()
	metricsAddr := logAddr(t, out, errc, "serving metrics")
	publicAddr := logAddr(t, out, errc, "loopdesk is serving")

	get := func(url, auth string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, c := range []struct {
		url, auth string
		want      int
	}{
		{"http://" + metricsAddr + "/metrics", "Bearer " + token, http.StatusOK},
		{"http://" + metricsAddr + "/metrics", "", http.StatusUnauthorized},
		{"http://" + metricsAddr + "/login", "Bearer " + token, http.StatusNotFound},
		{"http://" + publicAddr + "/metrics", "", http.StatusUnauthorized},
		{"http://" + publicAddr + "/metrics", "Bearer " + token, http.StatusOK},
	} {
		if got := get(c.url, c.auth); got != c.want {
			t.Errorf("GET %s (auth %v): %d, want %d", c.url, c.auth != "", got, c.want)
		}
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
