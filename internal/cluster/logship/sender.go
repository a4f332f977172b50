package logship

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/schema"
)

// SenderOptions tunes a Sender. The zero value (or nil) gives the
// defaults.
type SenderOptions struct {
	// SpoolDir is the on-disk spool; "" is <spool_dir>/<node>/outbox.
	SpoolDir string
	// SpoolBytes bounds the spool, 1 GiB.
	SpoolBytes int64
	// BatchBytes closes a batch once its records take this many bytes,
	// 64 KiB. A stream's batches are also closed by every Flush of the
	// logging framework (once a second while records come in).
	BatchBytes int
	// Queue is how many closed batches wait in memory for the publisher
	// before the log streams block, 64.
	Queue int
	// PublishTimeout bounds the wait for JetStream's acknowledgement of a
	// batch, 5 s; a batch not acknowledged in time goes to the spool.
	PublishTimeout time.Duration
	// RetryWait is the pause between attempts to send the spool, 250 ms.
	RetryWait time.Duration
	// CloseTimeout bounds how long Close keeps sending the spool before
	// leaving the rest for the next start, 10 s.
	CloseTimeout time.Duration
	// Warn receives one-line warnings; nil prints them on standard error.
	Warn func(string)
}

func (o *SenderOptions) fill(c *transport.Conn) {
	if o.SpoolDir == "" {
		o.SpoolDir = filepath.Join(c.Layout().SpoolDir, c.Name(), "outbox")
	}
	if o.SpoolBytes <= 0 {
		o.SpoolBytes = 1 << 30
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 64 << 10
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = 5 * time.Second
	}
	if o.RetryWait <= 0 {
		o.RetryWait = 250 * time.Millisecond
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 10 * time.Second
	}
	if o.Warn == nil {
		o.Warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
}

// Counters are a Sender's record counts since it started.
type Counters struct {
	// Records is how many records the writers took.
	Records uint64
	// Sent is how many records went out in published batches; a batch
	// sent again (after a lost acknowledgement, from the spool) counts
	// again.
	Sent uint64
	// Acked is how many records JetStream acknowledged (stored); each
	// batch counts once.
	Acked uint64
	// Spooled is how many records were written to the spool.
	Spooled uint64
	// Lost is how many records were dropped: the spool was full (or a
	// corrupt spool frame, or a batch NATS can never carry).
	Lost uint64
	// SpoolBytes is the spool's size on disk now.
	SpoolBytes int64
}

// Sender ships a node's log records to the cluster's log stream: its
// NewWriter is the logging.Config.NewWriter of a node whose logs go to
// the loggers. Batches are published one at a time, in order, each with
// the Nats-Msg-Id "<node>.<epoch>.<seq>"; while NATS cannot take them
// they go to a bounded spool on disk, which is sent first when NATS is
// back.
type Sender struct {
	c     *transport.Conn
	o     SenderOptions
	node  string
	epoch uint64
	strm  string

	mu     sync.Mutex // orders submissions: seq order is queue order
	seq    uint64
	closed bool
	queue  chan *outBatch

	spool    *spool
	done     chan struct{}
	deadline atomic.Int64 // Unix ns after which the publisher stops; 0: none

	records, sent, acked, spooled, lost atomic.Uint64
	lossWarned                          bool // publisher goroutine only
}

type outBatch struct {
	data    []byte
	records int
	subject string
	id      string
}

// NewSender returns the sender of c's node. It opens the spool (batches
// left there by an earlier run are sent first) and starts the publisher.
func NewSender(c *transport.Conn, o *SenderOptions) (*Sender, error) {
	var opts SenderOptions
	if o != nil {
		opts = *o
	}
	opts.fill(c)
	sp, err := openSpool(opts.SpoolDir, opts.SpoolBytes)
	if err != nil {
		return nil, err
	}
	epoch, err := nextEpoch(opts.SpoolDir)
	if err != nil {
		sp.close()
		return nil, err
	}
	s := &Sender{
		c: c, o: opts, node: c.Name(), epoch: epoch,
		strm:  transport.LogStreamName(c.Cluster()),
		queue: make(chan *outBatch, opts.Queue),
		spool: sp,
		done:  make(chan struct{}),
	}
	go s.run()
	return s, nil
}

// nextEpoch returns a number larger than any earlier run's in dir (the
// current time in nanoseconds, or the last epoch plus one if the clock
// went back) and records it.
func nextEpoch(dir string) (uint64, error) {
	name := filepath.Join(dir, "epoch")
	var last uint64
	if b, err := os.ReadFile(name); err == nil {
		last, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	}
	e := max(uint64(time.Now().UnixNano()), last+1)
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("logship: epoch: %w", err)
	}
	_, err = fmt.Fprintf(f, "%d\n", e)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		return 0, fmt.Errorf("logship: epoch: %w", err)
	}
	return e, nil
}

// Counters returns the sender's counts so far.
func (s *Sender) Counters() Counters {
	return Counters{
		Records: s.records.Load(), Sent: s.sent.Load(), Acked: s.acked.Load(),
		Spooled: s.spooled.Load(), Lost: s.lost.Load(), SpoolBytes: s.spool.bytes(),
	}
}

// Epoch returns the sender's epoch, the middle part of its batch ids.
func (s *Sender) Epoch() uint64 { return s.epoch }

// NewWriter returns the writer of one log, for logging.Config.NewWriter.
func (s *Sender) NewWriter(info logging.WriterInfo) (logging.Writer, error) {
	return &writer{s: s}, nil
}

// submit closes a batch and queues it for the publisher. It blocks while
// the queue is full.
func (s *Sender) submit(path string, schemaSec, records []byte, count int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.lost.Add(uint64(count))
		return fmt.Errorf("logship: %s: %d records of %s after the sender closed", s.node, count, path)
	}
	s.seq++
	h := header{Node: s.node, Epoch: s.epoch, Seq: s.seq, Path: path, Count: count}
	data := appendBatch(make([]byte, 0, len(schemaSec)+len(records)+len(path)+len(s.node)+48), &h, schemaSec, records)
	s.queue <- &outBatch{data: data, records: count, subject: transport.LogSubject(path, s.node), id: h.msgID()}
	return nil
}

// run is the publisher: it sends the spool first, then the queue, and
// spools what cannot be sent.
func (s *Sender) run() {
	defer close(s.done)
	queueOpen := true
	for {
		if !s.spool.empty() {
			// Keep the writers flowing while the spool is sent: what
			// they hand over now goes behind it, in order.
			queueOpen = s.drain(queueOpen)
			if !queueOpen && (s.pastDeadline() || s.c.NATS().IsClosed()) {
				return // closing: the rest waits in the spool
			}
			if !s.c.Connected() {
				queueOpen = s.wait(queueOpen)
				continue
			}
			data, err := s.spool.peek()
			if err == io.EOF {
				continue
			}
			if err != nil {
				s.o.Warn(fmt.Sprintf("logship: %s: %v in %s: skipped", s.node, err, s.o.SpoolDir))
				continue
			}
			b, err := spooled(data)
			if err != nil {
				s.spool.pop()
				s.o.Warn(fmt.Sprintf("logship: %s: unreadable batch in the spool: %v", s.node, err))
				continue
			}
			switch err := s.publish(b); {
			case err == nil:
				s.spool.pop()
			case errors.Is(err, errNeverFits):
				s.spool.pop()
				s.lose(b, err)
			default:
				queueOpen = s.wait(queueOpen)
			}
			continue
		}
		s.lossWarned = false // the spool drained: a new loss warns again
		if !queueOpen {
			return
		}
		b, ok := <-s.queue
		if !ok {
			queueOpen = false
			continue
		}
		if !s.c.Connected() {
			s.toSpool(b)
			continue
		}
		switch err := s.publish(b); {
		case err == nil:
		case errors.Is(err, errNeverFits):
			s.lose(b, err)
		default:
			s.toSpool(b)
		}
	}
}

// drain spools the batches waiting in the queue without blocking; it
// returns whether the queue is still open.
func (s *Sender) drain(queueOpen bool) bool {
	for queueOpen {
		select {
		case b, ok := <-s.queue:
			if !ok {
				return false
			}
			s.toSpool(b)
		default:
			return true
		}
	}
	return false
}

func (s *Sender) pastDeadline() bool {
	d := s.deadline.Load()
	return d != 0 && time.Now().UnixNano() > d
}

// wait pauses for RetryWait, spooling what arrives meanwhile; it returns
// whether the queue is still open.
func (s *Sender) wait(queueOpen bool) bool {
	t := time.NewTimer(s.o.RetryWait)
	defer t.Stop()
	for queueOpen {
		select {
		case b, ok := <-s.queue:
			if !ok {
				return false
			}
			s.toSpool(b)
		case <-t.C:
			return true
		}
	}
	<-t.C
	return false
}

// spooled rebuilds a batch read back from the spool.
func spooled(data []byte) (*outBatch, error) {
	bt, err := parseBatch(data)
	if err != nil {
		return nil, err
	}
	return &outBatch{
		data: data, records: bt.Count,
		subject: transport.LogSubject(bt.Path, bt.Node), id: bt.msgID(),
	}, nil
}

var errNeverFits = errors.New("logship: batch larger than NATS carries")

// publish sends one batch and waits for its acknowledgement.
func (s *Sender) publish(b *outBatch) error {
	if mp := s.c.NATS().MaxPayload(); mp > 0 && int64(len(b.data))+512 > mp {
		return errNeverFits
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.o.PublishTimeout)
	defer cancel()
	m := nats.NewMsg(s.c.Subject(b.subject))
	m.Data = b.data
	m.Header.Set(jetstream.MsgIDHeader, b.id)
	s.sent.Add(uint64(b.records))
	if _, err := s.c.JetStream().PublishMsg(ctx, m,
		jetstream.WithExpectStream(s.strm), jetstream.WithRetryAttempts(0)); err != nil {
		if errors.Is(err, nats.ErrMaxPayload) {
			return errNeverFits
		}
		return err
	}
	s.acked.Add(uint64(b.records))
	return nil
}

func (s *Sender) toSpool(b *outBatch) {
	switch err := s.spool.append(b.data); {
	case err == nil:
		s.spooled.Add(uint64(b.records))
	default:
		s.lose(b, err)
	}
}

// lose counts a dropped batch and warns once per episode of loss.
func (s *Sender) lose(b *outBatch, why error) {
	n := s.lost.Add(uint64(b.records))
	if s.lossWarned {
		return
	}
	s.lossWarned = true
	if errors.Is(why, errSpoolFull) {
		s.o.Warn(fmt.Sprintf("logship: %s: the spool %s is full (%d bytes) and NATS takes no batches: dropping log records (%d lost so far; the sender's counters keep the count)",
			s.node, s.o.SpoolDir, s.o.SpoolBytes, n))
		return
	}
	s.o.Warn(fmt.Sprintf("logship: %s: dropped a batch of %d records: %v (%d lost so far)", s.node, b.records, why, n))
}

// Close sends everything the writers have handed over: the batches in
// memory are published or spooled, then the spool is sent for at most
// CloseTimeout; what is left is synced to disk and goes out first at the
// next start of the node (NewSender with the same spool). Close drops
// nothing. Close the logging manager first, so that every writer has
// handed its last batch over (records written after Close are counted
// lost), and the transport.Conn after (with the connection closed
// already, Close spools everything at once). When records were lost (the spool was full), Close reports the
// total in one line.
func (s *Sender) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	s.deadline.Store(time.Now().Add(s.o.CloseTimeout).UnixNano())
	close(s.queue)
	s.mu.Unlock()
	<-s.done
	err := s.spool.close()
	if n := s.lost.Load(); n > 0 {
		s.o.Warn(fmt.Sprintf("logship: %s: %d log records were lost (spool full)", s.node, n))
	}
	return err
}

// writer is the logging.Writer of one log: it encodes records into the
// current batch.
type writer struct {
	s      *Sender
	path   string
	view   *schema.View
	ncols  int
	schema []byte
	enc    recEncoder
	count  int
}

var _ logging.Writer = (*writer)(nil)

// Init takes the log's columns, which every batch announces.
func (w *writer) Init(info logging.WriterInfo) error {
	w.path = info.Path
	w.view = info.View
	w.ncols = len(info.View.Columns())
	w.schema = appendSchema(nil, info.View.Columns())
	w.enc.b = make([]byte, 0, w.s.o.BatchBytes+4096)
	return nil
}

// Write encodes one record into the batch, closing it when full.
func (w *writer) Write(r schema.Record) error {
	w.enc.begin(w.ncols)
	w.view.Visit(r, &w.enc)
	w.count++
	w.s.records.Add(1)
	if len(w.enc.b) >= w.s.o.BatchBytes {
		return w.Flush()
	}
	return nil
}

// Flush closes the current batch, if it holds records.
func (w *writer) Flush() error {
	if w.count == 0 {
		return nil
	}
	err := w.s.submit(w.path, w.schema, w.enc.b, w.count)
	w.enc.b, w.count = w.enc.b[:0], 0
	return err
}

// Close closes the current batch.
func (w *writer) Close() error { return w.Flush() }
