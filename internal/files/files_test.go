package files

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// testSniffer is shared by the tests' managers.
var testSniffer = NewSniffer()

type rec struct {
	logs []Info
}

func newTestManager(t testing.TB, mod func(*Config)) (*Manager, *rec) {
	r := &rec{}
	cfg := DefaultConfig()
	cfg.Key = NewKey(7)
	cfg.Sniffer = testSniffer
	cfg.Log = func(i *Info) { r.logs = append(r.logs, *i) }
	if mod != nil {
		mod(&cfg)
	}
	m := NewManager(cfg)
	m.Advance(zeek.Time(1000 * zeek.Second))
	return m, r
}

var testConn = &Conn{UID: "CX", ID: zeek.ConnID{}}

type obs struct {
	over   []string
	sniffs []string
}

func (o *obs) FileOverConn(f *File)          { o.over = append(o.over, f.ID()) }
func (o *obs) FileSniffed(f *File, m string) { o.sniffs = append(o.sniffs, m) }

func TestFUIDFormat(t *testing.T) {
	k := NewKey(1)
	a, b := FUID(k, "handle-a"), FUID(k, "handle-b")
	if a == b || a != FUID(k, "handle-a") {
		t.Fatalf("fuids %q %q", a, b)
	}
	if a[0] != 'F' || len(a) < 10 || len(a) > 23 {
		t.Errorf("fuid %q is not F and base62 digits", a)
	}
	for _, c := range a[1:] {
		if !strings.ContainsRune("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", c) {
			t.Errorf("fuid %q has %q", a, c)
		}
	}
	if FUID(NewKey(2), "handle-a") == a {
		t.Error("the key does not change the fuid")
	}
}

// TestSequentialFile: a file in order, sniffed, hashed, logged once per
// connection, with Zeek's field values.
func TestSequentialFile(t *testing.T) {
	m, r := newTestManager(t, func(c *Config) { c.HashAll = true })
	o := &obs{}
	content := []byte("<html><body>" + strings.Repeat("x", 5000) + "</body></html>")
	tr := m.Open(Spec{Handle: "h1", Source: "HTTP", Conn: testConn, IsOrig: false, Observer: o})
	tr.SetTotal(uint64(len(content)))
	for i := 0; i < len(content); i += 1500 {
		tr.Data(content[i:min(i+1500, len(content))])
	}
	if m.Files() != 0 {
		t.Fatalf("a complete file is still open")
	}
	if len(r.logs) != 1 {
		t.Fatalf("%d records", len(r.logs))
	}
	l := r.logs[0]
	sum := md5.Sum(content)
	s256 := sha256.Sum256(content)
	if l.FUID != tr.ID() || l.Source.V != "HTTP" || l.MIMEType.V != "text/html" || l.SeenBytes != uint64(len(content)) ||
		l.TotalBytes.V != uint64(len(content)) || l.MissingBytes != 0 || l.TimedOut || l.MD5.V != hex.EncodeToString(sum[:]) ||
		l.SHA256.V != hex.EncodeToString(s256[:]) || !l.IsOrig.Set || l.IsOrig.V || l.UID.V != "CX" {
		t.Errorf("record %+v", l)
	}
	if strings.Join(l.Analyzers, ",") != "MD5,SHA1,SHA256" {
		t.Errorf("analyzers %v", l.Analyzers)
	}
	if len(o.over) != 1 || len(o.sniffs) != 1 || o.sniffs[0] != "text/html" {
		t.Errorf("observer %+v", o)
	}
}

// TestShortFileSniffedAtEnd: a file shorter than the sniffing buffer is
// sniffed when it ends; a gap first stops the buffering.
func TestShortFileSniffedAtEnd(t *testing.T) {
	m, r := newTestManager(t, nil)
	tr := m.Open(Spec{Handle: "short", Source: "HTTP", Conn: testConn})
	tr.Data([]byte("%PDF-1.4 short"))
	if tr.File().MIME() != "" {
		t.Fatal("sniffed before the end")
	}
	tr.End()
	if r.logs[0].MIMEType.V != "application/pdf" {
		t.Errorf("mime %q", r.logs[0].MIMEType.V)
	}
	tr2 := m.Open(Spec{Handle: "gap", Source: "HTTP", Conn: testConn})
	tr2.Data([]byte("GIF89a..."))
	tr2.Gap(9, 100)
	if tr2.File().MIME() != "image/gif" {
		t.Errorf("after gap: %q", tr2.File().MIME())
	}
	tr2.Data([]byte("more"))
	tr2.End()
	if l := r.logs[1]; l.MissingBytes != 100 || l.SeenBytes != 13 {
		t.Errorf("gap record %+v", l)
	}
}

// TestOutOfOrder: offsets are reassembled, first data wins, the holes
// left at the end are missing bytes.
func TestOutOfOrder(t *testing.T) {
	m, r := newTestManager(t, func(c *Config) { c.HashAll = true })
	tr := m.Open(Spec{Handle: "ooo", Source: "HTTP", Conn: testConn})
	tr.DataAt([]byte("56789"), 5)
	tr.DataAt([]byte("XXXXXXX"), 3) // 3..9: only 3,4 are new
	tr.DataAt([]byte("012"), 0)
	tr.DataAt([]byte("ABCDE"), 20)
	tr.End()
	l := r.logs[0]
	if l.SeenBytes != 15 || l.MissingBytes != 10 || l.MD5.Set {
		t.Errorf("record %+v", l)
	}
	tr2 := m.Open(Spec{Handle: "ooo2", Source: "HTTP", Conn: testConn})
	tr2.DataAt([]byte("56789"), 5)
	tr2.DataAt([]byte("XXXXXXX"), 3)
	tr2.DataAt([]byte("012"), 0)
	tr2.End()
	want := md5.Sum([]byte("012XX56789"))
	if l := r.logs[1]; l.MD5.V != hex.EncodeToString(want[:]) || l.SeenBytes != 10 {
		t.Errorf("reassembled record %+v", l)
	}
}

// TestReassemblyOverflow: a file whose held data exceeds the buffer is
// flushed with the hole counted as overflow.
func TestReassemblyOverflow(t *testing.T) {
	m, r := newTestManager(t, func(c *Config) { c.ReassemblyBufferSize = 100 })
	tr := m.Open(Spec{Handle: "big", Source: "HTTP", Conn: testConn})
	chunk := bytes.Repeat([]byte("a"), 60)
	for off := uint64(1000); off < 1300; off += 60 {
		tr.DataAt(chunk, off)
	}
	tr.End()
	l := r.logs[0]
	if l.OverflowBytes == 0 || l.SeenBytes != 300 {
		t.Errorf("record %+v", l)
	}
}

// TestMultipleConnections: one handle over two connections is one file,
// logged once per connection.
func TestMultipleConnections(t *testing.T) {
	m, r := newTestManager(t, nil)
	c1 := &Conn{UID: "C1"}
	c2 := &Conn{UID: "C2"}
	c2.ID.OrigP.Num = 2
	o1, o2 := &obs{}, &obs{}
	t1 := m.Open(Spec{Handle: "range", Source: "HTTP", Conn: c1, Observer: o1})
	t1.DataAt([]byte("0123456789"), 0)
	t2 := m.Open(Spec{Handle: "range", Source: "HTTP", Conn: c2, Observer: o2})
	if t1.ID() != t2.ID() {
		t.Fatal("same handle, different fuids")
	}
	t2.DataAt([]byte("abcdefghij"), 10)
	m.Terminate()
	if len(r.logs) != 2 || r.logs[0].UID.V == r.logs[1].UID.V || r.logs[0].SeenBytes != 20 || !r.logs[0].TimedOut {
		t.Errorf("records %+v", r.logs)
	}
	if len(o1.over) != 1 || len(o2.over) != 1 {
		t.Errorf("observers %+v %+v", o1, o2)
	}
}

// TestReopenAfterEnd: data for an ended file makes a new file with the
// same fuid, as Zeek does.
func TestReopenAfterEnd(t *testing.T) {
	m, r := newTestManager(t, nil)
	o := &obs{}
	tr := m.Open(Spec{Handle: "again", Source: "HTTP", Conn: testConn, Observer: o})
	tr.SetTotal(3)
	tr.Data([]byte("abc"))
	tr.Data([]byte("def"))
	tr.End()
	if len(r.logs) != 2 || r.logs[0].FUID != r.logs[1].FUID || len(o.over) != 2 {
		t.Errorf("records %+v, observer %+v", r.logs, o)
	}
}

// TestTimeout: an idle file times out after the interval.
func TestTimeout(t *testing.T) {
	m, r := newTestManager(t, nil)
	tr := m.Open(Spec{Handle: "idle", Source: "HTTP", Conn: testConn})
	tr.Data([]byte("some data"))
	m.Advance(m.Now().Add(119 * zeek.Second))
	if len(r.logs) != 0 {
		t.Fatal("timed out early")
	}
	m.Advance(m.Now().Add(2 * zeek.Second))
	if len(r.logs) != 1 || !r.logs[0].TimedOut {
		t.Fatalf("records %+v", r.logs)
	}
}

// TestMaxFiles: the open files are bounded.
func TestMaxFiles(t *testing.T) {
	m, r := newTestManager(t, func(c *Config) { c.MaxFiles = 10 })
	for i := 0; i < 100; i++ {
		m.Open(Spec{Source: "HTTP", Conn: testConn}).Data([]byte("x"))
	}
	if m.Files() > 10 || len(r.logs) != 90 {
		t.Errorf("%d open, %d logged", m.Files(), len(r.logs))
	}
}

// TestSetMIME: a given type counts as sniffed and attaches the analyzers
// registered for it; it is ignored after data.
func TestSetMIME(t *testing.T) {
	var got []byte
	RegisterAnalyzer(AnalyzerInfo{Name: "TESTCERT", MIMETypes: []string{"application/x-test-cert"},
		HideFromLog: func() bool { return true },
		New:         func(f *File, _ Args) Analyzer { return &collect{out: &got} }})
	m, r := newTestManager(t, nil)
	o := &obs{}
	tr := m.Open(Spec{Handle: "cert", Source: "SSL", Conn: testConn, MIME: "application/x-test-cert", Observer: o})
	tr.Data([]byte("DER bytes"))
	tr.End()
	if string(got) != "DER bytes" || len(o.sniffs) != 1 || o.sniffs[0] != "application/x-test-cert" {
		t.Errorf("analyzer got %q, observer %+v", got, o)
	}
	if len(r.logs) != 0 {
		t.Error("a file with a hidden analyzer was logged")
	}
	tr2 := m.Open(Spec{Handle: "late", Source: "SSL", Conn: testConn})
	tr2.Data([]byte("x"))
	if tr2.SetMIME("text/plain") {
		t.Error("SetMIME after data took effect")
	}
}

type collect struct {
	Base
	out *[]byte
}

func (c *collect) DeliverStream(d []byte) bool { *c.out = append(*c.out, d...); return true }

// TestExtraction writes the file's bytes exactly, under a safe name, and
// honours the limit.
func TestExtraction(t *testing.T) {
	dir := t.TempDir()
	m, r := newTestManager(t, func(c *Config) {
		c.ExtractAll = true
		c.ExtractDir = dir
		c.ExtractLimit = 10
	})
	tr := m.Open(Spec{Handle: "x", Source: "HTTP", Conn: testConn})
	tr.Data([]byte("0123456789abcdef"))
	tr.End()
	l := r.logs[0]
	if !l.Extracted.Set || !l.ExtractedCutoff.V || l.ExtractedSize.V != 10 {
		t.Fatalf("record %+v", l)
	}
	b, err := os.ReadFile(filepath.Join(dir, l.Extracted.V))
	if err != nil || string(b) != "0123456789" {
		t.Errorf("extracted %q, %v", b, err)
	}
	// A name from traffic cannot leave the directory.
	for _, hostile := range []string{"../../etc/passwd", "/etc/shadow", "..", "a/../../b", "c:\\windows\\x", "\x00evil", strings.Repeat("A", 500)} {
		tr := m.Open(Spec{Source: "HTTP", Conn: testConn})
		tr.File().AddAnalyzer("EXTRACT", Args{ExtractFilename: hostile})
		tr.Data([]byte("data"))
		tr.End()
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() || strings.ContainsAny(e.Name(), "/\\\x00") || strings.HasPrefix(e.Name(), "..") {
			t.Errorf("unsafe entry %q", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "passwd")); err == nil {
		t.Error("escaped the extraction directory")
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":          "report.pdf",
		"../../etc/passwd":    "passwd",
		"..":                  "_",
		"a b;c$(x)":           "a_b_c__x_",
		"dir\\file.exe":       "file.exe",
		"":                    "_",
		"ünïcode.txt":         "__n__code.txt",
		"extract-1.5-HTTP-Fx": "extract-1.5-HTTP-Fx",
	} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}
