package options

import (
	"math"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Values are shown the way Zeek describes them (src/Val.cc ValDescribe),
// except that strings are quoted and escaped, IPv6 addresses bracketed and
// sets written on one line, so that a shown value reads as a literal.

func formatBool(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

func formatCount(u uint64) string { return strconv.FormatUint(u, 10) }

func formatInt(i int64) string { return strconv.FormatInt(i, 10) }

// formatDouble renders d as Zeek's readable descriptions do
// (src/util.cc double_to_str with precision 6, then ".0" for whole numbers).
func formatDouble(d float64) string {
	switch {
	case math.IsNaN(d):
		return "nan"
	case math.IsInf(d, 1):
		return "inf"
	case math.IsInf(d, -1):
		return "-inf"
	}
	neg := d < 0
	if neg {
		d = -d
	}
	var s string
	switch {
	case d > math.MaxInt32:
		s = strconv.FormatFloat(d, 'e', -1, 64)
	case d < 1e-6:
		s = strconv.FormatFloat(d, 'g', 6, 64)
	default:
		s = strconv.FormatFloat(d, 'f', 6, 64)
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if math.Abs(d-math.RoundToEven(d)) <= 1e-9 && !strings.Contains(s, "e") {
		s += ".0"
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatInterval renders an interval as Zeek describes one: "0 secs",
// "5.0 mins", "1.0 hr 30.0 mins" (src/Val.cc IntervalVal::ValDescribe).
func formatInterval(iv zeek.Interval) string {
	v := iv.Seconds()
	if v == 0 {
		return "0 secs"
	}
	units := [...]struct {
		secs float64
		word string
	}{{86400, "day"}, {3600, "hr"}, {60, "min"}, {1, "sec"}, {1e-3, "msec"}, {1e-6, "usec"}}
	var b strings.Builder
	for i, u := range units {
		var n float64
		if i == len(units)-1 {
			n = v / u.secs
			if math.Abs(n) <= 1e-6 {
				if b.Len() == 0 {
					b.WriteString("0 secs")
				}
				break
			}
		} else {
			if !(v >= u.secs || v <= -u.secs) {
				continue
			}
			n = v / u.secs
			if n < 0 {
				n = math.Ceil(n)
			} else {
				n = math.Floor(n)
			}
			v -= n * u.secs
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(formatDouble(n))
		b.WriteByte(' ')
		b.WriteString(u.word)
		if math.Abs(n-1) > 1e-6 && math.Abs(n+1) > 1e-6 {
			b.WriteByte('s')
		}
	}
	return b.String()
}

// formatString quotes s as a Zeek string constant that parses back to the
// same bytes.
func formatString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			const hexdig = "0123456789abcdef"
			b.WriteString(`\x`)
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func formatPort(p zeek.Port) string {
	proto := p.Proto.String()
	if p.Proto == zeek.ProtoUnknown {
		proto = "unknown"
	}
	return strconv.FormatUint(uint64(p.Num), 10) + "/" + proto
}

func formatAddr(a zeek.Addr) string {
	if !a.IsValid() {
		return "[::]"
	}
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

func formatSubnet(p zeek.Subnet) string {
	if !p.IsValid() {
		return "[::]/0"
	}
	return formatAddr(p.Addr()) + "/" + strconv.Itoa(p.Bits())
}

func formatEnum(s string) string { return s }
