package main

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// maxTimestampLen is zeek-cut's limit on a converted time: strftime gets a
// buffer of 100 bytes, the terminating NUL included.
const maxTimestampLen = 100

// maxGlibcTime is the last second glibc's gmtime can represent: the year
// minus 1900 must fit in a C int.
const maxGlibcTime = 67768036191676799

// strtol parses s as C's strtol does in the given base (10 or 16): leading
// white space, an optional sign, for base 16 an optional "0x", then digits.
// It returns the value, clamped to the int64 range (LONG_MAX/LONG_MIN on
// overflow), and the number of bytes used (0 when there are no digits).
func strtol(s []byte, base int) (int64, int) {
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && hexVal(s[i+2]) >= 0 {
		i += 2
	}
	start := i
	var v uint64
	overflow := false
	for i < len(s) {
		d := -1
		if base == 16 {
			d = hexVal(s[i])
		} else if s[i] >= '0' && s[i] <= '9' {
			d = int(s[i] - '0')
		}
		if d < 0 {
			break
		}
		if !overflow {
			if v > (math.MaxInt64-uint64(d))/uint64(base) {
				overflow = true
			} else {
				v = v*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	switch {
	case overflow && neg:
		return math.MinInt64, i
	case overflow:
		return math.MaxInt64, i
	case neg:
		return -int64(v), i
	}
	return int64(v), i
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// outputTime prints a time field converted to the -d/-u/-D/-U format, as
// zeek-cut does: the field must be whole seconds in decimal followed by a
// "." (the fraction is dropped); otherwise it is printed as it is, with a
// warning unless it is the unset mark. A second equal to the previous
// converted one reuses the previous text.
func (c *cutter) outputTime(field []byte) {
	tl, n := strtol(field, 10)
	switch {
	case tl < 0 || tl == math.MaxInt64:
		c.warn("time value out-of-range: %s", field)
	case n == 0 || n >= len(field) || field[n] != '.':
		if string(field) != string(c.unset) {
			c.warn("time field is not valid: %s", field)
		}
	case tl == c.prevTS:
		c.out.Write(c.tbuf)
		return
	default:
		tm, ok := c.brokenDown(tl)
		if !ok {
			c.warn("time value out-of-range: %s", field)
			break
		}
		buf := strftime(c.tbuf[:0], c.o.timeFmt, &tm)
		if len(buf) == 0 || len(buf) >= maxTimestampLen {
			c.warn("failed to convert timestamp (try a shorter format string)")
			break
		}
		c.tbuf = buf
		c.prevTS = tl
		c.out.Write(buf)
		return
	}
	c.out.Write(field)
}

// brokenDown is C's struct tm for second tl in the run's time zone
// (localtime_r for -d/-D, gmtime_r for -u/-U).
func (c *cutter) brokenDown(tl int64) (tm, bool) {
	if tl > maxGlibcTime {
		return tm{}, false
	}
	var name string
	var off int
	if c.o.timeConv == 1 {
		name, off = c.local.lookup(tl)
	} else {
		name = "GMT" // glibc's tm_zone for gmtime
	}
	t := time.Unix(tl+int64(off), 0).UTC()
	if int64(t.Year())-1900 > math.MaxInt32 {
		return tm{}, false
	}
	return tmOf(t, tl, off, name), true
}

// tm is the broken-down time strftime formats.
type tm struct {
	sec, min, hour   int
	mday, mon, year  int // mon 1-12, year in full
	wday, yday       int // wday 0 = Sunday, yday 0-365
	gmtoff           int // seconds east of UTC
	zone             string
	unix             int64
	isoYear, isoWeek int
}

// tmOf fills a tm from t, which holds the wall-clock fields in UTC.
func tmOf(t time.Time, unix int64, off int, zone string) tm {
	iy, iw := t.ISOWeek()
	return tm{
		sec: t.Second(), min: t.Minute(), hour: t.Hour(),
		mday: t.Day(), mon: int(t.Month()), year: t.Year(),
		wday: int(t.Weekday()), yday: t.YearDay() - 1,
		gmtoff: off, zone: zone, unix: unix,
		isoYear: iy, isoWeek: iw,
	}
}

var (
	weekdays   = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// strftime appends t formatted by format as glibc's strftime does in the C
// locale: the conversions of C99 and POSIX plus glibc's %k %l %P %s, the
// flags _ - 0 ^ #, a field width, and the E and O modifiers where glibc
// accepts them (they change nothing in the C locale). An unknown
// conversion is copied as it stands.
func strftime(dst []byte, format string, t *tm) []byte {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			dst = append(dst, format[i])
			continue
		}
		start := i
		i++
		var f fieldSpec
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '_', '-', '0':
				f.pad = format[i]
			case '^':
				f.upper = true
			case '#':
				f.swap = true
			default:
				break flags
			}
		}
		f.width = -1
		for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
			if f.width < 0 {
				f.width = 0
			}
			if f.width < 1<<16 {
				f.width = f.width*10 + int(format[i]-'0')
			}
		}
		var mod byte
		if i < len(format) && (format[i] == 'E' || format[i] == 'O') {
			mod = format[i]
			i++
		}
		if i >= len(format) {
			// A conversion cut short by the end of the format is copied.
			return f.str(dst, format[start:], strPlain)
		}
		c := format[i]
		ok := !(mod == 'E' && strings.IndexByte("aAbBdDeFgGhHIjklmMSUVwW", c) >= 0) &&
			!(mod == 'O' && strings.IndexByte("aAcDFxXY", c) >= 0)
		if ok {
			dst, ok = f.conv(dst, c, t)
		}
		if !ok {
			dst = f.str(dst, format[start:i+1], strPlain)
		}
	}
	return dst
}

// fieldSpec is the flags and width of one conversion.
type fieldSpec struct {
	pad         byte // 0, '_', '-' or '0'
	width       int  // -1 when not given
	upper, swap bool // '^' and '#'
}

// num appends v as glibc does a number: at least digits digits, padded
// with defPad ('0' or ' ') unless the flags or the width say otherwise.
// digits 0 is a "yearish" value, padded only to an explicit width.
func (f fieldSpec) num(dst []byte, v int64, digits int, defPad byte) []byte {
	pad := defPad
	switch f.pad {
	case '_':
		pad = ' '
	case '0':
		pad = '0'
	case '-':
		// No padding, except to an explicit width, with spaces.
		pad, digits = ' ', max(f.width, 0)
	}
	if f.width >= 0 && f.pad != '-' {
		digits = max(digits, f.width)
	}
	neg := v < 0
	var tmp [24]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	if neg {
		s = s[1:]
	}
	n := len(s)
	if neg {
		n++
	}
	if pad == ' ' {
		for ; n < digits; n++ {
			dst = append(dst, ' ')
		}
		if neg {
			dst = append(dst, '-')
		}
	} else {
		if neg {
			dst = append(dst, '-')
		}
		for ; n < digits; n++ {
			dst = append(dst, '0')
		}
	}
	return append(dst, s...)
}

// Case changes the '#' flag makes to a string conversion.
const (
	strPlain = iota // '#' changes nothing
	strUpper        // '#' upper-cases (names of days and months)
	strLower        // '#' lower-cases (%p, %Z)
)

// str appends s, padded to the width (with spaces, or zeros with the '0'
// flag) and upper-cased for '^' or as '#' asks.
func (f fieldSpec) str(dst []byte, s string, swap int) []byte {
	if f.width > len(s) {
		p := byte(' ')
		if f.pad == '0' {
			p = '0'
		}
		for n := len(s); n < f.width; n++ {
			dst = append(dst, p)
		}
	}
	start := len(dst)
	dst = append(dst, s...)
	lower := f.swap && swap == strLower
	upper := !lower && (f.upper || (f.swap && swap == strUpper))
	for k := start; k < len(dst); k++ {
		c := dst[k]
		switch {
		case upper && c >= 'a' && c <= 'z':
			dst[k] = c - 'a' + 'A'
		case lower && c >= 'A' && c <= 'Z':
			dst[k] = c - 'A' + 'a'
		}
	}
	return dst
}

// sub appends a composite conversion (%c, %D, %T, ...), padded and
// case-changed as a whole.
func (f fieldSpec) sub(dst []byte, format string, t *tm) []byte {
	var tmp [64]byte
	s := strftime(tmp[:0], format, t)
	return f.str(dst, string(s), strPlain)
}

// conv appends one conversion; false for an unknown one.
func (f fieldSpec) conv(dst []byte, c byte, t *tm) ([]byte, bool) {
	hour12 := t.hour % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch c {
	case '%':
		return f.str(dst, "%", strPlain), true
	case 'n':
		return f.str(dst, "\n", strPlain), true
	case 't':
		return f.str(dst, "\t", strPlain), true
	case 'a':
		return f.str(dst, weekdays[t.wday][:3], strUpper), true
	case 'A':
		return f.str(dst, weekdays[t.wday], strUpper), true
	case 'b', 'h':
		return f.str(dst, monthNames[t.mon-1][:3], strUpper), true
	case 'B':
		return f.str(dst, monthNames[t.mon-1], strUpper), true
	case 'p':
		if t.hour < 12 {
			return f.str(dst, "AM", strLower), true
		}
		return f.str(dst, "PM", strLower), true
	case 'P':
		// Always lower case, whatever the flags.
		g := f
		g.upper, g.swap = false, false
		if t.hour < 12 {
			return g.str(dst, "am", strPlain), true
		}
		return g.str(dst, "pm", strPlain), true
	case 'Z':
		return f.str(dst, t.zone, strLower), true
	case 'c':
		return f.sub(dst, "%a %b %e %H:%M:%S %Y", t), true
	case 'D', 'x':
		return f.sub(dst, "%m/%d/%y", t), true
	case 'F':
		return f.sub(dst, "%Y-%m-%d", t), true
	case 'r':
		return f.sub(dst, "%I:%M:%S %p", t), true
	case 'R':
		return f.sub(dst, "%H:%M", t), true
	case 'T', 'X':
		return f.sub(dst, "%H:%M:%S", t), true
	case 'C':
		return f.num(dst, int64(floorDiv(t.year, 100)), 0, '0'), true
	case 'd':
		return f.num(dst, int64(t.mday), 2, '0'), true
	case 'e':
		return f.num(dst, int64(t.mday), 2, ' '), true
	case 'g':
		return f.num(dst, int64(floorMod(t.isoYear, 100)), 2, '0'), true
	case 'G':
		return f.num(dst, int64(t.isoYear), 0, '0'), true
	case 'H':
		return f.num(dst, int64(t.hour), 2, '0'), true
	case 'I':
		return f.num(dst, int64(hour12), 2, '0'), true
	case 'j':
		return f.num(dst, int64(t.yday+1), 3, '0'), true
	case 'k':
		return f.num(dst, int64(t.hour), 2, ' '), true
	case 'l':
		return f.num(dst, int64(hour12), 2, ' '), true
	case 'm':
		return f.num(dst, int64(t.mon), 2, '0'), true
	case 'M':
		return f.num(dst, int64(t.min), 2, '0'), true
	case 's':
		return f.num(dst, t.unix, 1, '0'), true
	case 'S':
		return f.num(dst, int64(t.sec), 2, '0'), true
	case 'u':
		return f.num(dst, int64((t.wday+6)%7+1), 1, '0'), true
	case 'U':
		return f.num(dst, int64((t.yday-t.wday+7)/7), 2, '0'), true
	case 'V':
		return f.num(dst, int64(t.isoWeek), 2, '0'), true
	case 'w':
		return f.num(dst, int64(t.wday), 1, '0'), true
	case 'W':
		return f.num(dst, int64((t.yday-(t.wday+6)%7+7)/7), 2, '0'), true
	case 'y':
		return f.num(dst, int64(floorMod(t.year, 100)), 2, '0'), true
	case 'Y':
		return f.num(dst, int64(t.year), 0, '0'), true
	case 'z':
		// The sign, then hours and minutes; glibc's odd widths for %z are
		// not reproduced.
		off := t.gmtoff
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		off /= 60
		dst = append(dst, sign)
		g := fieldSpec{pad: f.pad, width: -1}
		return g.num(dst, int64(off/60*100+off%60), 4, '0'), true
	}
	return dst, false
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
