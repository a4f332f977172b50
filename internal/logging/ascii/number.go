package ascii

import (
	"math"
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// fastSeconds bounds the times and intervals printed from their nanosecond
// count: below 2^33 seconds a double holds microseconds to better than half
// a microsecond, so Zeek's six-decimal rendering of the double equals the
// exact value whenever it is a whole number of microseconds.
const fastSeconds = 1 << 33

// AppendTime appends t with six decimals, as Zeek renders a time value
// (std::to_chars fixed, precision 6, of the double Zeek holds).
func AppendTime(b []byte, t zeek.Time) []byte {
	if t%1000 == 0 && t > -fastSeconds*1e9 && t < fastSeconds*1e9 {
		return zeek.AppendFixed6(b, int64(t))
	}
	return AppendSeconds(b, t.Float())
}

// AppendSeconds appends a time or interval held as a double number of
// seconds, as Zeek renders it: std::to_chars fixed with six decimals
// ("-0.000000" for tiny negative values; "nan", "inf" and "-inf").
func AppendSeconds(b []byte, d float64) []byte {
	switch {
	case math.IsNaN(d):
		if math.Signbit(d) {
			b = append(b, '-')
		}
		return append(b, "nan"...)
	case math.IsInf(d, 1):
		return append(b, "inf"...)
	case math.IsInf(d, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, d, 'f', 6, 64)
}

// AppendInterval appends d with six decimals, as Zeek renders an interval.
func AppendInterval(b []byte, d zeek.Interval) []byte {
	if d%1000 == 0 && d > -fastSeconds*1e9 && d < fastSeconds*1e9 {
		return zeek.AppendFixed6(b, int64(d))
	}
	return AppendSeconds(b, d.Float())
}

// AppendDouble appends d as Zeek's ASCII writer renders a double: fixed
// notation with up to six decimals and trailing zeros removed, then ".0"
// when the value is within 1e-9 of an integer ("3.14", "100.0", "0.0");
// "nan", "inf", "-inf" for the special values. A value that rounds to zero
// but is not close to it prints as "0" or "-0".
func AppendDouble(b []byte, d float64) []byte {
	if math.IsNaN(d) {
		return append(b, "nan"...)
	}
	v := d
	if v == 0 {
		v = 0 // -0 prints as 0
	}
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	if math.IsInf(v, 0) {
		return append(b, "inf"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 6, 64)
	end := len(b) - 1
	for end > start && b[end] == '0' {
		end--
	}
	if b[end] != '.' {
		end++
	}
	b = b[:end]
	if math.Abs(d-math.RoundToEven(d)) < 1e-9 {
		b = append(b, '.', '0')
	}
	return b
}
