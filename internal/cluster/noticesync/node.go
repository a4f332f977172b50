package noticesync

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Options tune a Node or a Manager. The zero value gives Zeek's defaults.
type Options struct {
	// BatchPeriod is Notice::suppression_batch_period (10 ms): a node
	// collects the suppressions begun within it into one message (the
	// first one after a quiet period goes at once). Negative: no
	// batching.
	BatchPeriod time.Duration
	// BatchMax is Notice::suppression_batch_max_size (50): a batch this
	// large goes at once.
	BatchMax int
	// MaxSuppressions bounds the suppression table (0:
	// notice.DefaultMaxSuppressions).
	MaxSuppressions int
	// MaxPending bounds the messages a node keeps while it cannot reach
	// NATS (0: 10000); past it, messages are lost and counted.
	MaxPending int
	// RetryEvery is how often kept messages are retried (0: 250 ms).
	RetryEvery time.Duration
	// Warn receives one-line warnings (a message that did not decode, a
	// loss); nil prints them on standard error.
	Warn func(string)
}

func (o *Options) fill() {
	if o.BatchPeriod == 0 {
		o.BatchPeriod = 10 * time.Millisecond
	}
	if o.BatchMax <= 0 {
		o.BatchMax = 50
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10000
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = 250 * time.Millisecond
	}
	if o.Warn == nil {
		o.Warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
}

// Stats counts what a Node or a Manager did.
type Stats struct {
	// SuppressionsSent counts suppressions a node published (in
	// batches); SuppressionsReceived those it applied from the
	// manager's broadcasts. On the manager, SuppressionsReceived counts
	// those received from nodes and SuppressionsSent those broadcast.
	SuppressionsSent, SuppressionsReceived uint64
	// NoticesSent counts records a node sent to the manager;
	// NoticesReceived those the manager received.
	NoticesSent, NoticesReceived uint64
	// Written counts records the manager wrote; Duplicates the records
	// it dropped because the notice was already suppressed (raised on
	// two nodes before they heard of each other).
	Written, Duplicates uint64
	// Pending is the number of messages waiting for NATS; Lost counts
	// those dropped because too many were waiting.
	Pending, Lost uint64
	// Bad counts payloads that did not decode.
	Bad uint64
}

// outMsg is a message waiting to be published.
type outMsg struct {
	subject string
	payload []byte
}

// outbox publishes messages, keeping (a bounded number of) those that
// cannot go yet and retrying them in order.
type outbox struct {
	c       *transport.Conn
	max     int
	pending []outMsg
	lost    uint64
	warn    func(string)
}

// send publishes or keeps m. The caller locks.
func (o *outbox) send(m outMsg) {
	o.retry()
	if len(o.pending) == 0 {
		if err := o.c.Publish(m.subject, m.payload); err == nil {
			return
		}
	}
	if len(o.pending) >= o.max {
		if o.lost == 0 {
			o.warn("noticesync: NATS unreachable and " + fmt.Sprint(o.max) + " messages waiting: notice messages are being lost")
		}
		o.lost++
		return
	}
	o.pending = append(o.pending, m)
}

// retry publishes the kept messages, in order, until one fails.
func (o *outbox) retry() {
	i := 0
	for ; i < len(o.pending); i++ {
		if o.c.Publish(o.pending[i].subject, o.pending[i].payload) != nil {
			break
		}
	}
	if i > 0 {
		n := copy(o.pending, o.pending[i:])
		clear(o.pending[n:])
		o.pending = o.pending[:n]
	}
}

// Node is the notice side of a non-manager node (a worker, proxy or
// logger): a notice.Suppressor whose table is shared with the cluster, and
// the log functions that send the notices the node logs to the manager.
// Pass it to notice.New:
//
//	ns, err := noticesync.NewNode(conn, nil)
//	cfg.Notice.Suppressor = ns
//	fw := notice.New(cfg.Notice, ns.Log, ns.Alarm)
//	defer ns.Close()
//
// Its methods are safe for concurrent use and never block on the network.
type Node struct {
	c     *transport.Conn
	o     Options
	local *notice.LocalSuppressor
	sub   *transport.Subscription
	now   atomic.Int64 // the latest network time seen

	mu          sync.Mutex
	out         outbox
	batch       []Suppression
	lastSend    time.Time
	timerActive bool
	stats       Stats
	closed      bool

	stop chan struct{}
	done chan struct{}
}

var _ notice.Suppressor = (*Node)(nil)

// NewNode starts the notice side of node c: it listens to the manager's
// suppression broadcasts and keeps retrying what it could not send.
func NewNode(c *transport.Conn, o *Options) (*Node, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.fill()
	n := &Node{c: c, o: opts, local: notice.NewLocalSuppressor(opts.MaxSuppressions),
		stop: make(chan struct{}), done: make(chan struct{})}
	n.out = outbox{c: c, max: opts.MaxPending, warn: opts.Warn}
	sub, err := c.Subscribe(transport.PrefixManager+"."+TopicSuppress, n.onBroadcast)
	if err != nil {
		return nil, fmt.Errorf("noticesync: %w", err)
	}
	n.sub = sub
	go n.retryLoop()
	return n, nil
}

// onBroadcast applies a batch of suppressions the manager relays.
func (n *Node) onBroadcast(m *transport.Msg) {
	b, err := DecodeBatch(m.Data)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err != nil {
		n.stats.Bad++
		n.o.Warn(err.Error())
		return
	}
	now := zeek.Time(n.now.Load())
	for i := range b.Infos {
		s := &b.Infos[i]
		n.local.Begin(max(now, s.TS), s.TS, s.SuppressFor, s.Note, s.Identifier)
		n.stats.SuppressionsReceived++
	}
}

func (n *Node) seen(now zeek.Time) {
	for {
		old := n.now.Load()
		if int64(now) <= old || n.now.CompareAndSwap(old, int64(now)) {
			return
		}
	}
}

// Suppressed implements notice.Suppressor: the node's table, which holds
// the suppressions of the whole cluster as far as they reached it.
func (n *Node) Suppressed(now zeek.Time, note notice.Type, identifier string) bool {
	n.seen(now)
	return n.local.Suppressed(now, note, identifier)
}

// Begin implements notice.Suppressor: the suppression starts here at once
// and goes to the manager, batched as Zeek batches it.
func (n *Node) Begin(now, ts zeek.Time, suppressFor zeek.Interval, note notice.Type, identifier string) {
	n.seen(now)
	n.local.Begin(now, ts, suppressFor, note, identifier)
	s := Suppression{TS: ts, SuppressFor: suppressFor, Note: note, Identifier: identifier}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	wall := time.Now()
	if n.o.BatchPeriod < 0 || n.o.BatchMax <= 1 || (len(n.batch) == 0 && wall.Sub(n.lastSend) >= n.o.BatchPeriod) {
		// Nothing pending and quiet for a while: no batch to start.
		n.batch = append(n.batch, s)
		n.sendBatch(wall)
		return
	}
	n.batch = append(n.batch, s)
	if len(n.batch) == 1 && !n.timerActive {
		n.timerActive = true
		time.AfterFunc(n.o.BatchPeriod, n.batchTimer)
	}
	if len(n.batch) >= n.o.BatchMax {
		n.sendBatch(wall)
	}
}

// batchTimer sends what collected during a batch period.
func (n *Node) batchTimer() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.timerActive = false
	if len(n.batch) > 0 && !n.closed {
		n.sendBatch(time.Now())
	}
}

// sendBatch publishes the batch. The caller locks.
func (n *Node) sendBatch(wall time.Time) {
	n.lastSend = wall
	payload := EncodeBatch(&Batch{Node: n.c.Name(), Infos: n.batch})
	n.stats.SuppressionsSent += uint64(len(n.batch))
	n.batch = n.batch[:0]
	n.out.send(outMsg{n.c.Own(TopicSuppress), payload})
}

// Log sends a notice.log record to the manager (pass it to notice.New as
// the log function). r is only read.
func (n *Node) Log(r *notice.Info) { n.forward(LogNotice, r) }

// Alarm sends a notice_alarm.log record to the manager.
func (n *Node) Alarm(r *notice.Info) { n.forward(LogAlarm, r) }

func (n *Node) forward(log string, r *notice.Info) {
	payload := EncodeRecord(&Record{Log: log, Notice: *r})
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		n.stats.Lost++
		return
	}
	n.stats.NoticesSent++
	n.out.send(outMsg{n.c.Own(TopicLog), payload})
}

// Flush sends the suppressions collected so far and retries what waits.
func (n *Node) Flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.batch) > 0 {
		n.sendBatch(time.Now())
	}
	n.out.retry()
}

func (n *Node) retryLoop() {
	defer close(n.done)
	t := time.NewTicker(n.o.RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
			n.mu.Lock()
			n.out.retry()
			n.mu.Unlock()
		}
	}
}

// Stats returns the counters so far.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	s := n.stats
	s.Pending = uint64(len(n.out.pending))
	s.Lost += n.out.lost
	return s
}

// Close sends what it can (waiting up to ctx's end for NATS to take it),
// stops listening and retrying, and reports the messages it had to give
// up. It does not close the connection.
func (n *Node) Close(ctx context.Context) error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	if len(n.batch) > 0 {
		n.sendBatch(time.Now())
	}
	n.closed = true
	n.mu.Unlock()
	close(n.stop)
	<-n.done
	_ = n.sub.Unsubscribe()
	for {
		n.mu.Lock()
		n.out.retry()
		left := len(n.out.pending)
		n.mu.Unlock()
		if left == 0 {
			break
		}
		select {
		case <-ctx.Done():
			n.mu.Lock()
			n.out.lost += uint64(left)
			n.out.pending = nil
			n.mu.Unlock()
			return fmt.Errorf("noticesync: %d notice messages not sent: %w", left, ctx.Err())
		case <-time.After(n.o.RetryEvery):
		}
	}
	if err := n.c.Flush(ctx); err != nil {
		return fmt.Errorf("noticesync: %w", err)
	}
	return nil
}
