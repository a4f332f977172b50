package logship

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/schema"
)

// pathRun writes one log path while this node owns it.
type pathRun struct {
	lg     *Logger
	path   string
	token  string
	cancel context.CancelFunc

	lastWarn     string
	lastWarnTime time.Time

	pp     sync.WaitGroup // rotated files with the policy
	ppMu   sync.Mutex
	ppDone []string // rotated files the policy has finished with
}

// startPath starts writing path; lg.mu is held.
func (lg *Logger) startPath(ctx context.Context, path string) *pathRun {
	pctx, cancel := context.WithCancel(ctx)
	pr := &pathRun{lg: lg, path: path, token: transport.Token(path), cancel: cancel}
	lg.wg.Add(1)
	go func() {
		defer lg.wg.Done()
		pr.run(pctx)
		cancel()
		lg.mu.Lock()
		if lg.paths[path] == pr {
			delete(lg.paths, path)
		}
		lg.mu.Unlock()
	}()
	return pr
}

// run takes the path up again after every error until ctx ends. When
// the logger stops while the path's last tenure ended in an error (NATS
// gone, say), the path is taken up once more, so that its file is
// drained if the stream can be reached and rotated (or closed) anyway.
func (pr *pathRun) run(ctx context.Context) {
	for {
		err := pr.tenure(ctx)
		if errors.Is(err, errCrashed) {
			return
		}
		if err != nil {
			pr.warn(err)
		}
		if ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(pr.lg.o.Poll):
				continue
			}
		}
		if err != nil && pr.lg.draining() != nil {
			if err := pr.tenure(ctx); err != nil && !errors.Is(err, errCrashed) {
				pr.warn(err)
			}
		}
		return
	}
}

// requestContext returns the context of the path's waits and requests
// in a tenure: it ends with ctx when the path is given up, but when the
// logger stops it lasts until the drain's deadline, so that a path taken
// up just as the logger stops still gets its consumer and drains.
func (pr *pathRun) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		// The drain is set before the paths' contexts end (Logger.stop).
		if d := pr.lg.draining(); d != nil {
			context.AfterFunc(d.ctx, cancel)
			return
		}
		cancel()
	})
	return rctx, func() { stop(); cancel() }
}

// warn reports err unless it repeats the last warning of the last minute.
func (pr *pathRun) warn(err error) {
	s := fmt.Sprintf("logship: %s: %s: %v", pr.lg.c.Name(), pr.path, err)
	if s == pr.lastWarn && time.Since(pr.lastWarnTime) < time.Minute {
		return
	}
	pr.lastWarn, pr.lastWarnTime = s, time.Now()
	pr.lg.o.Warn(s)
}

// errNoNATS stands for the stream when the logger stops disconnected.
var errNoNATS = errors.New("not connected to NATS")

var errGap = errors.New("a delivery was missed; taking the path up again from the journal")

// crashHook, set only by tests, is called at the two points of a group
// where a crash is the hardest to survive: "written" (the batches are in
// the file and synced, the journal does not say so yet) and "journaled"
// (the journal says so, JetStream has no acknowledgement yet); at every
// step of a rotation ("cut-closed", "cut-journaled", "cut-linked",
// "cut-swapped", "cut-done", "archived": see rotation.go); and at the
// start of a takeover ("takeover"). When it returns true the path's
// writing stops there as if the process had died: no journal, no
// acknowledgement, no #close.
var crashHook func(stage string) bool

// errCrashed is what a group returns after crashHook asked for a crash.
var errCrashed = errors.New("simulated crash")

// tenure writes the path from a takeover until ctx ends (nil) or an error:
//
//  1. open the log file and lock it (flock), waiting while another
//     writer on this host holds it;
//  2. read the newest journal of the file, finish a rotation it shows in
//     progress, hand the rotated files it lists as pending to the
//     policy again, and cut the file to its offset;
//  3. purge the batches up to the journal's stream sequence (they are in
//     the file), and make the path's durable consumer anew, so that it
//     delivers the remaining batches in stream order;
//  4. repeatedly fetch a group of batches, append the new ones, sync the
//     file, record (stream sequence, offset) in the journal, and
//     acknowledge the group; rotate the file when its boundary has
//     passed (rotation.go);
//  5. when ctx ends because the logger stops, drain: write the groups
//     the consumer still has pending, until it has none or the drain's
//     deadline passes (drain);
//  6. when ctx ends, rotate the file (with rotation) or write its #close
//     line (without). Steps 3–5 need NATS, this one does not: when the
//     stream cannot be reached at stop, the file is rotated all the
//     same, from what the file and the journal hold.
func (pr *pathRun) tenure(ctx context.Context) (err error) {
	lg := pr.lg
	if hook("takeover") {
		return errCrashed
	}
	files := lg.o.Log.Files()
	name, err := filepath.Abs(files.Name(pr.path))
	if err != nil {
		return err
	}
	rctx, rcancel := pr.requestContext(ctx)
	defer rcancel()
	f, err := openLocked(rctx, name)
	if err != nil {
		if rctx.Err() != nil {
			return nil
		}
		return err
	}
	out := newOutFile(f, pr.path, 0, &lg.o.Log)
	defer func() { out.f.Close() }()
	st, err := loadJournal(lg.journalDirs(), pr.token, name)
	if err != nil {
		return err
	}
	// Whatever happens from here, the rotated files handed to the
	// policy are waited for, and recorded as done after a clean end
	// (after an error or a crash, st may be ahead of the file; the next
	// takeover finds them done).
	defer func() {
		pr.pp.Wait()
		if err == nil && st.V != 0 {
			err = pr.settle(&st)
		}
	}()
	if st.V != 0 {
		st.Path, st.File, st.Writer = pr.path, name, lg.c.Name()
		if st.Cut != nil {
			if err := pr.finishCut(out, &st, name); err != nil {
				return err
			}
		}
		for _, c := range st.Pending {
			if lg.rot.policy != nil {
				pr.handOver(c, true)
			}
		}
	}
	fi, err := out.f.Stat()
	if err != nil {
		return err
	}
	off := st.Offset
	if st.V == 0 {
		off = 0 // no journal: a new file, as a standalone node starts one
	}
	if off > fi.Size() {
		lg.o.Warn(fmt.Sprintf("logship: %s: %s is shorter (%d bytes) than its journal says (%d): continuing at its end", lg.c.Name(), name, fi.Size(), off))
		off = fi.Size()
	}
	if err := out.f.Truncate(off); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	if _, err := out.f.Seek(off, io.SeekStart); err != nil {
		return err
	}
	st.V, st.Path, st.File, st.Offset, st.Writer = 1, pr.path, name, off, lg.c.Name()
	if st.Nodes == nil {
		st.Nodes = map[string][2]uint64{}
	}
	out.off = off
	if off > 0 {
		out.resume(st.Schema)
		if st.Open == 0 { // a journal from before rotation
			st.Open = lg.o.Log.Now().UnixNano()
		}
	} else {
		st.Open = 0
	}

	// From here the file is as the journal says: when ctx ends without
	// an error of the file, it is rotated or closed, with or without
	// NATS.
	defer func() {
		if ctx.Err() == nil || errors.Is(err, errCrashed) {
			return
		}
		if !lg.rot.on || err != nil {
			out.finish(lg.o.Log.Now())
			return
		}
		// The writer stops: the file rotates as a standalone node's
		// files do at shutdown, and the policy is waited for.
		if cerr := pr.cut(out, &st, name, lg.o.Log.Now(), true); cerr != nil {
			if !errors.Is(cerr, errCrashed) {
				lg.o.Warn(fmt.Sprintf("logship: %s: %s: rotation at stop: %v", lg.c.Name(), pr.path, cerr))
			}
			err = cerr
			return
		}
		pr.pp.Wait()
		if serr := pr.settle(&st); serr != nil {
			err = serr
			return
		}
		// Leave no empty live file behind (a writer of this host that
		// opened it in the meantime sees it gone and opens it anew).
		if fi, ferr := out.f.Stat(); ferr == nil && fi.Size() == 0 {
			if same, _ := sameFile(out.f, name); same {
				os.Remove(name)
			}
		}
	}()

	var cons jetstream.Consumer
	if ctx.Err() != nil && !lg.c.Connected() {
		err = errNoNATS
	} else {
		cons, err = pr.consumer(rctx, st.Seq)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Stopping without the stream: what the file holds is
			// rotated; the stream's batches wait for the next writer.
			if lg.draining() == nil {
				return nil // given up: the new owner reads the stream
			}
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: stopping without reading the stream: %v", lg.c.Name(), pr.path, err))
			return nil
		}
		return err
	}
	lg.takeovers.Add(1)
	fw := &fetcher{pr: pr, cons: cons, out: out, st: &st, name: name}
	for ctx.Err() == nil {
		if err := pr.settle(&st); err != nil {
			return err
		}
		if _, serr, err := fw.step(lg.o.FetchWait); err != nil {
			return err
		} else if serr != nil {
			if ctx.Err() != nil {
				break // stopping: drained below as far as NATS allows
			}
			return serr
		}
	}
	if d := lg.draining(); d != nil {
		return fw.drain(d.ctx)
	}
	return nil
}

// fetcher is the state of a tenure's fetching: the consumer, the file
// and its journal, and the last delivery seen.
type fetcher struct {
	pr           *pathRun
	cons         jetstream.Consumer
	out          *outFile
	st           *journalState
	name         string
	lastDelivery uint64
	msgs         []jetstream.Msg
	metas        []*jetstream.MsgMetadata
}

// step rotates the file if its boundary has passed, fetches one group
// (waiting at most wait, less when a boundary comes sooner) and writes
// it. It returns how many batches were delivered, an error of the
// stream (serr: the file and journal are consistent, nothing of the
// group was written) or an error of the file or journal (err).
func (fw *fetcher) step(wait time.Duration) (n int, serr, err error) {
	pr, lg, out, st := fw.pr, fw.pr.lg, fw.out, fw.st
	if out.started {
		due := lg.rot.due(pr.openOf(st))
		if !due.IsZero() {
			now := lg.o.Log.Now()
			if !now.Before(due) {
				if err := pr.cut(out, st, fw.name, due, false); err != nil {
					return 0, nil, err
				}
			} else if d := due.Sub(now); d < wait {
				wait = d
			}
		}
	}
	mb, ferr := fw.cons.Fetch(lg.o.Fetch, jetstream.FetchMaxWait(max(wait, 20*time.Millisecond)))
	if ferr != nil {
		return 0, fmt.Errorf("fetch: %w", ferr), nil
	}
	fw.msgs, fw.metas = fw.msgs[:0], fw.metas[:0]
	for m := range mb.Messages() {
		fw.msgs = append(fw.msgs, m)
	}
	if ferr := mb.Error(); ferr != nil && len(fw.msgs) == 0 && !errors.Is(ferr, nats.ErrTimeout) {
		return 0, fmt.Errorf("fetch: %w", ferr), nil
	}
	if len(fw.msgs) == 0 {
		return 0, nil, nil
	}
	// Every delivery of this consumer must reach us in order: a missed
	// one (a reply lost in a timed-out fetch) would be delivered again
	// later, out of order, and could be taken for a repeat.
	for _, m := range fw.msgs {
		md, merr := m.Metadata()
		if merr != nil {
			return 0, fmt.Errorf("batch metadata: %w", merr), nil
		}
		if md.Sequence.Consumer != fw.lastDelivery+1 {
			return 0, errGap, nil
		}
		fw.lastDelivery = md.Sequence.Consumer
		fw.metas = append(fw.metas, md)
	}
	// A boundary passed during the fetch: rotate before writing.
	if out.started {
		if due := lg.rot.due(pr.openOf(st)); !due.IsZero() && !lg.o.Log.Now().Before(due) {
			if err := pr.cut(out, st, fw.name, due, false); err != nil {
				return 0, nil, err
			}
		}
	}
	if err := pr.group(out, st, fw.msgs, fw.metas); err != nil {
		return 0, nil, err
	}
	return len(fw.msgs), nil, nil
}

// drain writes the groups the consumer still has pending when the
// logger stops, until it has none or ctx (the drain's deadline) ends.
// Only errors of the file or journal are returned: when the stream
// cannot be read, or time runs out, what is left stays in the stream
// for the path's next writer (with a warning).
func (fw *fetcher) drain(ctx context.Context) error {
	pr, lg := fw.pr, fw.pr.lg
	var pending uint64
	for {
		if !lg.c.Connected() {
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: stopping without draining the stream: %v", lg.c.Name(), pr.path, errNoNATS))
			return nil
		}
		if ctx.Err() != nil {
			left := "some batches"
			if pending > 0 {
				left = fmt.Sprintf("%d batches", pending)
			}
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: stopping with %s not yet written (drain timeout %v): the path's next writer writes them", lg.c.Name(), pr.path, left, lg.o.DrainTimeout))
			return nil
		}
		ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
		info, ierr := fw.cons.Info(ictx)
		cancel()
		if ierr != nil {
			if ctx.Err() != nil {
				continue
			}
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: stopping without draining the stream: %v", lg.c.Name(), pr.path, ierr))
			return nil
		}
		if pending = info.NumPending; pending == 0 {
			return nil
		}
		if err := pr.settle(fw.st); err != nil {
			return err
		}
		wait := lg.o.FetchWait
		if dl, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(dl))
		}
		if _, serr, err := fw.step(wait); err != nil {
			return err
		} else if serr != nil {
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: stopping with %d batches not yet written: %v", lg.c.Name(), pr.path, pending, serr))
			return nil
		}
	}
}

// group writes one group of batches, syncs, journals and acknowledges.
func (pr *pathRun) group(out *outFile, st *journalState, msgs []jetstream.Msg, metas []*jetstream.MsgMetadata) error {
	lg := pr.lg
	buf := out.buf[:0]
	var batches, records, repeats, corrupt uint64
	now := lg.o.Log.Now()
	advanced := false
	wasStarted := out.started
	for i, m := range msgs {
		seq := metas[i].Sequence.Stream
		if seq <= st.Seq {
			repeats++
			continue
		}
		st.Seq, advanced = seq, true
		b, err := parseBatch(m.Data())
		if err == nil && b.Path != pr.path {
			err = fmt.Errorf("batch of path %q on the subject of %q", b.Path, pr.path)
		}
		if err != nil {
			corrupt++
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: batch %d skipped: %v", lg.c.Name(), pr.path, seq, err))
			continue
		}
		key := [2]uint64{b.Epoch, b.Seq}
		if cur, ok := st.Nodes[b.Node]; ok && !newer(key, cur) {
			repeats++
			continue
		}
		nb, err := out.appendBatch(buf, &b, now)
		if err != nil {
			corrupt++
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: batch %s skipped: %v", lg.c.Name(), pr.path, b.msgID(), err))
			continue
		}
		buf = nb
		st.Nodes[b.Node] = key
		batches++
		records += uint64(b.Count)
	}
	out.buf = buf
	if len(buf) > 0 {
		if err := out.commit(buf); err != nil {
			return err
		}
	}
	if hook("written") {
		return errCrashed
	}
	if !wasStarted && out.started {
		st.Open = lg.rot.openTime(now).UnixNano()
	}
	if advanced {
		st.Offset = out.off
		st.Schema = out.fileSchema
		if err := saveJournal(lg.o.JournalDir, pr.token, st); err != nil {
			return err
		}
	}
	if hook("journaled") {
		return errCrashed
	}
	for _, m := range msgs {
		m.Ack() // a lost ack means a repeat, which is skipped
	}
	lg.batches.Add(batches)
	lg.records.Add(records)
	lg.repeats.Add(repeats)
	lg.corrupt.Add(corrupt)
	return nil
}

// consumer purges the path's batches up to seq and makes its durable
// consumer anew.
func (pr *pathRun) consumer(ctx context.Context, seq uint64) (jetstream.Consumer, error) {
	lg := pr.lg
	js := lg.c.JetStream()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	filter := lg.prefix + pr.token + ".*"
	stream, err := js.Stream(cctx, lg.strm)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", lg.strm, err)
	}
	if seq > 0 {
		if err := stream.Purge(cctx, jetstream.WithPurgeSubject(filter), jetstream.WithPurgeSequence(seq+1)); err != nil {
			return nil, fmt.Errorf("purge written batches: %w", err)
		}
	}
	durable := "log_" + pr.token
	if err := js.DeleteConsumer(cctx, lg.strm, durable); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("reset consumer %s: %w", durable, err)
	}
	cons, err := js.CreateConsumer(cctx, lg.strm, jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   "Heron logger of " + pr.path,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       lg.o.AckWait,
		MaxAckPending: 4 * lg.o.Fetch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxDeliver:    -1,
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", durable, err)
	}
	return cons, nil
}

// openLocked opens (creating) the log file and takes an exclusive flock
// on it, polling while another writer holds it.
func openLocked(ctx context.Context, name string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return nil, fmt.Errorf("create log directory: %w", err)
	}
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			// The holder may have rotated the file away meanwhile: the
			// lock counts only while the name is still this file.
			same, serr := sameFile(f, name)
			if serr != nil {
				f.Close()
				return nil, fmt.Errorf("lock %s: %w", name, serr)
			}
			if same {
				return f, nil
			}
			f.Close()
			if f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
				return nil, err
			}
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// outFile is a log file being appended to.
type outFile struct {
	f      *os.File
	path   string
	off    int64
	format logging.Format
	gzip   int
	ascii  bool

	started    bool   // the header is in the file (or the file is resumed)
	fileSchema []byte // the schema section the header was written with
	fileRT     *recType

	slots map[*recType]*slot
	convs map[*recType]*converter
	buf   []byte
	gz    bytes.Buffer
	gzw   *gzip.Writer
}

func newOutFile(f *os.File, path string, off int64, cfg *logging.Config) *outFile {
	return &outFile{
		f: f, path: path, off: off, format: cfg.Format(), gzip: cfg.GzipLevel, ascii: !cfg.UseJSON,
		slots: map[*recType]*slot{}, convs: map[*recType]*converter{},
	}
}

// resume marks a file that already has its header, written with the
// schema section sec.
func (o *outFile) resume(sec []byte) {
	o.started = true
	if cols, _, err := parseSchema(sec); err == nil {
		if rt, err := recTypeFor(sec, cols); err == nil {
			o.fileSchema, o.fileRT = append([]byte(nil), sec...), rt
		}
	}
}

// appendBatch appends the encoded records of b (after the header, for a
// new file) to dst. On error dst is returned unchanged, as is o.
func (o *outFile) appendBatch(dst []byte, b *batch, now time.Time) ([]byte, error) {
	rt, err := recTypeFor(b.Schema, b.Cols)
	if err != nil {
		return dst, err
	}
	mark := len(dst)
	started, fileSchema, fileRT := o.started, o.fileSchema, o.fileRT
	if !o.started || o.fileRT == nil {
		if !o.started {
			dst = o.format.AppendHeader(dst, o.path, rt.view.Columns(), now)
		}
		o.started, o.fileSchema, o.fileRT = true, append([]byte(nil), b.Schema...), rt
	}
	s := o.slots[rt]
	if s == nil {
		s = rt.newSlot()
		o.slots[rt] = s
	}
	var conv *converter
	if o.ascii && rt != o.fileRT {
		if conv = o.convs[rt]; conv == nil {
			conv = newConverter(rt, o.fileRT)
			o.convs[rt] = conv
		}
	}
	r := reader{b: b.Records}
	for i := 0; i < b.Count; i++ {
		if err := s.decode(&r); err != nil {
			o.started, o.fileSchema, o.fileRT = started, fileSchema, fileRT
			return dst[:mark], fmt.Errorf("record %d: %w", i, err)
		}
		if conv != nil {
			dst = o.format.AppendRecord(dst, o.fileRT.view, conv.convert(s))
		} else {
			dst = o.format.AppendRecord(dst, rt.view, s.rec)
		}
	}
	if len(r.b) != 0 {
		o.started, o.fileSchema, o.fileRT = started, fileSchema, fileRT
		return dst[:mark], fmt.Errorf("%d bytes after the last record", len(r.b))
	}
	return dst, nil
}

// commit appends p (as one gzip member when compressing) and syncs.
func (o *outFile) commit(p []byte) error {
	if o.gzip > 0 {
		o.gz.Reset()
		if o.gzw == nil {
			w, err := gzip.NewWriterLevel(&o.gz, o.gzip)
			if err != nil {
				return err
			}
			o.gzw = w
		} else {
			o.gzw.Reset(&o.gz)
		}
		o.gzw.Write(p)
		if err := o.gzw.Close(); err != nil {
			return err
		}
		p = o.gz.Bytes()
	}
	if _, err := o.f.Write(p); err != nil {
		return fmt.Errorf("write %s: %w", o.f.Name(), err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", o.f.Name(), err)
	}
	o.off += int64(len(p))
	return nil
}

// openOf returns the start of the live file's interval, in the clock's
// location.
func (pr *pathRun) openOf(st *journalState) time.Time {
	return unixTime(st.Open, pr.lg.o.Log.Now().Location())
}

// reset makes o a new file without header (after a rotation).
func (o *outFile) reset() {
	o.off, o.started, o.fileSchema, o.fileRT = 0, false, nil, nil
}

// finish writes the footer (#close) of a file with a header. It is not
// journaled: a writer that takes the file up again cuts it off.
func (o *outFile) finish(now time.Time) {
	if !o.started {
		return
	}
	if p := o.format.AppendFooter(nil, now); len(p) > 0 {
		o.commit(p)
	}
}

// converter copies the columns of one record type into another by name,
// for an ASCII file whose header has other columns than a batch:
// columns the file lacks are dropped, those the batch lacks are unset.
type converter struct {
	dst  *slot
	from []int // per file column, the batch column or -1
}

func newConverter(src, dst *recType) *converter {
	c := &converter{dst: dst.newSlot(), from: make([]int, len(dst.cols))}
	for j, dc := range dst.cols {
		c.from[j] = -1
		for i, sc := range src.cols {
			if sc.Name == dc.Name && sc.Type == dc.Type && sc.Seconds == dc.Seconds {
				c.from[j] = i
				break
			}
		}
	}
	return c
}

func (c *converter) convert(s *slot) schema.Record {
	dv, sv := c.dst.ptr.Elem(), s.ptr.Elem()
	for j, i := range c.from {
		if i < 0 {
			dv.Field(j).SetZero()
			continue
		}
		dv.Field(j).Set(sv.Field(i))
	}
	return c.dst.rec
}
