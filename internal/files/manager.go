package files

import (
	"container/heap"
	"net/netip"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Config holds the framework's options, with Zeek's names in the docs.
type Config struct {
	// Key hashes file handles into fuids; every Manager of a process
	// must share it (NewKey).
	Key Key
	// BOFBufferSize is default_file_bof_buffer_size: the bytes sniffed.
	BOFBufferSize int
	// Timeout is default_file_timeout_interval: a file idle this long
	// ends with timedout=T.
	Timeout zeek.Interval
	// EnableReassembler is Files::enable_reassembler.
	EnableReassembler bool
	// ReassemblyBufferSize is Files::reassembly_buffer_size.
	ReassemblyBufferSize uint64
	// AnalyzeByMIME is Files::analyze_by_mime_type_automatically.
	AnalyzeByMIME bool
	// MaxFiles bounds the open files of one Manager (Heron's own bound):
	// opening one more times out the file idle the longest. 0: no bound.
	MaxFiles int

	// HashAll adds MD5, SHA1 and SHA256 to every new file
	// (policy/frameworks/files/hash-all-files).
	HashAll bool
	// ExtractAll adds EXTRACT to every new file
	// (policy/frameworks/files/extract-all-files).
	ExtractAll bool
	// ExtractDir is FileExtract::prefix, the extraction directory.
	ExtractDir string
	// ExtractLimit is FileExtract::default_limit (0: no limit).
	ExtractLimit uint64
	// ExtractLimitIncludesMissing is
	// FileExtract::default_limit_includes_missing.
	ExtractLimitIncludesMissing bool

	// Loaded reports whether a Zeek script is loaded (for analyzers
	// registered with a Script); nil: none is.
	Loaded func(script string) bool
	// IsLocal is Site::is_local_addr; HaveLocalNets says whether
	// Site::local_nets is not empty (files.log's local_orig is set only
	// then).
	IsLocal       func(netip.Addr) bool
	HaveLocalNets bool

	// Log receives the files.log records; nil: no files.log. The record
	// is the callee's (build each afresh).
	Log func(*Info)
	// Weird reports a weird about a file (Zeek's file_weird): its name,
	// additional text and source.
	Weird func(name, addl, source string)
	// Sniffer detects MIME types; nil: the Manager makes its own. A
	// Sniffer keeps the matching automaton it builds as it goes, so
	// Managers of one goroutine may share one.
	Sniffer *Sniffer
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		BOFBufferSize:               4096,
		Timeout:                     2 * 60 * zeek.Second,
		EnableReassembler:           true,
		ReassemblyBufferSize:        524288,
		AnalyzeByMIME:               true,
		MaxFiles:                    1 << 16,
		ExtractDir:                  "extract_files",
		ExtractLimit:                104857600,
		ExtractLimitIncludesMissing: true,
	}
}

// Manager is the file analysis framework of one analysis thread (Zeek's
// file_mgr). It is not safe for concurrent use.
type Manager struct {
	// Created counts the files seen since the manager started.
	Created uint64

	cfg           Config
	files         map[string]*File
	now           zeek.Time
	timers        fileHeap
	sniff         *Sniffer
	mimeAnalyzers map[string][]*AnalyzerInfo
	hidden        []*AnalyzerInfo
	fresh         uint64
	terminating   bool
}

// NewManager returns a Manager.
func NewManager(cfg Config) *Manager {
	if cfg.BOFBufferSize <= 0 {
		cfg.BOFBufferSize = 4096
	}
	m := &Manager{cfg: cfg, files: map[string]*File{}, mimeAnalyzers: map[string][]*AnalyzerInfo{}, sniff: cfg.Sniffer}
	for _, info := range RegisteredAnalyzers() {
		if info.Script != "" && (cfg.Loaded == nil || !cfg.Loaded(info.Script)) {
			continue
		}
		for _, t := range info.MIMETypes {
			m.mimeAnalyzers[t] = append(m.mimeAnalyzers[t], info)
		}
		if info.HideFromLog != nil {
			m.hidden = append(m.hidden, info)
		}
	}
	return m
}

// FUID returns the fuid of a file handle (Zeek's HashHandle).
func (m *Manager) FUID(handle string) string { return FUID(m.cfg.Key, handle) }

// Now returns the Manager's network time.
func (m *Manager) Now() zeek.Time { return m.now }

// Open returns a Transfer for the file spec names, creating the file if
// it is not open (Zeek's file_new, then file_over_new_connection), and
// ties it to spec.Conn (file_over_new_connection when the connection is
// new to the file).
func (m *Manager) Open(spec Spec) *Transfer {
	if spec.ID == "" {
		if spec.Handle != "" {
			spec.ID = m.FUID(spec.Handle)
		} else {
			m.fresh++
			spec.ID = m.FUID("\x00fresh\x00" + strconv.FormatUint(m.fresh, 10))
		}
	}
	f := m.get(spec)
	if spec.MIME != "" {
		f.setMIME(spec.MIME)
	}
	s := spec
	s.MIME = ""
	return &Transfer{f: f, spec: s}
}

// Lookup returns the open file of a fuid, or nil.
func (m *Manager) Lookup(fuid string) *File { return m.files[fuid] }

// EndByID ends the open file of a fuid, if there is one (Zeek's
// EndOfFile by file id).
func (m *Manager) EndByID(fuid string) {
	if f := m.files[fuid]; f != nil {
		m.remove(f)
	}
}

// Files returns the number of open files.
func (m *Manager) Files() int { return len(m.files) }

// get is Zeek's GetFile: the open file of spec.ID, or a new one.
func (m *Manager) get(spec Spec) *File {
	f := m.files[spec.ID]
	if f != nil {
		m.touch(f)
		m.seenOn(f, spec.Conn, spec.Observer)
		return f
	}
	if m.cfg.MaxFiles > 0 && len(m.files) >= m.cfg.MaxFiles && len(m.timers) > 0 {
		m.timeout(m.oldest())
	}
	f = &File{m: m, id: spec.ID, spec: spec, heapIdx: -1}
	f.spec.MIME = ""
	f.lastActive = m.now
	f.info.TS = m.now
	f.info.FUID = spec.ID
	if spec.Source != "" {
		f.info.Source = zeek.Some(spec.Source)
	}
	if spec.Conn != nil {
		f.info.IsOrig = zeek.Some(spec.IsOrig)
	}
	m.files[spec.ID] = f
	m.Created++
	f.deadline = m.now.Add(m.cfg.Timeout)
	heap.Push(&m.timers, f)
	// file_new: the framework's handler, then the policy scripts'.
	f.reasmEnabled = m.cfg.EnableReassembler
	f.reasmMax = m.cfg.ReassemblyBufferSize
	if m.cfg.HashAll {
		f.AddAnalyzer("MD5", Args{})
		f.AddAnalyzer("SHA1", Args{})
		f.AddAnalyzer("SHA256", Args{})
	}
	if m.cfg.ExtractAll {
		f.AddAnalyzer("EXTRACT", Args{})
	}
	f.drain()
	m.seenOn(f, spec.Conn, spec.Observer)
	return f
}

// touch records activity on a file.
func (m *Manager) touch(f *File) { f.lastActive = m.now }

// seenOn ties f to a connection and raises file_over_new_connection when
// the connection is new to the file.
func (m *Manager) seenOn(f *File, c *Conn, obs Observer) {
	if c == nil || !f.addConn(c, obs) {
		return
	}
	if m.cfg.HaveLocalNets && m.cfg.IsLocal != nil {
		a := c.ID.RespH
		if f.spec.IsOrig {
			a = c.ID.OrigH
		}
		f.info.LocalOrig = zeek.Some(m.cfg.IsLocal(a))
	}
	if obs != nil {
		obs.FileOverConn(f)
	}
	f.drain()
}

// checkComplete ends a file whose stream reached its total size.
func (m *Manager) checkComplete(f *File) {
	if !f.done && f.complete() {
		m.remove(f)
	}
}

// remove ends a file, logs it and forgets it (Zeek's RemoveFile).
func (m *Manager) remove(f *File) {
	if f.done || f.ending {
		return
	}
	f.endOfFile()
	m.log(f)
	if m.files[f.id] == f {
		delete(m.files, f.id)
	}
	if f.heapIdx >= 0 {
		heap.Remove(&m.timers, f.heapIdx)
	}
	f.analyzers, f.pending = nil, nil
}

// log writes the file's files.log records: one per connection.
func (m *Manager) log(f *File) {
	if m.cfg.Log == nil {
		return
	}
	for _, h := range m.hidden {
		if containsName(f.info.Analyzers, h.Name) && h.HideFromLog() {
			return
		}
	}
	f.info.Duration = f.lastActive.Float() - f.info.TS.Float()
	f.info.SeenBytes = f.seen
	f.info.TotalBytes = f.total
	f.info.MissingBytes = f.missing
	f.info.OverflowBytes = f.overflow
	if len(f.conns) == 0 {
		rec := f.info
		rec.Analyzers = append([]string(nil), f.info.Analyzers...)
		m.cfg.Log(&rec)
		return
	}
	for _, c := range f.conns {
		rec := f.info
		rec.Analyzers = append([]string(nil), f.info.Analyzers...)
		rec.UID = zeek.Some(c.conn.UID)
		rec.ID = zeek.Some(c.conn.ID)
		m.cfg.Log(&rec)
	}
}

func containsName(list []string, name string) bool {
	for _, s := range list {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// weird reports a file weird.
func (m *Manager) weird(f *File, name, addl string) {
	if m.cfg.Weird != nil {
		m.cfg.Weird(name, addl, f.spec.Source)
	}
}

// Advance moves network time to now and times out idle files, as Zeek's
// FileTimer does: a file's timer fires default_file_timeout_interval
// after it was set; an idle file ends, a busy one gets a new timer from
// the firing time.
func (m *Manager) Advance(now zeek.Time) {
	if now > m.now {
		m.now = now
	}
	for len(m.timers) > 0 && m.timers[0].deadline <= m.now {
		f := m.timers[0]
		if m.now.Sub(f.lastActive) >= m.cfg.Timeout {
			m.timeout(f)
			continue
		}
		f.deadline = m.now.Add(m.cfg.Timeout)
		heap.Fix(&m.timers, 0)
	}
}

// oldest returns the open file with the earliest timer.
func (m *Manager) oldest() *File { return m.timers[0] }

// timeout ends a file as timed out (Zeek's Manager::Timeout).
func (m *Manager) timeout(f *File) {
	f.info.TimedOut = true
	m.remove(f)
}

// Terminate times out every open file, as Zeek does when it exits (call
// it after the connections are done).
func (m *Manager) Terminate() {
	m.terminating = true
	for len(m.timers) > 0 {
		m.timeout(m.timers[0])
	}
	for _, f := range m.files {
		m.timeout(f)
	}
}

// detectMIME returns the strongest MIME type of data.
func (m *Manager) detectMIME(data []byte) string {
	if m.sniff == nil {
		m.sniff = NewSniffer()
	}
	return m.sniff.Detect(data)
}

// fileHeap orders open files by timer deadline.
type fileHeap []*File

func (h fileHeap) Len() int           { return len(h) }
func (h fileHeap) Less(i, j int) bool { return h[i].deadline < h[j].deadline }
func (h fileHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx, h[j].heapIdx = i, j
}
func (h *fileHeap) Push(x any) {
	f := x.(*File)
	f.heapIdx = len(*h)
	*h = append(*h, f)
}
func (h *fileHeap) Pop() any {
	old := *h
	f := old[len(old)-1]
	old[len(old)-1] = nil
	f.heapIdx = -1
	*h = old[:len(old)-1]
	return f
}
