package analyzer

import (
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// schedAnalyzer is a test protocol for scheduled analyzers and child
// sessions: "EXPECT <port> <timeout-s> [any]" schedules ECHO for a
// connection from the client (or from anyone) to the server's port,
// "CHILD" starts ECHO as a child session and feeds it the rest of the
// stream, and every line counts in a per-thread counter.
type schedAnalyzer struct {
	Base
	h     *Handle
	child *Session
}

type counterKey struct{}

var schedLines []string

func (s *schedAnalyzer) DeliverStream(data []byte, orig bool) {
	if s.child != nil {
		s.child.DeliverStream(data, orig)
		return
	}
	n := s.h.ThreadLocal(counterKey{}, func() any { return new(int) }).(*int)
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		*n++
		schedLines = append(schedLines, line+"#"+strconv.Itoa(*n))
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "EXPECT":
			p, _ := strconv.Atoi(f[1])
			secs, _ := strconv.Atoi(f[2])
			orig := cli
			if len(f) > 3 {
				orig = zeek.Addr{}
			}
			if !s.h.ScheduleAnalyzer(orig, srv, zeek.Port{Num: uint16(p), Proto: zeek.ProtoTCP}, "ECHO", zeek.Interval(secs)*zeek.Second) {
				schedLines = append(schedLines, "not scheduled")
			}
			if s.h.ScheduleAnalyzer(orig, srv, zeek.Port{Num: 1, Proto: zeek.ProtoTCP}, "NO-SUCH", zeek.Second) {
				schedLines = append(schedLines, "scheduled an unknown analyzer")
			}
		case len(f) == 1 && f[0] == "CHILD":
			s.child = s.h.Child("ECHO")
			if s.h.Child("NO-SUCH") != nil {
				schedLines = append(schedLines, "child of an unknown analyzer")
			}
		}
	}
}

func (s *schedAnalyzer) Done() {
	if s.child != nil {
		s.child.Done()
	}
}

func init() {
	Register(Info{Name: "SCHED", Transport: TCP, Script: "test/sched",
		New: func(h *Handle) Analyzer { return &schedAnalyzer{h: h} }})
}

func schedConfig() Config {
	cfg := DefaultConfig()
	cfg.Enabled = []string{"SCHED", "ECHO"}
	cfg.Ports = map[string][]zeek.Port{"SCHED": {{Num: 21, Proto: zeek.ProtoTCP}, {Num: 2000, Proto: zeek.ProtoTCP}}}
	return cfg
}

func TestScheduledAnalyzerReplacesPortAnalyzers(t *testing.T) {
	r := newRig(t, schedConfig())
	schedLines = nil
	r.conversation(21, "EXPECT 2000 300\n")
	// The expected connection gets ECHO instead of SCHED (its port's).
	r.conversation(2000, "HELLO\n")
	if got := strings.Join(echoLines, ","); got != "HELLO,done" {
		t.Fatalf("ECHO saw %q on the expected connection", got)
	}
	if got := strings.Join(schedLines, ","); got != "EXPECT 2000 300#1" {
		t.Fatalf("SCHED saw %q", got)
	}
	if r.recs[1].Service.V != "echo" {
		t.Fatalf("service %q, want echo", r.recs[1].Service.V)
	}
	// Another port is not expected.
	echoLines = nil
	r.conversation(2001, "HELLO\n")
	if len(echoLines) != 0 {
		t.Fatalf("ECHO attached to an unexpected connection: %v", echoLines)
	}
}

func TestScheduledAnalyzerTimeout(t *testing.T) {
	// A wildcard originator counts only until the timeout; entries are
	// dropped when they expire and something else is scheduled.
	r := newRig(t, schedConfig())
	schedLines = nil
	r.conversation(21, "EXPECT 2000 1 any\n")
	r.now += zeek.Time(2 * zeek.Second)
	r.conversation(2000, "HELLO\n")
	if len(echoLines) != 0 {
		t.Fatalf("ECHO attached after the timeout: %v", echoLines)
	}
	// Before the timeout it applies, to any originator.
	r = newRig(t, schedConfig())
	r.conversation(21, "EXPECT 2000 60 any\n")
	r.conversation(2000, "HELLO\n")
	if got := strings.Join(echoLines, ","); got != "HELLO,done" {
		t.Fatalf("ECHO saw %q", got)
	}
	// Rescheduling later expires the old entry first.
	r.now += zeek.Time(120 * zeek.Second)
	r.conversation(21, "EXPECT 3000 60\n")
	if n := len(r.am.ext.byKey); n != 1 {
		t.Fatalf("%d scheduled entries after expiry, want 1", n)
	}
}

func TestThreadLocalIsPerManager(t *testing.T) {
	r := newRig(t, schedConfig())
	schedLines = nil
	r.conversation(21, "a\nb\n")
	r.conversation(21, "c\n")
	if got := strings.Join(schedLines, ","); got != "a#1,b#2,c#3" {
		t.Fatalf("lines %q: the counter is not kept across connections", got)
	}
	r = newRig(t, schedConfig())
	schedLines = nil
	r.conversation(21, "d\n")
	if got := strings.Join(schedLines, ","); got != "d#1" {
		t.Fatalf("lines %q: a new Manager must start afresh", got)
	}
}

func TestChildSession(t *testing.T) {
	r := newRig(t, schedConfig())
	schedLines = nil
	r.conversation(21, "CHILD\n", "HELLO\n", "x\n")
	if got := strings.Join(echoLines, ","); got != "HELLO,x,done" {
		t.Fatalf("child saw %q", got)
	}
	if got := r.recs[0].Service.V; got != "echo" {
		t.Fatalf("service %q: the child's confirmation must join conn.log's service", got)
	}
	for _, l := range schedLines {
		if strings.Contains(l, "unknown") {
			t.Fatal(l)
		}
	}
}

func TestNewSessionWithoutScheduleAllocatesNothingExtra(t *testing.T) {
	r := newRig(t, schedConfig())
	s := &Session{m: r.am}
	allocs := testing.AllocsPerRun(100, func() {
		if s.applyScheduled() {
			t.Fatal("nothing was scheduled")
		}
	})
	if allocs != 0 {
		t.Fatalf("applyScheduled allocates %v times with an empty table", allocs)
	}
}
