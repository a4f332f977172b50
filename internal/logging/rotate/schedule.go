package rotate

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// NoBase is the base time that aligns rotations to multiples of the
// interval since the Unix epoch instead of to a time of day (Zeek's empty
// log_rotate_base_time).
const NoBase time.Duration = -1

// ParseBaseTime reads a rotation base time as Zeek's
// log_rotate_base_time: "H:MM" or "HH:MM", a time of day that rotations
// are aligned to. The empty string gives NoBase.
func ParseBaseTime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return NoBase, nil
	}
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) == 0 || len(h) > 2 || len(m) == 0 || len(m) > 2 ||
		hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("rotate: base time %q is not HH:MM", s)
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, nil
}

// Next returns the time of the first rotation after now for rotations
// every interval, as Zeek's calc_next_rotate computes it. With base >= 0
// the boundaries are base after the start of now's day (in now's
// location) plus multiples of interval; with NoBase they are multiples of
// interval since the Unix epoch. A now exactly on a boundary gives the
// next boundary, one interval later. An interval <= 0 is taken as 24
// hours, as Zeek does.
func Next(now time.Time, interval, base time.Duration) time.Time {
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	iv := int64(interval)
	if base < 0 {
		n := now.UnixNano()
		q := n / iv
		if n%iv < 0 {
			q--
		}
		return time.Unix(0, (q+1)*iv).In(now.Location())
	}
	y, mo, d := now.Date()
	anchor := time.Date(y, mo, d, 0, 0, 0, 0, now.Location()).Add(base)
	diff := int64(now.Sub(anchor))
	k := diff / iv
	if diff%iv > 0 {
		k++ // ceiling
	}
	next := anchor.Add(time.Duration(k * iv))
	if !next.After(now) {
		return now.Add(interval)
	}
	return next
}

// Clock is what Schedule reads time from; its zero value is the real
// clock. Tests replace it with a fake one.
type Clock struct {
	Now   func() time.Time                     // nil: time.Now
	After func(time.Duration) <-chan time.Time // nil: time.After
}

// Schedule calls rotate with each rotation time — the boundaries Next
// gives for interval and base — when the clock reaches it, until ctx is
// done. Calls happen one at a time on the caller's goroutine; a slow
// rotate delays the next boundary rather than overlapping it.
func Schedule(ctx context.Context, interval, base time.Duration, clk Clock, rotate func(at time.Time)) {
	now, after := clk.Now, clk.After
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	var prev time.Time
	for {
		t := now()
		if t.Before(prev) {
			t = prev // a clock that has not moved on since the last boundary
		}
		next := Next(t, interval, base)
		select {
		case <-ctx.Done():
			return
		case <-after(next.Sub(t)):
		}
		if ctx.Err() != nil {
			return
		}
		rotate(next)
		prev = next
	}
}
