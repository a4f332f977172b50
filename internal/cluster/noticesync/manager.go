package noticesync

import (
	"fmt"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Manager is the manager's notice side: it relays the suppressions every
// node begins to all nodes, writes the notices nodes send to notice.log
// and notice_alarm.log, and is the notice.Suppressor and log functions of
// the manager's own notice framework:
//
//	nm, err := noticesync.NewManager(conn, notice.Writer(nl), notice.Writer(al), nil)
//	cfg.Notice.Suppressor = nm
//	fw := notice.New(cfg.Notice, nm.Log, nm.Alarm)
//	defer nm.Close()
//
// Because every notice.log record passes through it, the manager also
// keeps the cluster's suppression table and drops a record whose notice
// another node had already logged in the same suppression interval (two
// workers raising it before either heard of the other's): each
// suppression interval yields one record cluster-wide.
type Manager struct {
	c          *transport.Conn
	o          Options
	log, alarm func(*notice.Info)

	mu    sync.Mutex
	tab   *table
	out   outbox
	stats Stats
	subs  []*transport.Subscription

	stop chan struct{}
	done chan struct{}
}

var _ notice.Suppressor = (*Manager)(nil)

// NewManager starts the manager's notice side on c. log and alarm write
// notice.log and notice_alarm.log records (nil drops them); they are
// called one at a time and own the record they get.
func NewManager(c *transport.Conn, log, alarm func(*notice.Info), o *Options) (*Manager, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.fill()
	m := &Manager{c: c, o: opts, log: log, alarm: alarm, tab: newTable(opts.MaxSuppressions),
		stop: make(chan struct{}), done: make(chan struct{})}
	m.out = outbox{c: c, max: opts.MaxPending, warn: opts.Warn}
	go m.retryLoop()
	for _, s := range []struct {
		topic string
		h     transport.Handler
	}{{TopicSuppress, m.onSuppress}, {TopicLog, m.onLog}} {
		sub, err := c.Subscribe(transport.PrefixNode+".*."+s.topic, s.h)
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("noticesync: %w", err)
		}
		m.subs = append(m.subs, sub)
	}
	return m, nil
}

// onSuppress records a node's batch and relays it to every node.
func (m *Manager) onSuppress(msg *transport.Msg) {
	b, err := DecodeBatch(msg.Data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil && b.Node != msg.From {
		err = fmt.Errorf("noticesync: suppression batch of %q on the subject of %q", b.Node, msg.From)
	}
	if err != nil {
		m.stats.Bad++
		m.o.Warn(err.Error())
		return
	}
	for i := range b.Infos {
		m.tab.begin(msg.From, &b.Infos[i], false)
	}
	m.stats.SuppressionsReceived += uint64(len(b.Infos))
	m.stats.SuppressionsSent += uint64(len(b.Infos))
	m.out.send(outMsg{transport.PrefixManager + "." + TopicSuppress, msg.Data})
}

// onLog writes a node's notice record unless the notice is a duplicate.
func (m *Manager) onLog(msg *transport.Msg) {
	r, err := DecodeRecord(msg.Data)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		m.stats.Bad++
		m.o.Warn(err.Error())
		return
	}
	m.stats.NoticesReceived++
	n := &r.Notice
	if n.Identifier.Set && n.SuppressFor.Set && n.SuppressFor.V != 0 && n.TS.Set {
		ts := n.TS.V
		s := Suppression{TS: ts, SuppressFor: n.SuppressFor.V, Note: n.Note, Identifier: n.Identifier.V}
		k := key{n.Note, n.Identifier.V}
		m.tab.tick(ts)
		o, ok := m.tab.live(ts, k)
		switch {
		case !ok:
			m.tab.begin(msg.From, &s, true)
		case o.node == msg.From && o.start == ts:
			// The record of the notice that began the suppression
			// (its alarm record too).
			o.written = true
			m.tab.set(k, o)
		case !o.written && ts <= o.start:
			// A suppression arrived before the record of its notice,
			// and this notice is no later: the earliest is logged.
			m.tab.set(k, origin{node: msg.From, start: ts, until: max(o.until, s.Until()), written: true})
		default:
			m.stats.Duplicates++
			return
		}
	}
	m.write(r.Log, n)
}

// write hands a record to its log. The caller locks.
func (m *Manager) write(log string, n *notice.Info) {
	m.stats.Written++
	if log == LogAlarm {
		if m.alarm != nil {
			m.alarm(n)
		}
		return
	}
	if m.log != nil {
		m.log(n)
	}
}

// Suppressed implements notice.Suppressor for the manager's own notices:
// the cluster's table.
func (m *Manager) Suppressed(now zeek.Time, note notice.Type, identifier string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tab.tick(now)
	_, ok := m.tab.live(now, key{note, identifier})
	return ok
}

// Begin implements notice.Suppressor for the manager's own notices: the
// suppression is recorded and broadcast to every node at once.
func (m *Manager) Begin(now, ts zeek.Time, suppressFor zeek.Interval, note notice.Type, identifier string) {
	s := Suppression{TS: ts, SuppressFor: suppressFor, Note: note, Identifier: identifier}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tab.tick(now)
	m.tab.begin(m.c.Name(), &s, true) // the framework logs before it begins
	m.stats.SuppressionsSent++
	m.out.send(outMsg{transport.PrefixManager + "." + TopicSuppress, EncodeBatch(&Batch{Node: m.c.Name(), Infos: []Suppression{s}})})
}

// Log writes a notice.log record of the manager's own notice framework.
func (m *Manager) Log(r *notice.Info) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.write(LogNotice, r)
}

// Alarm writes a notice_alarm.log record of the manager's own framework.
func (m *Manager) Alarm(r *notice.Info) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.write(LogAlarm, r)
}

// Stats returns the counters so far.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.stats
	s.Pending = uint64(len(m.out.pending))
	s.Lost = m.out.lost
	return s
}

func (m *Manager) retryLoop() {
	defer close(m.done)
	t := time.NewTicker(m.o.RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.mu.Lock()
			m.out.retry()
			m.mu.Unlock()
		}
	}
}

// Close stops listening and retrying, after one last attempt to send
// what waits. It does not close the connection.
func (m *Manager) Close() error {
	select {
	case <-m.stop:
		return nil
	default:
	}
	close(m.stop)
	<-m.done
	var first error
	for _, s := range m.subs {
		if err := s.Unsubscribe(); err != nil && first == nil {
			first = fmt.Errorf("noticesync: %w", err)
		}
	}
	m.mu.Lock()
	m.out.retry()
	m.mu.Unlock()
	return first
}
