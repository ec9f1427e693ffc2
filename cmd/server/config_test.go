package main

import (
	"io"
	"strings"
	"testing"
)

func TestConfigTrustedProxies(t *testing.T) {
	tests := []struct {
		value   string
		wantErr bool
		want    int // prefixes
	}{
		{"", false, 0},
		{"10.0.0.0/8", false, 1},
		{"10.0.0.0/8, 192.168.1.5 ,fd00::/8", false, 3},
		{"10.0.0.0/33", true, 0},
		{"proxy.example", true, 0},
	}
	for _, tc := range tests {
		c := config{Addr: "127.0.0.1:8080", LogLevel: "info", LogFormat: "text", FollowUpHours: 4, DataDir: t.TempDir(), TrustedProxies: tc.value, MetricsAddr: "off"}
		err := c.validate()
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: error %v, want error %v", tc.value, err, tc.wantErr)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), "LOOPDESK_TRUSTED_PROXIES") {
			t.Errorf("%q: the error does not name the setting: %v", tc.value, err)
		}
		if err == nil && len(c.trustedProxies) != tc.want {
			t.Errorf("%q: %d proxies, want %d", tc.value, len(c.trustedProxies), tc.want)
		}
	}
}

// `loopdesk user add` applies the password policy before it touches the
// database, and says what is wrong in words.
func TestUserAddRefusesWeakPasswords(t *testing.T) {
	for pw, want := range map[string]string{
		"short":        "at least 12 characters",
		"qwerty123456": "too common",
		"aaaaaaaaaaaa": "repeated or sequential",
	} {
		getenv := func(k string) string {
			if k == "LOOPDESK_DATA_DIR" {
				return t.TempDir()
			}
			return ""
		}
		err := run(t.Context(), []string{"user", "add", "-email", "a@example.com", "-name", "A B", "-password", pw}, getenv, strings.NewReader(""), io.Discard)
		if err == nil || !strings.Contains(err.Error(), "password: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("password %q: error %v, want one saying %q", pw, err, want)
		}
	}
}

func TestConfigMetrics(t *testing.T) {
	tests := []struct {
		addr, token string
		wantErr     string
	}{
		{defaultMetricsAddr, "", ""},
		{"off", "", ""},
		{"0.0.0.0:9100", "a-long-enough-metrics-token-123", ""},
		{"9100", "", "LOOPDESK_METRICS_ADDR"},
		{defaultMetricsAddr, "short", "LOOPDESK_METRICS_TOKEN"},
	}
	for _, tc := range tests {
		c := config{Addr: "127.0.0.1:8080", LogLevel: "info", LogFormat: "text", FollowUpHours: 4, DataDir: t.TempDir(), MetricsAddr: tc.addr, MetricsToken: tc.token}
		err := c.validate()
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("addr %q token %q: error %v, want one naming %q", tc.addr, tc.token, err, tc.wantErr)
		}
	}
}

func TestConfigDefaultCountry(t *testing.T) {
	for value, want := range map[string]string{"": "FI", "FI": "FI", "vn": "VN", " IN ": "IN", "XX": "", "Finland": ""} {
		c := config{Addr: "127.0.0.1:8080", LogLevel: "info", LogFormat: "text", FollowUpHours: 4, DataDir: t.TempDir(), MetricsAddr: "off", DefaultCountry: value}
		err := c.validate()
		if want == "" {
			if err == nil || !strings.Contains(err.Error(), "LOOPDESK_DEFAULT_COUNTRY") {
				t.Errorf("%q: error %v, want one naming LOOPDESK_DEFAULT_COUNTRY", value, err)
			}
			continue
		}
		if err != nil || c.DefaultCountry != want {
			t.Errorf("%q: %q, %v; want %q", value, c.DefaultCountry, err, want)
		}
	}
}

func TestConfigReportTimeZone(t *testing.T) {
	for value, want := range map[string]string{"": "UTC", "Europe/Helsinki": "Europe/Helsinki", " Asia/Kolkata ": "Asia/Kolkata", "Mars/Base": "", "Local": ""} {
		c := config{Addr: "127.0.0.1:8080", LogLevel: "info", LogFormat: "text", FollowUpHours: 4, DataDir: t.TempDir(), MetricsAddr: "off", ReportTimeZone: value}
		err := c.validate()
		if want == "" {
			if err == nil || !strings.Contains(err.Error(), "LOOPDESK_REPORT_TIME_ZONE") {
				t.Errorf("%q: error %v, want one naming LOOPDESK_REPORT_TIME_ZONE", value, err)
			}
			continue
		}
		if err != nil || c.reportZone.String() != want {
			t.Errorf("%q: %v, %v; want %q", value, c.reportZone, err, want)
		}
	}
}
