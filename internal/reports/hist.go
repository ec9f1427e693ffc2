package reports

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// Duration histograms of the daily rollups (report_daily).
//
// Business seconds are counted in fixed buckets: 0..histExact-1 seconds
// each have their own bucket; above, bucket i covers
// [histExact·r^(i-histExact), histExact·r^(i-histExact+1)) with r =
// histRatio. A percentile read from a histogram finds the bucket holding the
// value percentile_disc would pick (the same rank: the ceil(p·N)-th value in
// order) and answers the bucket's geometric middle, lo·√r. The true value v
// is in [lo, lo·r), so the answer is within a factor √r of it: at most
// √r − 1 = 4.9 % above or 1 − 1/√r = 4.7 % below. ApproxPercent states that
// bound, rounded up, for the page; TestHistogramPercentileBound checks it
// against percentile_disc on generated data.

const (
	histExact   = 16
	histRatio   = 1.1
	histBuckets = histExact + 197 // histExact·1.1^197 > 2^31 seconds: every int32 has a bucket; fits a byte
)

// ApproxPercent is the bound, in percent, of a percentile read from the
// rollups' histograms: the dashboard states it beside such figures.
const ApproxPercent = 5

var logRatio = math.Log(histRatio)

// histLow is the lowest value of bucket i.
func histLow(i int) float64 {
	if i <= histExact {
		return float64(i)
	}
	return histExact * math.Pow(histRatio, float64(i-histExact))
}

// bucketOf is the bucket of v business seconds (negative counts as 0).
func bucketOf(v int32) int {
	if v < histExact {
		return max(int(v), 0)
	}
	i := histExact + int(math.Log(float64(v)/histExact)/logRatio)
	// Floating point can put a value at a bucket's edge one off.
	for i > histExact && float64(v) < histLow(i) {
		i--
	}
	for i+1 < histBuckets && float64(v) >= histLow(i+1) {
		i++
	}
	return min(i, histBuckets-1)
}

// bucketValue is the duration a percentile in bucket i answers.
func bucketValue(i int) time.Duration {
	if i < histExact {
		return time.Duration(i) * time.Second
	}
	return time.Duration(histLow(i) * math.Sqrt(histRatio) * float64(time.Second))
}

// hist counts durations per bucket; nil is empty.
type hist []int32

func (h *hist) add(v int32) {
	if *h == nil {
		*h = make(hist, histBuckets)
	}
	(*h)[bucketOf(v)]++
}

// sum adds o to h.
func (h *hist) sum(o hist) {
	if o == nil {
		return
	}
	if *h == nil {
		*h = make(hist, histBuckets)
	}
	for i, c := range o {
		(*h)[i] += c
	}
}

// merge adds the encoded histogram b (see encode) to h.
func (h *hist) merge(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if *h == nil {
		*h = make(hist, histBuckets)
	}
	h2 := *h
	for len(b) > 0 {
		i := int(b[0])
		if len(b) >= 2 && b[1] < 0x80 && i < histBuckets { // a count under 128: one byte
			h2[i] += int32(b[1])
			b = b[2:]
			continue
		}
		count, n := binary.Uvarint(b[1:])
		if n <= 0 || i >= histBuckets {
			return errBadHist
		}
		b = b[1+n:]
		h2[i] += int32(count)
	}
	return nil
}

var errBadHist = errors.New("reports: a rollup histogram does not decode")

// encode writes the non-empty buckets as (bucket: one byte, count: uvarint)
// pairs; nil when h is empty. Encoded histograms concatenate into the
// encoding of their sum, so SQL can add them up with string_agg.
func (h hist) encode() []byte {
	var out []byte
	for i, c := range h {
		if c == 0 {
			continue
		}
		out = append(out, byte(i))
		out = binary.AppendUvarint(out, uint64(c))
	}
	return out
}

// percentile answers percentile_disc(p) of the counted durations, read from
// the buckets (see above): ok is false when h is empty.
func (h hist) percentile(p float64) (time.Duration, bool) {
	var n int64
	for _, c := range h {
		n += int64(c)
	}
	if n == 0 {
		return 0, false
	}
	// percentile_disc's rank, computed as Postgres does (float8).
	rank := max(int64(math.Ceil(p*float64(n))), 1)
	var seen int64
	for i, c := range h {
		seen += int64(c)
		if seen >= rank {
			return bucketValue(i), true
		}
	}
	return bucketValue(len(h) - 1), true
}

// spread is the Spread of h's n durations (median and p90).
func (h hist) spread(n int) Spread {
	sp := Spread{N: n}
	if m, ok := h.percentile(0.5); ok {
		sp.Median = m
		sp.P90, _ = h.percentile(0.9)
	}
	return sp
}

// within reports whether an approximate duration is within ApproxPercent of
// the exact one.
func within(approx, exact time.Duration) bool {
	diff := approx - exact
	if diff < 0 {
		diff = -diff
	}
	return float64(diff) <= float64(exact)*ApproxPercent/100
}
