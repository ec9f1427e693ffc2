package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// /metrics is not on the public address unless a token is set, and then
// only for its bearer; the metrics listener's handler wants the token too
// when there is one.
func TestMetricsAccess(t *testing.T) {
	const token = "metrics-token-0123456789abcdef"
	tests := []struct {
		name          string
		token         string
		authorization string
		public        int // status on the public address
		listener      int // status on the metrics listener
	}{
		{"no token configured", "", "", http.StatusNotFound, http.StatusOK},
		{"no token configured, one sent", "", "Bearer " + token, http.StatusNotFound, http.StatusOK},
		{"token configured, none sent", token, "", http.StatusUnauthorized, http.StatusUnauthorized},
		{"token configured, wrong one", token, "Bearer metrics-token-0123456789abcdeX", http.StatusUnauthorized, http.StatusUnauthorized},
		{"token configured, not a bearer", token, token, http.StatusUnauthorized, http.StatusUnauthorized},
		{"token configured, right one", token, "Bearer " + token, http.StatusOK, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := setupWith(t, func(d *Deps) { d.MetricsToken = tc.token })
			req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/metrics", nil)
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			res := e.do(e.client(), req)
			if res.StatusCode != tc.public {
				t.Errorf("public /metrics: status %d, want %d", res.StatusCode, tc.public)
			}
			if res.StatusCode == http.StatusOK && !strings.Contains(res.Body, "loopdesk_pgx_pool_total_conns") {
				t.Error("public /metrics has no metrics")
			}
			rec := httptest.NewRecorder()
			lreq := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if tc.authorization != "" {
				lreq.Header.Set("Authorization", tc.authorization)
			}
			e.srv.MetricsHandler().ServeHTTP(rec, lreq)
			if rec.Code != tc.listener {
				t.Errorf("metrics listener: status %d, want %d", rec.Code, tc.listener)
			}
		})
	}
}
