package analyzer

import (
	"container/heap"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

// This file holds what protocol analyzers need beyond a connection of
// their own:
//
//   - scheduled analyzers (Zeek's Analyzer::schedule_analyzer): an
//     analyzer announces a connection it expects — FTP's data channels —
//     and the analyzer named is attached to that connection when it
//     appears, instead of the analyzers of its port;
//   - per-thread state (ThreadLocal), where analyzer packages keep what
//     Zeek's scripts hold in global tables;
//   - child sessions (Child): an analyzer started directly on a stream
//     inside the connection, as Zeek's STARTTLS hand-offs instantiate SSL.

// maxScheduled bounds the scheduled analyzers one analysis thread keeps;
// beyond it the entry that expires first is dropped (Zeek keeps them
// without a bound).
const maxScheduled = 1 << 17

// schedKey identifies an expected connection: originator (all zero: any
// originator), responder, responder port and transport.
type schedKey struct {
	orig, resp [16]byte
	port       uint16
	proto      zeek.Proto
}

// scheduled is one expected analyzer (Zeek's ScheduledAnalyzer).
type scheduled struct {
	key     schedKey
	info    *Info
	timeout zeek.Time // when it expires
	queued  zeek.Time // its place in the expiry queue
	index   int       // position in the heap
}

// schedQueue orders scheduled analyzers by queue time.
type schedQueue []*scheduled

func (q schedQueue) Len() int           { return len(q) }
func (q schedQueue) Less(i, j int) bool { return q[i].queued < q[j].queued }
func (q schedQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *schedQueue) Push(x any) {
	s := x.(*scheduled)
	s.index = len(*q)
	*q = append(*q, s)
}
func (q *schedQueue) Pop() any {
	old := *q
	s := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	s.index = -1
	return s
}

// threadState is the analysis thread's scheduled analyzers and the
// analyzer packages' per-thread values. The zero value is ready.
type threadState struct {
	byKey  map[schedKey][]*scheduled
	queue  schedQueue
	locals map[any]any
}

// addrKey is the 16-byte form of an address for schedKey (IPv4 mapped
// into IPv6, as connections keep them); the unspecified addresses of both
// families are the wildcard, all zero.
func addrKey(a zeek.Addr) [16]byte {
	if !a.IsValid() || a.IsUnspecified() {
		return [16]byte{}
	}
	return a.As16()
}

// ScheduleAnalyzer expects a connection from orig to resp:respPort and
// attaches the analyzer name to it when it appears within timeout
// (Zeek's Analyzer::schedule_analyzer). An unspecified orig matches any
// originator. Scheduling the same analyzer for the same connection again
// extends its timeout. A connection that matches gets the scheduled
// analyzers only, not those of its port; protocol detection runs as
// usual. It reports whether name is a registered analyzer.
func (h *Handle) ScheduleAnalyzer(orig, resp zeek.Addr, respPort zeek.Port, name string, timeout zeek.Interval) bool {
	info := Lookup(name)
	if info == nil {
		return false
	}
	h.s.m.ext.schedule(schedKey{addrKey(orig), addrKey(resp), respPort.Num, respPort.Proto}, info, h.Now(), timeout)
	return true
}

// schedule adds or extends an entry, after expiring the due ones (Zeek
// expires them only here).
func (t *threadState) schedule(k schedKey, info *Info, now zeek.Time, timeout zeek.Interval) {
	t.expire(now)
	exp := now.Add(timeout)
	for _, s := range t.byKey[k] {
		if s.info == info {
			if s.timeout < exp {
				s.timeout = exp
			}
			return
		}
	}
	if len(t.queue) >= maxScheduled {
		t.drop(heap.Pop(&t.queue).(*scheduled))
	}
	if t.byKey == nil {
		t.byKey = map[schedKey][]*scheduled{}
	}
	s := &scheduled{key: k, info: info, timeout: exp, queued: exp}
	t.byKey[k] = append(t.byKey[k], s)
	heap.Push(&t.queue, s)
}

// expire drops the entries whose time has come; an entry whose timeout
// was extended goes back into the queue.
func (t *threadState) expire(now zeek.Time) {
	for len(t.queue) > 0 && t.queue[0].queued <= now {
		s := t.queue[0]
		if s.timeout > now {
			s.queued = s.timeout
			heap.Fix(&t.queue, 0)
			continue
		}
		heap.Pop(&t.queue)
		t.drop(s)
	}
}

// drop removes an entry from the key index.
func (t *threadState) drop(s *scheduled) {
	list := t.byKey[s.key]
	for i, x := range list {
		if x == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(t.byKey, s.key)
	} else {
		t.byKey[s.key] = list
	}
}

// lookup returns the analyzers scheduled for a new connection: those for
// its originator (not checked for expiry, as in Zeek) and, unexpired,
// those for any originator. Entries stay until they expire.
func (t *threadState) lookup(c *conn.Conn, now zeek.Time, out []*Info) []*Info {
	if len(t.byKey) == 0 {
		return out
	}
	k := schedKey{orig: addrKey(c.OrigIP()), resp: addrKey(c.RespIP()), port: c.RespPort, proto: c.Transport}
	add := func(i *Info) {
		for _, x := range out {
			if x == i {
				return
			}
		}
		out = append(out, i)
	}
	for _, s := range t.byKey[k] {
		add(s.info)
	}
	k.orig = [16]byte{}
	for _, s := range t.byKey[k] {
		if s.timeout > now {
			add(s.info)
		}
	}
	return out
}

// applyScheduled attaches the analyzers scheduled for the session's
// connection (Zeek's ApplyScheduledAnalyzers) and reports whether there
// were any.
func (s *Session) applyScheduled() bool {
	if len(s.m.ext.byKey) == 0 {
		return false
	}
	var buf [4]*Info
	infos := s.m.ext.lookup(s.c, s.m.conns.Now(), buf[:0])
	for _, info := range infos {
		s.attach(info)
	}
	return len(infos) > 0
}

// ThreadLocal returns the value kept under key for the analysis thread,
// creating it with mk on first use. Analyzer packages keep here what
// Zeek's scripts hold in global tables (FTP's expected data channels):
// one value per analysis thread, as one per Zeek process. key should be
// a value of an unexported type of the calling package.
func (h *Handle) ThreadLocal(key any, mk func() any) any {
	t := &h.s.m.ext
	if v, ok := t.locals[key]; ok {
		return v
	}
	if t.locals == nil {
		t.locals = map[any]any{}
	}
	v := mk()
	t.locals[key] = v
	return v
}

// Child starts the analyzer name directly, without protocol detection,
// on a stream inside the connection (Zeek's InstantiateAnalyzer and
// AddChildAnalyzer: FTP's AUTH TLS and ADAT exchanges, and the STARTTLS
// of POP3, IMAP and XMPP, start SSL this way). The analyzer feeds the
// returned Session with DeliverStream, Undelivered and EndOfData and
// calls its Done when it is done itself; the child's confirmations join
// conn.log's service. It returns nil when no analyzer of that name is
// registered for the connection's transport.
func (h *Handle) Child(name string) *Session {
	info := Lookup(name)
	if info == nil {
		return nil
	}
	s := &Session{m: h.s.m, c: h.s.c}
	s.pia.s = s
	s.pia.state = piaSkipping
	if s.attach(info) == nil {
		return nil
	}
	return s
}
