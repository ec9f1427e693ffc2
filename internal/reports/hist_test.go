package reports

import (
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loopdesk/loopdesk/internal/postgres/pgtest"
)

// Every bucket answers within the bound of each value it holds.
func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	check := func(v int32) {
		got := bucketValue(bucketOf(v))
		if want := time.Duration(v) * time.Second; !within(got, want) {
			t.Fatalf("value %d s: bucket %d answers %v, beyond %d %%", v, bucketOf(v), got, ApproxPercent)
		}
	}
	for v := int32(0); v < 100_000; v++ {
		check(v)
	}
	for v := int64(100_000); v <= math.MaxInt32; v = v*1001/1000 + 1 {
		check(int32(v))
	}
	check(math.MaxInt32)
	var h hist
	for _, v := range []int32{0, 3, 3, 70, 100_000, math.MaxInt32} {
		h.add(v)
	}
	var back hist
	if err := back.merge(h.encode()); err != nil {
		t.Fatal(err)
	}
	for i := range h {
		if h[i] != back[i] {
			t.Fatalf("bucket %d: %d after encoding, want %d", i, back[i], h[i])
		}
	}
	if (hist{}).encode() != nil || back.merge([]byte{histBuckets, 1}) == nil || back.merge([]byte{3}) == nil {
		t.Error("an empty histogram encodes to nil, and a bucket out of range or a missing count does not decode")
	}
	// Encodings concatenate into the sum's.
	var sum hist
	if err := sum.merge(append(h.encode(), h.encode()...)); err != nil {
		t.Fatal(err)
	}
	for i := range h {
		if sum[i] != 2*h[i] {
			t.Fatalf("bucket %d: %d in the concatenation, want %d", i, sum[i], 2*h[i])
		}
	}
}

// A percentile read from a histogram is within ApproxPercent of Postgres'
// percentile_disc over the same durations, for generated durations of
// several shapes and set sizes.
func TestHistogramPercentileBound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	// Sets of 1 to 20,000 durations: uniform seconds, log-uniform up to a
	// year, clustered on round minutes, and a mix with many zeros.
	const sets = `
SELECT setseed(0.17);
CREATE TEMP TABLE durations AS
SELECT s, g, (CASE s % 4
                WHEN 0 THEN floor(random() * 120)
                WHEN 1 THEN floor(exp(random() * ln(31536000)))
                WHEN 2 THEN 60 * floor(random() * 30)
                ELSE CASE WHEN random() < 0.3 THEN 0 ELSE floor(exp(random() * 14)) END
              END)::int AS v
FROM generate_series(0, 39) s, generate_series(1, CASE WHEN s < 8 THEN 1 + s ELSE 500 * s END) g`
	if _, err := db.Exec(ctx, sets); err != nil {
		t.Fatal(err)
	}
	ps := []float64{0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1}
	rows, err := db.Query(ctx, `
SELECT s, array_agg(v), percentile_disc($1::float8[]) WITHIN GROUP (ORDER BY v) FROM durations GROUP BY s ORDER BY s`, ps)
	if err != nil {
		t.Fatal(err)
	}
	var s int
	var values, exact []int32
	checked := 0
	if _, err := pgx.ForEachRow(rows, []any{&s, &values, &exact}, func() error {
		var h hist
		for _, v := range values {
			h.add(v)
		}
		for i, p := range ps {
			got, ok := h.percentile(p)
			want := time.Duration(exact[i]) * time.Second
			if !ok || !within(got, want) {
				t.Errorf("set %d (%d durations), p%g: histogram %v, percentile_disc %v: beyond ±%d %%", s, len(values), p*100, got, want, ApproxPercent)
			}
			checked++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if checked != 40*len(ps) {
		t.Fatalf("checked %d percentiles", checked)
	}
	if _, ok := (hist{}).percentile(0.5); ok {
		t.Error("an empty histogram has no median")
	}
}
