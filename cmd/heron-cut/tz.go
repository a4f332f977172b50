package main

import (
	"os"
	"strings"
	"time"
)

// zone gives the local time zone's abbreviation and offset (seconds east
// of UTC) at a moment, as localtime_r does.
type zone interface {
	lookup(unix int64) (name string, offset int)
}

// goZone is a zone from the tz database.
type goZone struct{ loc *time.Location }

func (z goZone) lookup(unix int64) (string, int) {
	return time.Unix(unix, 0).In(z.loc).Zone()
}

// localZone returns the zone localtime_r uses under the environment's TZ,
// as glibc reads it: unset means the system zone (/etc/localtime); empty
// means UTC; ":NAME", NAME or a path names a tz database file; anything
// else is a POSIX TZ rule such as "PST+8" or "CET-1CEST,M3.5.0,M10.5.0/3",
// and a value that is none of these is UTC.
func localZone(env envFunc) zone {
	tz, ok := env("TZ")
	if !ok {
		return goZone{time.Local}
	}
	name := strings.TrimPrefix(tz, ":")
	if name == "" {
		return fixedZone{"UTC", 0}
	}
	if strings.HasPrefix(name, "/") {
		if data, err := os.ReadFile(name); err == nil {
			if loc, err := time.LoadLocationFromTZData(name, data); err == nil {
				return goZone{loc}
			}
		}
	} else if loc, err := time.LoadLocation(name); err == nil && name != "Local" {
		return goZone{loc}
	}
	if z, ok := parsePOSIXTZ(tz); ok {
		return z
	}
	return fixedZone{"UTC", 0}
}

// fixedZone is a zone without daylight saving time.
type fixedZone struct {
	name   string
	offset int
}

func (z fixedZone) lookup(int64) (string, int) { return z.name, z.offset }

// ruleZone is a POSIX TZ value with daylight saving time.
type ruleZone struct {
	std, dst       string
	stdOff, dstOff int // seconds east of UTC
	start, end     tzRule
}

// tzRule is one change of a POSIX TZ value: a day (Jn, n or Mm.w.d) and
// the local time of day, in seconds, at which it happens.
type tzRule struct {
	kind    byte // 'J', 'N' (0-based day) or 'M'
	day     int  // Jn: 1-365; n: 0-365; Mm.w.d: d (0 = Sunday)
	mon, wk int  // Mm.w.d
	time    int
}

func (z ruleZone) lookup(unix int64) (string, int) {
	year := time.Unix(unix+int64(z.stdOff), 0).UTC().Year()
	start := z.start.at(year) - int64(z.stdOff)
	end := z.end.at(year) - int64(z.dstOff)
	var inDST bool
	if start < end {
		inDST = unix >= start && unix < end
	} else {
		inDST = !(unix >= end && unix < start)
	}
	if inDST {
		return z.dst, z.dstOff
	}
	return z.std, z.stdOff
}

// at returns the moment of the rule in year, as seconds since the epoch of
// the local wall clock the rule is written in.
func (r tzRule) at(year int) int64 {
	jan1 := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	var day int // 0-based day of the year
	switch r.kind {
	case 'J':
		day = r.day - 1
		if isLeap(year) && r.day >= 60 {
			day++
		}
	case 'N':
		day = r.day
	default:
		first := time.Date(year, time.Month(r.mon), 1, 0, 0, 0, 0, time.UTC)
		d := (r.day - int(first.Weekday()) + 7) % 7
		d += (r.wk - 1) * 7
		days := daysIn(year, r.mon)
		for d >= days {
			d -= 7
		}
		day = first.YearDay() - 1 + d
	}
	return jan1.Unix() + int64(day)*86400 + int64(r.time)
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(year, mon int) int {
	return time.Date(year, time.Month(mon)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parsePOSIXTZ parses "std offset [dst [offset] [,start[/time],end[/time]]]".
// Offsets are hours west of UTC ("PST8" is UTC-8), hh[:mm[:ss]] with an
// optional sign; a DST zone without an offset is one hour ahead of
// standard time; without rules DST follows glibc's default, the US rules
// M3.2.0,M11.1.0.
func parsePOSIXTZ(s string) (zone, bool) {
	p := tzParser{s: s}
	std, ok := p.name()
	if !ok {
		return nil, false
	}
	west, ok := p.offset()
	if !ok {
		return nil, false
	}
	if p.done() {
		return fixedZone{std, -west}, true
	}
	dst, ok := p.name()
	if !ok {
		return nil, false
	}
	dstWest := west - 3600
	if !p.done() && p.s[p.i] != ',' {
		if dstWest, ok = p.offset(); !ok {
			return nil, false
		}
	}
	z := ruleZone{std: std, dst: dst, stdOff: -west, dstOff: -dstWest}
	if p.done() {
		z.start = tzRule{kind: 'M', mon: 3, wk: 2, day: 0, time: 7200}
		z.end = tzRule{kind: 'M', mon: 11, wk: 1, day: 0, time: 7200}
		return z, true
	}
	if !p.eat(',') {
		return nil, false
	}
	if z.start, ok = p.rule(); !ok || !p.eat(',') {
		return nil, false
	}
	if z.end, ok = p.rule(); !ok || !p.done() {
		return nil, false
	}
	return z, true
}

type tzParser struct {
	s string
	i int
}

func (p *tzParser) done() bool { return p.i >= len(p.s) }

func (p *tzParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// name reads a zone abbreviation: three or more letters, or <...> with
// letters, digits, '+' and '-'.
func (p *tzParser) name() (string, bool) {
	start := p.i
	if p.eat('<') {
		for p.i < len(p.s) && p.s[p.i] != '>' {
			c := p.s[p.i]
			if !(isAlpha(c) || isDigit(c) || c == '+' || c == '-') {
				return "", false
			}
			p.i++
		}
		name := p.s[start+1 : p.i]
		if !p.eat('>') || len(name) < 3 {
			return "", false
		}
		return name, true
	}
	for p.i < len(p.s) && isAlpha(p.s[p.i]) {
		p.i++
	}
	if p.i-start < 3 {
		return "", false
	}
	return p.s[start:p.i], true
}

// offset reads [+-]hh[:mm[:ss]] as seconds.
func (p *tzParser) offset() (int, bool) {
	sign := 1
	if p.eat('-') {
		sign = -1
	} else {
		p.eat('+')
	}
	v, ok := p.hms(24)
	return sign * v, ok
}

// hms reads hh[:mm[:ss]], hours up to maxH, as seconds.
func (p *tzParser) hms(maxH int) (int, bool) {
	h, ok := p.num(maxH)
	if !ok {
		return 0, false
	}
	v := h * 3600
	if p.eat(':') {
		m, ok := p.num(59)
		if !ok {
			return 0, false
		}
		v += m * 60
		if p.eat(':') {
			sec, ok := p.num(59)
			if !ok {
				return 0, false
			}
			v += sec
		}
	}
	return v, true
}

func (p *tzParser) num(max int) (int, bool) {
	start, v := p.i, 0
	for p.i < len(p.s) && isDigit(p.s[p.i]) && p.i-start < 3 {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	return v, p.i > start && v <= max
}

// rule reads Jn, n or Mm.w.d and an optional /time (glibc allows -167 to
// 167 hours there).
func (p *tzParser) rule() (tzRule, bool) {
	var r tzRule
	var ok bool
	switch {
	case p.eat('J'):
		r.kind = 'J'
		if r.day, ok = p.num(365); !ok || r.day < 1 {
			return r, false
		}
	case p.eat('M'):
		r.kind = 'M'
		if r.mon, ok = p.num(12); !ok || r.mon < 1 || !p.eat('.') {
			return r, false
		}
		if r.wk, ok = p.num(5); !ok || r.wk < 1 || !p.eat('.') {
			return r, false
		}
		if r.day, ok = p.num(6); !ok {
			return r, false
		}
	default:
		r.kind = 'N'
		if r.day, ok = p.num(365); !ok {
			return r, false
		}
	}
	r.time = 7200
	if p.eat('/') {
		sign := 1
		if p.eat('-') {
			sign = -1
		} else {
			p.eat('+')
		}
		v, ok := p.hms(167)
		if !ok {
			return r, false
		}
		r.time = sign * v
	}
	return r, true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
