package ftp

import (
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// expectTimeout is how long a data connection is expected
// (Analyzer::schedule_analyzer's 5 mins) and how long an entry of the
// expected table lives unread (&read_expire=5mins).
const expectTimeout = 5 * zeek.Minute

// sweepEvery is how often the expected table drops expired entries when
// it has grown (Zeek expires table entries in the background).
const sweepEvery = 10 * zeek.Second

// expectKey is a data channel's responder address and port.
type expectKey struct {
	h [16]byte
	p uint16
}

func keyOf(a zeek.Addr, port uint16) expectKey { return expectKey{a.As16(), port} }

// expected is an entry of the expected table: the control session the
// data channel belongs to.
type expected struct {
	s    *session
	last zeek.Time // last access, for the read expiry
}

// threadState is what base/protocols/ftp keeps in globals, per analysis
// thread: the expected data channels (ftp_data_expected) and a MIME
// sniffer for the data connections' file_transferred.
type threadState struct {
	table     map[expectKey]*expected
	lastSweep zeek.Time
	sniffer   *files.Sniffer
}

func newThreadState() *threadState {
	return &threadState{table: map[expectKey]*expected{}}
}

func (t *threadState) size() int { return len(t.table) }

// lookup returns the session expecting a data connection to h:p, or nil
// (an access: it renews the entry's expiry).
func (t *threadState) lookup(h zeek.Addr, p uint16, now zeek.Time) *session {
	k := keyOf(h, p)
	e := t.table[k]
	if e == nil {
		return nil
	}
	if now.Sub(e.last) > expectTimeout {
		delete(t.table, k)
		return nil
	}
	e.last = now
	return e.s
}

// expect records a data channel; false when the table is full
// (FTP::max_expected_data_channels) and the channel is new.
func (t *threadState) expect(h zeek.Addr, p uint16, s *session, now zeek.Time) bool {
	k := keyOf(h, p)
	if len(t.table) > 1024 && now.Sub(t.lastSweep) >= sweepEvery {
		t.sweep(now)
	}
	if _, ok := t.table[k]; !ok && opts.maxExpectedDataChannels > 0 && uint64(len(t.table)) >= opts.maxExpectedDataChannels {
		return false
	}
	t.table[k] = &expected{s: s, last: now}
	return true
}

// remove drops a data channel (finalize_ftp_data).
func (t *threadState) remove(h zeek.Addr, p uint16) { delete(t.table, keyOf(h, p)) }

// sweep drops the expired entries.
func (t *threadState) sweep(now zeek.Time) {
	t.lastSweep = now
	for k, e := range t.table {
		if now.Sub(e.last) > expectTimeout {
			delete(t.table, k)
		}
	}
}

// identifySize is how much of a data connection Zeek's file analyzer
// looks at to name the type of what it carries (file_transferred).
const identifySize = 1024

// Data is the FTP_DATA analyzer of an expected data connection (Zeek's
// FTP_Data file analyzer with base/protocols/ftp/files.zeek): it hands
// each direction's bytes to the files framework as one file and reports
// the transfer's MIME type to the control session.
type Data struct {
	h        host
	fm       *files.Manager
	fconn    files.Conn
	buf      [identifySize]byte
	n        int
	xfer     [2]*files.Transfer // by direction: [1] originator
	fileSess [2]*session        // f$ftp of each direction's file
	expected bool               // the connection was expected (ftp-data)
	done     bool
}

var (
	_ analyzer.Analyzer = (*Data)(nil)
	_ files.Observer    = (*dataObserver)(nil)
)

func newDataAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newData(newHandleHost(h)) }

// newData makes the analyzer; a connection that the expected table
// names gets the service ftp-data (scheduled_analyzer_applied).
func newData(h host) *Data {
	d := &Data{h: h, fm: h.Files()}
	id := h.ConnID()
	if h.thread().lookup(id.RespH, id.RespP.Num, h.Now()) != nil {
		d.expected = true
		h.addService("ftp-data")
	}
	if d.fm != nil {
		d.fconn = files.Conn{UID: h.UID(), ID: id}
	}
	return d
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// DeliverStream implements analyzer.Analyzer.
func (d *Data) DeliverStream(data []byte, orig bool) {
	if d.done {
		return
	}
	if d.n < identifySize {
		k := copy(d.buf[d.n:], data)
		d.n += k
		if d.n == identifySize {
			d.identify()
		}
	}
	if t := d.transfer(orig); t != nil {
		t.Data(data)
	}
}

// Undelivered implements analyzer.Analyzer: a gap in the file.
func (d *Data) Undelivered(seq uint64, n int, orig bool) {
	if d.done || n <= 0 {
		return
	}
	if t := d.transfer(orig); t != nil {
		off := uint64(0)
		if seq > 0 {
			off = seq - 1
		}
		t.Gap(off, uint64(n))
	}
}

// DeliverPacket implements analyzer.Analyzer (FTP data is TCP).
func (d *Data) DeliverPacket([]byte, bool) {}

// EndOfData implements analyzer.Analyzer.
func (d *Data) EndOfData(bool) {}

// Done implements analyzer.Analyzer: the type of a short transfer is
// reported now, the files end, and the connection leaves the expected
// table (finalize_ftp_data).
func (d *Data) Done() {
	if d.done {
		return
	}
	d.done = true
	if d.n > 0 && d.n != identifySize {
		d.identify()
	}
	for i, t := range d.xfer {
		if t != nil {
			t.End()
			d.xfer[i] = nil
		}
	}
	if d.expected {
		id := d.h.ConnID()
		d.h.thread().remove(id.RespH, id.RespP.Num)
	}
}

// identify is Zeek's File_Analyzer::Identify with main.zeek's
// file_transferred handler: the type of the first bytes, up to a ";",
// becomes the session's mime_type ("<unknown>" when nothing matches).
func (d *Data) identify() {
	id := d.h.ConnID()
	t := d.h.thread()
	s := t.lookup(id.RespH, id.RespP.Num, d.h.Now())
	if s == nil {
		return
	}
	if t.sniffer == nil {
		t.sniffer = files.NewSniffer()
	}
	mime := t.sniffer.Detect(d.buf[:d.n])
	if mime == "" {
		mime = "<unknown>"
	}
	if i := strings.IndexByte(mime, ';'); i >= 0 {
		mime = mime[:i]
	}
	s.mimeType = zeek.Some(mime)
}

// transfer returns the file of a direction, opening it when the
// connection is an expected data channel (FTP::get_file_handle returns
// no handle otherwise, and no file is made).
func (d *Data) transfer(orig bool) *files.Transfer {
	i := dir(orig)
	if d.xfer[i] != nil || d.fm == nil {
		return d.xfer[i]
	}
	id := d.h.ConnID()
	if d.h.thread().lookup(id.RespH, id.RespP.Num, d.h.Now()) == nil {
		return nil
	}
	handle := "FTP_DATA|" + strconv.FormatInt(int64(d.h.StartTime()), 10) + "|" + d.h.UID() + "|" + strconv.FormatBool(orig)
	d.xfer[i] = d.fm.Open(files.Spec{
		Handle: handle, Source: "FTP_DATA", Conn: &d.fconn, IsOrig: orig,
		Observer: &dataObserver{d: d, orig: orig},
	})
	return d.xfer[i]
}

// dataObserver hears about one direction's file (files.zeek's
// file_over_new_connection and file_sniff handlers).
type dataObserver struct {
	d    *Data
	orig bool
}

// FileOverConn implements files.Observer: the file's id goes to the
// control session (ftp$fuid), which becomes the file's f$ftp.
func (o *dataObserver) FileOverConn(f *files.File) {
	d := o.d
	id := d.h.ConnID()
	s := d.h.thread().lookup(id.RespH, id.RespP.Num, d.h.Now())
	if s == nil {
		return
	}
	s.fuid = zeek.Some(f.ID())
	d.fileSess[dir(o.orig)] = s
}

// FileSniffed implements files.Observer: the sniffed type goes to the
// file's session.
func (o *dataObserver) FileSniffed(f *files.File, mime string) {
	if s := o.d.fileSess[dir(o.orig)]; s != nil && mime != "" {
		s.mimeType = zeek.Some(mime)
	}
}
