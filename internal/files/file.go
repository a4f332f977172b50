package files

import (
	"slices"
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Conn identifies the connection a file travels over.
type Conn struct {
	// UID is the connection's uid ("C…").
	UID string
	// ID holds its endpoints, as logs show them.
	ID zeek.ConnID
}

// Observer receives a protocol analyzer's file events for one
// connection. Both methods run synchronously inside the File or Manager
// call that caused them; they may call the file's setters.
type Observer interface {
	// FileOverConn reports that the file has been seen on the
	// observer's connection for the first time (Zeek's
	// file_over_new_connection).
	FileOverConn(f *File)
	// FileSniffed reports the file's MIME type, "" when no rule matched
	// (Zeek's file_sniff). Only the observer of the connection the file
	// was seen on last hears it.
	FileSniffed(f *File, mime string)
}

// Spec says which file Open returns and how it relates to a connection.
type Spec struct {
	// Handle identifies the file for its source (Zeek's file handle); the
	// fuid is a keyed hash of it. Empty: a new file with a fresh fuid.
	Handle string
	// ID is the fuid itself, when the caller has it (it wins over
	// Handle).
	ID string
	// Source is files.log's source ("HTTP", "SSL", …).
	Source string
	// Conn is the connection the file is seen on; nil for none.
	Conn *Conn
	// IsOrig says whether the originator sends the file.
	IsOrig bool
	// MIME is the file's type when the caller knows it (Zeek's mime_type
	// argument of DataIn); it counts only before the first data.
	MIME string
	// Observer gets the file's events for Conn; nil for none.
	Observer Observer
}

type fileConn struct {
	conn Conn
	obs  Observer
}

type attached struct {
	info      *AnalyzerInfo
	a         Analyzer
	gotStream bool
	skip      bool
	removed   bool
}

// File is one file under analysis (Zeek's file_analysis::File), as
// per-file analyzers and observers see it. Protocol analyzers feed files
// through the Transfer that Manager.Open returns.
type File struct {
	m    *Manager
	id   string
	spec Spec // how the file was first opened

	done     bool
	ending   bool
	info     Info
	conns    []fileConn
	lastConn int // index in conns of the connection seen last

	lastActive zeek.Time
	deadline   zeek.Time // inactivity timer
	heapIdx    int

	streamOffset uint64
	seen         uint64
	missing      uint64
	overflow     uint64
	total        zeek.Opt[uint64]

	bof      []byte
	bofFull  bool
	didSniff bool
	mime     string

	reasm        *reassembler
	reasmEnabled bool
	reasmMax     uint64

	analyzers []*attached
	pending   []*attached // added while delivering
	depth     int         // > 0 while delivering to analyzers
}

// ID returns the fuid.
func (f *File) ID() string { return f.id }

// Source returns the file's source ("HTTP", …).
func (f *File) Source() string { return f.spec.Source }

// IsOrig reports whether the originator of the file's first connection
// sends it.
func (f *File) IsOrig() bool { return f.spec.IsOrig }

// MIME returns the file's MIME type: given (Spec.MIME, Transfer.SetMIME)
// or sniffed; "" before sniffing or when nothing matched.
func (f *File) MIME() string { return f.mime }

// Info returns the file's files.log record, for per-file analyzers that
// add fields; it is written when the file ends.
func (f *File) Info() *Info { return &f.info }

// Ended reports whether the file has ended (and was logged).
func (f *File) Ended() bool { return f.done }

// SeenBytes returns the bytes delivered in order so far.
func (f *File) SeenBytes() uint64 { return f.seen }

// Offset returns the stream offset: the bytes delivered in order plus
// the gaps.
func (f *File) Offset() uint64 { return f.streamOffset }

// SetFilename sets files.log's filename.
func (f *File) SetFilename(name string) {
	if !f.done {
		f.info.Filename = zeek.Some(name)
	}
}

// SetDepth sets files.log's depth.
func (f *File) SetDepth(d uint64) {
	if !f.done {
		f.info.Depth = d
	}
}

// SetParent sets files.log's parent_fuid.
func (f *File) SetParent(fuid string) {
	if !f.done {
		f.info.ParentFUID = zeek.Some(fuid)
	}
}

// Transfer is a protocol analyzer's handle on a file it carries over one
// connection, returned by Manager.Open. It stays valid after the file
// ended: Data and DataAt then open a new file with the same fuid (Zeek
// looks files up by fuid on every call), End, SetTotal and SetMIME do
// nothing.
type Transfer struct {
	f    *File
	spec Spec
}

// File returns the file the transfer feeds now.
func (t *Transfer) File() *File { return t.f }

// ID returns the fuid.
func (t *Transfer) ID() string { return t.f.id }

// live returns the file the transfer stands for: after the file ended,
// with reopen, the live file with its fuid or a new one.
func (t *Transfer) live(reopen bool) *File {
	f := t.f
	if !f.done || !reopen {
		return f
	}
	spec := t.spec
	spec.ID, spec.Handle, spec.MIME = f.id, "", ""
	t.f = f.m.get(spec)
	return t.f
}

// Data delivers the next bytes at the file's stream offset (Zeek's
// sequential DataIn). data is borrowed.
func (t *Transfer) Data(data []byte) {
	f := t.live(true)
	f.m.touch(f)
	f.dataIn(data, f.streamOffset)
	f.m.checkComplete(f)
}

// DataAt delivers bytes at an absolute offset (Zeek's DataIn with an
// offset); out-of-order bytes wait in the reassembly buffer. data is
// borrowed.
func (t *Transfer) DataAt(data []byte, offset uint64) {
	f := t.live(true)
	f.m.touch(f)
	f.m.seenOn(f, t.spec.Conn, t.spec.Observer)
	f.dataIn(data, offset)
	f.m.checkComplete(f)
}

// Gap declares n bytes at offset that will never arrive.
func (t *Transfer) Gap(offset, n uint64) {
	f := t.live(true)
	f.m.touch(f)
	f.m.seenOn(f, t.spec.Conn, t.spec.Observer)
	f.gap(offset, n)
	f.drain()
}

// SetTotal sets the file's total size (total_bytes); a file whose stream
// offset reaches it ends.
func (t *Transfer) SetTotal(n uint64) {
	f := t.live(true)
	f.m.touch(f)
	f.m.seenOn(f, t.spec.Conn, t.spec.Observer)
	f.total = zeek.Some(n)
	f.m.checkComplete(f)
}

// SetMIME sets the MIME type when no data has been delivered yet (Zeek's
// File::SetMime) and reports whether it took effect. The type counts as
// sniffed: observers hear it and analyzers registered for it are added.
func (t *Transfer) SetMIME(mime string) bool { return t.f.setMIME(mime) }

func (f *File) setMIME(mime string) bool {
	if f.done || mime == "" || len(f.bof) != 0 || f.didSniff {
		return false
	}
	f.didSniff = true
	f.bofFull = true
	f.sniffed(mime)
	f.drain()
	return true
}

// End ends the file: held data is flushed, analyzers see EndOfFile and
// the file is logged. Ending an ended file does nothing.
func (t *Transfer) End() {
	if !t.f.done {
		t.f.m.remove(t.f)
	}
}

// AddAnalyzer attaches the registered per-file analyzer name with args
// (Zeek's Files::add_analyzer): its name joins files.log's analyzers
// even if it cannot be created. It reports false for an unknown name or
// an ended file; adding an analyzer that is already attached does
// nothing more.
func (f *File) AddAnalyzer(name string, args Args) bool {
	g := f
	info := LookupAnalyzer(name)
	if g.done || info == nil {
		return false
	}
	if !slices.Contains(g.info.Analyzers, info.Name) {
		g.info.Analyzers = append(g.info.Analyzers, info.Name)
	}
	for _, list := range [2][]*attached{g.analyzers, g.pending} {
		for _, a := range list {
			if a.info == info && !a.removed {
				return true
			}
		}
	}
	a := info.New(g, args)
	if a == nil {
		return true
	}
	at := &attached{info: info, a: a}
	if g.depth > 0 {
		g.pending = append(g.pending, at)
	} else {
		g.analyzers = append(g.analyzers, at)
	}
	return true
}

// drain admits analyzers added during a delivery and drops removed ones
// (Zeek's AnalyzerSet::DrainModifications).
func (f *File) drain() {
	if f.depth > 0 {
		return
	}
	if len(f.pending) > 0 {
		f.analyzers = append(f.analyzers, f.pending...)
		clear(f.pending)
		f.pending = f.pending[:0]
	}
	f.analyzers = slices.DeleteFunc(f.analyzers, func(a *attached) bool { return a.removed })
}

func (f *File) each(fn func(a *attached)) {
	f.depth++
	for _, a := range f.analyzers {
		if !a.removed {
			fn(a)
		}
	}
	f.depth--
}

// dataIn is File::DeliverChunk.
func (f *File) dataIn(data []byte, offset uint64) {
	f.drain()
	if max := ^uint64(0) - offset; uint64(len(data)) > max {
		f.m.weird(f, "file_offset_overflow", "offset="+strconv.FormatUint(offset, 16)+" len="+strconv.FormatUint(uint64(len(data)), 16))
		data = data[:max]
	}
	switch {
	case f.reasm != nil:
		if f.reasmMax > 0 && f.reasmMax < f.reasm.size {
			f.overflow += f.reasm.flush()
		}
		f.reasm.newBlock(offset, data)
	case f.streamOffset == offset:
		f.deliverStream(data)
	case f.reasmEnabled:
		f.reasm = newReassembler(f, f.streamOffset)
		f.reasm.newBlock(offset, data)
	default:
		f.overflow += uint64(len(data))
	}
	f.each(func(a *attached) {
		if !a.skip && !a.a.DeliverChunk(data, offset) {
			a.skip, a.removed = true, true
		}
	})
	f.drain()
}

// complete reports whether the stream offset reached the total size.
func (f *File) complete() bool { return f.total.Set && f.streamOffset >= f.total.V }

// deliverStream is File::DeliverStream: in-order bytes to the sniffing
// buffer and the stream analyzers.
func (f *File) deliverStream(data []byte) {
	bofWasFull := f.bofFull
	prior := len(f.bof)
	if !f.bofFull {
		want := f.m.cfg.BOFBufferSize
		if prior+len(data) < want {
			f.bof = append(f.bof, data...)
		} else {
			f.bof = append(f.bof, data[:max(0, want-prior)]...)
			f.bofFull = true
		}
	}
	if !f.didSniff && f.bofFull && f.missing == 0 {
		f.inferMetadata()
	}
	// Catch-up: analyzers that join now get the buffered beginning first.
	var behind []byte
	if bofWasFull {
		behind = f.bof
	} else {
		behind = f.bof[:prior]
	}
	f.each(func(a *attached) {
		if !a.gotStream {
			if len(behind) > 0 && !a.skip && !a.a.DeliverStream(behind) {
				a.skip, a.removed = true, true
			}
			a.gotStream = true
		}
		if !a.skip && !a.a.DeliverStream(data) {
			a.skip, a.removed = true, true
		}
	})
	if f.bofFull && f.didSniff {
		// The beginning has served its purpose; later analyzers start
		// with the current data.
		f.bof = nil
	}
	f.streamOffset += uint64(len(data))
	f.seen += uint64(len(data))
}

// inferMetadata sniffs the MIME type from the buffered beginning.
func (f *File) inferMetadata() {
	f.didSniff = true
	if len(f.bof) == 0 {
		return
	}
	data := f.bof
	if n := f.m.cfg.BOFBufferSize; len(data) > n {
		data = data[:n]
	}
	f.sniffed(f.m.detectMIME(data))
}

// sniffed is Zeek's file_sniff: the framework's handler, then the
// observer's.
func (f *File) sniffed(mime string) {
	if mime != "" {
		f.mime = mime
		f.info.MIMEType = zeek.Some(mime)
		if f.m.cfg.AnalyzeByMIME {
			for _, info := range f.m.mimeAnalyzers[mime] {
				f.AddAnalyzer(info.Name, Args{})
			}
		}
	}
	if len(f.conns) > 0 {
		if obs := f.conns[f.lastConn].obs; obs != nil {
			obs.FileSniffed(f, mime)
		}
	}
	f.drain()
}

// gap is File::Gap.
func (f *File) gap(offset, n uint64) {
	if f.reasm != nil && !f.reasm.flushing {
		f.reasm.flushTo(offset + n)
		return
	}
	if !f.bofFull {
		f.bofFull = true
		f.deliverStream(nil)
	}
	f.each(func(a *attached) {
		if !a.a.Undelivered(offset, n) {
			a.removed = true
		}
	})
	f.drain()
	f.streamOffset += n
	f.missing += n
}

// endOfFile is File::EndOfFile, up to the logging.
func (f *File) endOfFile() {
	if f.done || f.ending {
		return
	}
	f.ending = true
	if f.reasm != nil {
		f.reasm.flush()
	}
	if !f.bofFull {
		f.bofFull = true
		f.deliverStream(nil)
	}
	f.drain()
	f.done = true
	f.each(func(a *attached) {
		if !a.a.EndOfFile() {
			a.removed = true
		}
	})
	f.drain()
	f.reasm = nil
	f.bof = nil
}

// addConn records a connection the file is seen on and reports whether
// it is new.
func (f *File) addConn(c *Conn, obs Observer) bool {
	for i := range f.conns {
		if f.conns[i].conn.ID == c.ID {
			return false
		}
	}
	f.conns = append(f.conns, fileConn{conn: *c, obs: obs})
	f.lastConn = len(f.conns) - 1
	return true
}
