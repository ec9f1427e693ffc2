package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/loopdesk/loopdesk/internal/mailin"
	"github.com/loopdesk/loopdesk/internal/tickets"
	"github.com/loopdesk/loopdesk/web"
)

// config is read once, here, from the environment with flag overrides.
type config struct {
	Addr        string
	DatabaseURL string
	DataDir     string
	BaseURL     string
	LogLevel    string
	LogFormat   string
	Secret      string
	// FollowUpHours is the business hours a loop owner has to confirm with
	// the customer after an escalation returns.
	FollowUpHours int
	// MailInAddr is the SMTP listen address for customer mail; empty: off.
	MailInAddr string
	// MailInTo lists the desk's addresses that the listener takes mail for,
	// comma-separated; empty means LOOPDESK_SMTP_FROM's address.
	MailInTo string
	// MailAuthServID is our MX's authserv-id: its topmost
	// Authentication-Results header is believed (SPF/DKIM/DMARC shown, a
	// failed DMARC goes to Spam); empty: none is.
	MailAuthServID string
	// MailNewTicketsPerHour is how many new tickets one sender may open by
	// mail in an hour before their mail goes to Spam; 0: no limit.
	MailNewTicketsPerHour int
	// MailSpamKeepDays is how many days held mail stays in the Spam view
	// before it is purged.
	MailSpamKeepDays int
	// TrustedProxies lists the reverse proxies (comma-separated CIDRs) whose
	// X-Forwarded-For names the client; parsed into trustedProxies.
	TrustedProxies string
	trustedProxies []netip.Prefix
	// MetricsAddr is the listen address of /metrics, apart from the public
	// one; "off" for none.
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics wants, on the
	// metrics address and on the public one.
	MetricsToken string

	// OutboxRetention is how long sent customer mail keeps its content
	// ("7d" or a Go duration); parsed into outboxRetention.
	OutboxRetention string
	outboxRetention time.Duration
	// StatusLinkTTL is how long status links work after their ticket
	// closes ("90d" or a Go duration); parsed into statusLinkTTL.
	StatusLinkTTL string
	statusLinkTTL time.Duration

	// poolSize is the pgx pool size openDB uses; 0: postgres.DefaultMaxConns.
	poolSize int32
	// onDBLost, when set, makes openDB supervise the private cluster: it is
	// restarted when it dies, and onDBLost is called when that keeps failing.
	onDBLost func(error)
	// DefaultCountry reads phone numbers typed without a country code
	// (ISO 3166 code: FI, VN, IN).
	DefaultCountry string
	// ReportTimeZone is the desk's reporting time zone: the days of the
	// dashboard and its daily rollups; parsed into reportZone.
	ReportTimeZone string
	reportZone     *time.Location
}

// defaultMetricsAddr keeps /metrics on the loopback interface.
const defaultMetricsAddr = "127.0.0.1:9090"

// bind registers the common flags on fs with environment defaults.
func (c *config) bind(fs *flag.FlagSet, getenv func(string) string) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.Addr, "addr", env("LOOPDESK_ADDR", "127.0.0.1:8080"), "listen address (LOOPDESK_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("DATABASE_URL", ""), "Postgres URL; empty starts a private cluster in the data dir (DATABASE_URL)")
	fs.StringVar(&c.DataDir, "data-dir", env("LOOPDESK_DATA_DIR", "./data"), "data directory: private Postgres, secret key (LOOPDESK_DATA_DIR)")
	fs.StringVar(&c.BaseURL, "base-url", env("LOOPDESK_BASE_URL", ""), "public base URL used in links and emails; default http://<addr> (LOOPDESK_BASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", env("LOOPDESK_LOG_LEVEL", "info"), "debug, info, warn or error (LOOPDESK_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", env("LOOPDESK_LOG_FORMAT", "text"), "text or json (LOOPDESK_LOG_FORMAT)")
	fs.IntVar(&c.FollowUpHours, "follow-up-hours", envInt(getenv, "LOOPDESK_FOLLOW_UP_HOURS", 4), "business hours to confirm with the customer after an escalation returns (LOOPDESK_FOLLOW_UP_HOURS)")
	fs.StringVar(&c.MailInAddr, "mail-in-addr", env("LOOPDESK_MAIL_IN_ADDR", ""), "SMTP listen address for customer mail, e.g. 0.0.0.0:2525; empty: off (LOOPDESK_MAIL_IN_ADDR)")
	fs.StringVar(&c.MailInTo, "mail-in-to", env("LOOPDESK_MAIL_IN_TO", env("LOOPDESK_SMTP_FROM", "")), "comma-separated desk addresses the listener takes mail for; default LOOPDESK_SMTP_FROM (LOOPDESK_MAIL_IN_TO)")
	fs.StringVar(&c.MailAuthServID, "mail-authserv-id", env("LOOPDESK_MAIL_AUTHSERV_ID", ""), "our MX's authserv-id; its topmost Authentication-Results header is believed (DMARC fail goes to Spam); empty: none (LOOPDESK_MAIL_AUTHSERV_ID)")
	fs.IntVar(&c.MailNewTicketsPerHour, "mail-new-tickets-per-hour", envInt(getenv, "LOOPDESK_MAIL_NEW_TICKETS_PER_HOUR", 10), "new tickets one sender may open by mail in an hour; more go to Spam; 0: no limit (LOOPDESK_MAIL_NEW_TICKETS_PER_HOUR)")
	fs.IntVar(&c.MailSpamKeepDays, "mail-spam-keep-days", envInt(getenv, "LOOPDESK_MAIL_SPAM_KEEP_DAYS", mailin.DefaultKeepDays), "days held mail stays in the Spam view before it is purged (LOOPDESK_MAIL_SPAM_KEEP_DAYS)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", env("LOOPDESK_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client, e.g. 10.0.0.0/8; empty: none (LOOPDESK_TRUSTED_PROXIES)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("LOOPDESK_METRICS_ADDR", defaultMetricsAddr), "listen address of /metrics, apart from the public one; off: none (LOOPDESK_METRICS_ADDR)")
	fs.StringVar(&c.MetricsToken, "metrics-token", env("LOOPDESK_METRICS_TOKEN", ""), "bearer token for /metrics; when set, /metrics is also served on the public address to its bearer (LOOPDESK_METRICS_TOKEN)")
	fs.StringVar(&c.StatusLinkTTL, "status-link-ttl", env("LOOPDESK_STATUS_LINK_TTL", "90d"), "how long a customer's status link works after the ticket closes, e.g. 90d (LOOPDESK_STATUS_LINK_TTL)")
	fs.StringVar(&c.OutboxRetention, "outbox-retention", env("LOOPDESK_OUTBOX_RETENTION", "7d"), "how long sent customer mail keeps its content on the Outbox page, e.g. 7d or 36h (LOOPDESK_OUTBOX_RETENTION)")
	fs.StringVar(&c.DefaultCountry, "default-country", env("LOOPDESK_DEFAULT_COUNTRY", tickets.DefaultRegion), "the desk's country: phone numbers without a country code are read as its numbers, e.g. FI, VN or IN (LOOPDESK_DEFAULT_COUNTRY)")
	fs.StringVar(&c.ReportTimeZone, "report-time-zone", env("LOOPDESK_REPORT_TIME_ZONE", "UTC"), "the desk's reporting time zone: the dashboard's days, e.g. Europe/Helsinki (LOOPDESK_REPORT_TIME_ZONE)")
	fs.StringVar(&c.Secret, "secret", env("LOOPDESK_SECRET", ""), "secret key for tokens; generated into the data dir when empty (LOOPDESK_SECRET)")
}

func envInt(getenv func(string) string, name string, def int) int {
	if v, err := strconv.Atoi(getenv(name)); err == nil {
		return v
	}
	return def
}

// parseDays reads a duration as whole days ("90d") or as a Go duration
// ("36h"); it must not be negative.
func parseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q: want a number of days like 90d, or a duration like 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want a number of days like 90d, or a duration like 36h", s)
	}
	return d, nil
}

// validate checks the configuration and names the culprit.
func (c *config) validate() error {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("LOOPDESK_BASE_URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("LOOPDESK_LOG_LEVEL %q must be debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("LOOPDESK_LOG_FORMAT %q must be text or json", c.LogFormat)
	}
	if c.FollowUpHours < 1 || c.FollowUpHours > 240 {
		return fmt.Errorf("LOOPDESK_FOLLOW_UP_HOURS %d must be between 1 and 240", c.FollowUpHours)
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		return errors.New("LOOPDESK_SECRET must be at least 32 characters")
	}
	if c.MailInAddr != "" {
		if _, port, err := net.SplitHostPort(c.MailInAddr); err != nil || port == "" {
			return fmt.Errorf("LOOPDESK_MAIL_IN_ADDR %q: want host:port, e.g. 0.0.0.0:2525", c.MailInAddr)
		}
		if strings.TrimSpace(c.MailInTo) == "" {
			return errors.New("LOOPDESK_MAIL_IN_TO (or LOOPDESK_SMTP_FROM) must name the desk's address when LOOPDESK_MAIL_IN_ADDR is set")
		}
		if _, err := mail.ParseAddressList(c.MailInTo); err != nil {
			return fmt.Errorf("LOOPDESK_MAIL_IN_TO %q is not a list of mail addresses: %v", c.MailInTo, err)
		}
	}
	if c.trustedProxies, err = web.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return fmt.Errorf("LOOPDESK_TRUSTED_PROXIES %q: want comma-separated CIDRs, e.g. 10.0.0.0/8,192.168.1.5/32: %v", c.TrustedProxies, err)
	}
	if c.MetricsAddr != "off" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return fmt.Errorf("LOOPDESK_METRICS_ADDR %q: want host:port, e.g. 127.0.0.1:9090, or off", c.MetricsAddr)
		}
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 24 {
		return errors.New("LOOPDESK_METRICS_TOKEN must be at least 24 characters")
	}
	if c.StatusLinkTTL == "" {
		c.StatusLinkTTL = "90d"
	}
	if c.statusLinkTTL, err = parseDays(c.StatusLinkTTL); err != nil || c.statusLinkTTL < time.Hour {
		return fmt.Errorf("LOOPDESK_STATUS_LINK_TTL %q: want at least an hour, e.g. 90d", c.StatusLinkTTL)
	}
	if c.OutboxRetention == "" {
		c.OutboxRetention = "7d"
	}
	if c.outboxRetention, err = parseDays(c.OutboxRetention); err != nil {
		return fmt.Errorf("LOOPDESK_OUTBOX_RETENTION %w", err)
	}
	if c.DefaultCountry = strings.ToUpper(strings.TrimSpace(c.DefaultCountry)); c.DefaultCountry == "" {
		c.DefaultCountry = tickets.DefaultRegion
	}
	if !tickets.ValidRegion(c.DefaultCountry) {
		return fmt.Errorf("LOOPDESK_DEFAULT_COUNTRY %q: want a country code such as FI, VN or IN", c.DefaultCountry)
	}
	if c.ReportTimeZone = strings.TrimSpace(c.ReportTimeZone); c.ReportTimeZone == "" {
		c.ReportTimeZone = "UTC"
	}
	zone, err := time.LoadLocation(c.ReportTimeZone)
	if err != nil || c.ReportTimeZone == "Local" {
		return fmt.Errorf("LOOPDESK_REPORT_TIME_ZONE %q: want a time zone name such as Europe/Helsinki", c.ReportTimeZone)
	}
	c.reportZone = zone
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("LOOPDESK_DATA_DIR %q: %w", c.DataDir, err)
	}
	c.DataDir = abs
	return nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// secret returns the configured secret, or the one kept in the data dir,
// generating it on first run. The value is never logged.
func (c *config) secret(log *slog.Logger) (string, error) {
	if c.Secret != "" {
		return c.Secret, nil
	}
	path := filepath.Join(c.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read secret: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	s := hex.EncodeToString(raw)
	if err := os.MkdirAll(c.DataDir, 0o755); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write secret: %w", err)
	}
	log.Info("generated a new secret key", "path", path)
	return s, nil
}
