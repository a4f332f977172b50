package main

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// alarmLookupTimeout is how long an alarm summary waits for a reverse
// lookup, as pp-alarms.zeek's "timeout 5secs".
const alarmLookupTimeout = 5 * time.Second

// alarmSummary collects the manager's alarms (notice_alarm.log records)
// into the pretty-printed summary of Zeek's actions/pp-alarms.zeek and
// mails it every interval (Log::default_mail_alarms_interval; zeekctl's
// MailAlarmsInterval), at boundaries aligned to local midnight as log
// rotation is, and once more when the manager stops, when it holds at
// least one alarm. Alarms are formatted, with reverse lookups of their
// hosts, on the summary's own goroutine: add never waits.
type alarmSummary struct {
	in       chan notice.Info
	stop     chan struct{}
	done     chan struct{}
	interval time.Duration
	dest     string
	composer *notice.Framework
	q        *notice.MailQueue
	warn     func(string)
	lookup   func(ctx context.Context, addr string) ([]string, error)
}

// newAlarmSummary starts a summary mailed to dest through q.
func newAlarmSummary(interval time.Duration, dest string, composer *notice.Framework, q *notice.MailQueue, warn func(string)) *alarmSummary {
	s := &alarmSummary{in: make(chan notice.Info, 1024), stop: make(chan struct{}), done: make(chan struct{}),
		interval: interval, dest: dest, composer: composer, q: q, warn: warn, lookup: net.DefaultResolver.LookupAddr}
	go s.run()
	return s
}

// add takes a copy of alarm n (only read afterwards) for the summary; when
// the backlog is full the alarm is left out of it.
func (s *alarmSummary) add(n *notice.Info) {
	select {
	case s.in <- *n:
	default:
		s.warn("notice: alarm summary backlog full; an alarm is left out of the summary")
	}
}

// close mails what the summary holds and ends it.
func (s *alarmSummary) close() {
	close(s.stop)
	<-s.done
}

// nextBoundary is the first multiple of interval after t, counted from
// t's local midnight.
func nextBoundary(t time.Time, interval time.Duration) time.Time {
	y, m, d := t.Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, t.Location())
	k := t.Sub(midnight)/interval + 1
	return midnight.Add(k * interval)
}

func (s *alarmSummary) run() {
	defer close(s.done)
	open := time.Now()
	var buf []byte
	names := map[zeek.Addr]string{}
	send := func(now time.Time) {
		if len(buf) > 0 {
			s.q.Mail(s.dest, s.composer.AlarmSummaryText(open, now, s.dest, buf))
		}
		buf, open, names = nil, now, map[zeek.Addr]string{}
	}
	format := func(n *notice.Info) {
		h1, h2 := notice.AlarmHosts(n)
		buf = notice.AppendAlarmEntry(buf, n, true, s.name(names, h1), s.name(names, h2))
	}
	timer := time.NewTimer(time.Until(nextBoundary(open, s.interval)))
	defer timer.Stop()
	for {
		select {
		case n := <-s.in:
			format(&n)
		case now := <-timer.C:
			send(now)
			timer.Reset(time.Until(nextBoundary(now, s.interval)))
		case <-s.stop:
			// The writers have stopped: what is queued is all there is.
			for len(s.in) > 0 {
				n := <-s.in
				format(&n)
			}
			send(time.Now())
			return
		}
	}
}

// name is the reverse lookup of a (cached for the period): the first name
// without its final dot, "<???>" when there is none, "(dns timeout)" when
// the lookup takes too long. An invalid a has no name.
func (s *alarmSummary) name(cache map[zeek.Addr]string, a zeek.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if n, ok := cache[a]; ok {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), alarmLookupTimeout)
	defer cancel()
	names, err := s.lookup(ctx, a.String())
	var n string
	switch {
	case err == nil && len(names) > 0:
		n = strings.TrimSuffix(names[0], ".")
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		n = "(dns timeout)"
	default:
		n = "<???>"
	}
	cache[a] = n
	return n
}
