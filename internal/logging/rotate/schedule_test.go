package rotate

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestParseBaseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"0:00", 0, false},
		{"00:00", 0, false},
		{"", NoBase, false},
		{" 3:30 ", 3*time.Hour + 30*time.Minute, false},
		{"23:59", 23*time.Hour + 59*time.Minute, false},
		{"24:00", 0, true},
		{"12:60", 0, true},
		{"12", 0, true},
		{"1:2:3", 0, true},
		{"-1:00", 0, true},
		{"a:00", 0, true},
		{":00", 0, true},
		{"123:00", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseBaseTime(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseBaseTime(%q) error %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && got != tc.want {
			t.Errorf("ParseBaseTime(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestNext(t *testing.T) {
	utc := time.UTC
	ist := time.FixedZone("IST", 5*3600+1800) // +05:30: midnight is not on an epoch hour
	at := func(loc *time.Location, h, m, s int) time.Time { return time.Date(2026, 11, 27, h, m, s, 0, loc) }
	tests := []struct {
		name     string
		now      time.Time
		interval time.Duration
		base     time.Duration
		want     time.Time
	}{
		{"hourly", at(utc, 7, 25, 42), time.Hour, 0, at(utc, 8, 0, 0)},
		{"on a boundary: next one", at(utc, 8, 0, 0), time.Hour, 0, at(utc, 9, 0, 0)},
		{"just after a boundary", at(utc, 8, 0, 0).Add(time.Nanosecond), time.Hour, 0, at(utc, 9, 0, 0)},
		{"quarter hours", at(utc, 7, 25, 42), 15 * time.Minute, 0, at(utc, 7, 30, 0)},
		{"base 0:30", at(utc, 7, 25, 42), time.Hour, 30 * time.Minute, at(utc, 7, 30, 0)},
		{"base later today", at(utc, 1, 0, 0), 24 * time.Hour, 3 * time.Hour, at(utc, 3, 0, 0)},
		{"daily past base", at(utc, 7, 0, 0), 24 * time.Hour, 3 * time.Hour, time.Date(2026, 11, 28, 3, 0, 0, 0, utc)},
		{"local midnight base", at(ist, 10, 10, 0), time.Hour, 0, at(ist, 11, 0, 0)},
		{"epoch aligned", at(ist, 10, 10, 0), time.Hour, NoBase, at(ist, 10, 30, 0)},
		{"epoch aligned on boundary", at(utc, 9, 0, 0), time.Hour, NoBase, at(utc, 10, 0, 0)},
		{"zero interval is a day", at(utc, 7, 0, 0), 0, 0, time.Date(2026, 11, 28, 0, 0, 0, 0, utc)},
		{"interval longer than a day", at(utc, 7, 0, 0), 48 * time.Hour, 0, time.Date(2026, 11, 29, 0, 0, 0, 0, utc)},
		{"seconds", at(utc, 7, 0, 1), 2 * time.Second, 0, at(utc, 7, 0, 2)},
	}
	for _, tc := range tests {
		got := Next(tc.now, tc.interval, tc.base)
		if !got.Equal(tc.want) {
			t.Errorf("%s: Next(%v, %v, %v) = %v, want %v", tc.name, tc.now, tc.interval, tc.base, got, tc.want)
		}
		if !got.After(tc.now) {
			t.Errorf("%s: Next is not after now", tc.name)
		}
	}
}

func TestNextDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	// 2026-03-08 has 23 hours in New York; hourly rotations aligned to
	// local midnight stay on local hours across the change.
	now := time.Date(2026, 3, 8, 1, 30, 0, 0, ny)
	got := Next(now, time.Hour, 0)
	if want := time.Date(2026, 3, 8, 3, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("Next across DST = %v, want %v", got, want)
	}
}

func FuzzParseBaseTime(f *testing.F) {
	for _, s := range []string{"0:00", "23:59", "", "24:00", "1:2:3", "-0:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseBaseTime(s)
		if err != nil {
			return
		}
		if d != NoBase && (d < 0 || d >= 24*time.Hour) {
			t.Fatalf("ParseBaseTime(%q) = %v out of a day", s, d)
		}
		now := time.Date(2026, 11, 27, 7, 25, 42, 0, time.UTC)
		if next := Next(now, 17*time.Minute, d); !next.After(now) || next.Sub(now) > 17*time.Minute {
			t.Fatalf("Next with base %v = %v", d, next)
		}
	})
}

func TestSchedule(t *testing.T) {
	start := time.Date(2026, 11, 27, 7, 59, 0, 0, time.UTC)
	var mu sync.Mutex
	now := start
	waits := make(chan time.Duration)
	fires := make(chan chan time.Time)
	clk := Clock{
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		After: func(d time.Duration) <-chan time.Time {
			ch := make(chan time.Time, 1)
			waits <- d
			fires <- ch
			return ch
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan time.Time, 4)
	done := make(chan struct{})
	go func() {
		Schedule(ctx, time.Hour, 0, clk, func(at time.Time) { got <- at })
		close(done)
	}()
	if d := <-waits; d != time.Minute {
		t.Errorf("first wait %v, want 1m", d)
	}
	// The timer fires a little early by the clock: the rotation still
	// takes the boundary's time, and the next wait aims at the next hour.
	ch := <-fires
	mu.Lock()
	now = start.Add(59 * time.Second)
	mu.Unlock()
	ch <- now
	if at := <-got; !at.Equal(start.Add(time.Minute)) {
		t.Errorf("rotation at %v", at)
	}
	if d := <-waits; d != time.Hour {
		t.Errorf("second wait %v, want 1h", d)
	}
	<-fires
	cancel()
	<-done
	select {
	case at := <-got:
		t.Errorf("rotation %v after cancel", at)
	default:
	}
}
