package engine

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// How the results file stores histograms: HdrHistogram's V2 compressed
// encoding for the run-wide ones, a sparse list of buckets for the
// per-second ones and the routers' latency distributions.

// encodeHDR returns h in HdrHistogram's V2 compressed encoding, base64;
// "" for a nil histogram.
func encodeHDR(h *hdrhistogram.Histogram) (string, error) {
	if h == nil {
		return "", nil
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encoding a histogram: %w", err)
	}
	return string(b), nil
}

// decodeHDR reads what encodeHDR wrote; "" gives nil.
func decodeHDR(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decoding a histogram: %w", err)
	}
	return h, nil
}

// bucket is one non-empty bucket of a histogram.
type bucket struct {
	index int
	count int64
}

// encodeBuckets writes non-empty buckets, in increasing index order, as
// space-separated "index:count" pairs in which every index but the first
// is the difference from the previous one: "300:2 1:5 14:1" holds two
// values in bucket 300, five in 301 and one in 315. "" when empty.
func encodeBuckets(bs []bucket) string {
	var out []byte
	prev := 0
	for i, b := range bs {
		if i > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, int64(b.index-prev), 10)
		out = append(out, ':')
		out = strconv.AppendInt(out, b.count, 10)
		prev = b.index
	}
	return string(out)
}

// decodeBuckets reads what encodeBuckets wrote: indexes in 0..maxIndex,
// increasing, counts > 0.
func decodeBuckets(s string, maxIndex int) ([]bucket, error) {
	if s == "" {
		return nil, nil
	}
	fields := strings.Fields(s)
	out := make([]bucket, 0, len(fields))
	index := 0
	for i, p := range fields {
		d, c, ok := strings.Cut(p, ":")
		delta, err1 := strconv.Atoi(d)
		count, err2 := strconv.ParseInt(c, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("buckets: %q is not index:count", p)
		}
		if i > 0 && delta <= 0 {
			return nil, fmt.Errorf("buckets: %q: indexes must increase", p)
		}
		if delta < 0 || delta > maxIndex-index {
			return nil, fmt.Errorf("buckets: %q: index outside 0..%d", p, maxIndex)
		}
		index += delta
		if count <= 0 {
			return nil, fmt.Errorf("buckets: %q: count must be > 0", p)
		}
		out = append(out, bucket{index, count})
	}
	return out, nil
}

// denseBuckets returns the non-empty buckets of counts, the first being
// bucket lo.
func denseBuckets(lo int, counts []int64) []bucket {
	var out []bucket
	for i, c := range counts {
		if c != 0 {
			out = append(out, bucket{lo + i, c})
		}
	}
	return out
}

func secondHistogramFile(h *SecondHistogram) *fileSecondHistogram {
	var bs []bucket
	for o, oct := range h.octaves {
		if oct == nil {
			continue
		}
		for j, n := range oct {
			if n > 0 {
				bs = append(bs, bucket{o<<shSubBits + j, int64(n)})
			}
		}
	}
	return &fileSecondHistogram{MinUS: h.min, MaxUS: h.max, SumUS: h.sum, Buckets: encodeBuckets(bs)}
}

// histogram reads the per-second histogram back, its octaves taken from
// budget.
func (f *fileSecondHistogram) histogram(budget *histBudget) (*SecondHistogram, error) {
	bs, err := decodeBuckets(f.Buckets, shIndex(histMax))
	if err != nil {
		return nil, err
	}
	h := &SecondHistogram{min: f.MinUS, max: f.MaxUS, sum: f.SumUS}
	for _, b := range bs {
		if b.count > math.MaxUint32 {
			return nil, fmt.Errorf("buckets: bucket %d: count %d too large", b.index, b.count)
		}
		o := b.index >> shSubBits
		if o >= len(h.octaves) {
			h.octaves = slices.Grow(h.octaves, o+1-len(h.octaves))[:o+1]
		}
		if h.octaves[o] == nil {
			if err := budget.take(shSub * 4); err != nil {
				return nil, err
			}
			h.octaves[o] = new([shSub]uint32)
		}
		h.octaves[o][b.index&(shSub-1)] = uint32(b.count)
		h.count += b.count // at most 2^32 per bucket: no overflow
	}
	if h.count == 0 {
		h.min, h.max, h.sum = 0, 0, 0
	} else if h.min > h.max || h.min < 0 {
		return nil, fmt.Errorf("min_us %d, max_us %d: inconsistent", h.min, h.max)
	}
	return h, nil
}
