package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

// weirdLog collects the weirds a Config.Weird receives.
type weirdLog struct {
	mu  sync.Mutex
	got []string
}

func (w *weirdLog) add(name, addl string) {
	w.mu.Lock()
	w.got = append(w.got, name+" "+addl)
	w.mu.Unlock()
}

func (w *weirdLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.got, "; ")
}

// fieldsOf returns the named columns of the records of a TSV log.
func fieldsOf(t *testing.T, path string, names ...string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	var out []string
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if f, ok := strings.CutPrefix(line, "#fields\t"); ok {
			cols = strings.Split(f, "\t")
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		vals := strings.Split(line, "\t")
		var row []string
		for _, n := range names {
			for i, c := range cols {
				if c == n {
					row = append(row, vals[i])
				}
			}
		}
		out = append(out, strings.Join(row, " "))
	}
	return out
}

func TestDefaultLimits(t *testing.T) {
	c := DefaultConfig()
	want := schema.Limits{FieldStringBytes: 4096, TotalStringBytes: 256000, FieldContainerElements: 100, TotalContainerElements: 500,
		RecordSize: 64 * 1024 * 1024}
	if c.Limits() != want {
		t.Errorf("default limits %+v, want Zeek's %+v", c.Limits(), want)
	}
}

func TestStreamLimits(t *testing.T) {
	set := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("t%d", i)
		}
		return s
	}
	tests := []struct {
		name   string
		cfg    func(*Config)
		opts   []StreamOption
		rec    connInfo
		want   string // uid service history tunnel_parents
		weirds string
	}{
		{
			name: "under the defaults",
			rec:  connInfo{UID: "C1", Service: zeek.Some("dns"), History: zeek.Some("Dd")},
			want: "C1 dns Dd -",
		},
		{
			name:   "string over the default field limit",
			rec:    connInfo{UID: strings.Repeat("u", 4097), History: zeek.Some("D")},
			want:   strings.Repeat("u", 4096) + " - D -",
			weirds: "log_string_field_truncated Conn::LOG",
		},
		{
			name: "string at the default field limit",
			rec:  connInfo{UID: strings.Repeat("u", 4096)},
			want: strings.Repeat("u", 4096) + " - - -",
		},
		{
			name:   "field limit of 3, one weird per field",
			cfg:    func(c *Config) { c.MaxFieldStringBytes = 3 },
			rec:    connInfo{UID: "C1234", Service: zeek.Some("http"), History: zeek.Some("ShA")},
			want:   "C12 htt ShA -",
			weirds: "log_string_field_truncated Conn::LOG; log_string_field_truncated Conn::LOG",
		},
		{
			name:   "total string bytes across fields; later strings empty",
			cfg:    func(c *Config) { c.MaxTotalStringBytes = 5 },
			rec:    connInfo{UID: "C123", Service: zeek.Some("dns"), History: zeek.Some("Dd"), TunnelParents: zeek.Some([]string{"x"})},
			want:   "C123 d (empty) (empty)",
			weirds: "log_string_field_truncated Conn::LOG; log_string_field_truncated Conn::LOG; log_string_field_truncated Conn::LOG",
		},
		{
			name:   "container over the default field limit",
			rec:    connInfo{UID: "C1", TunnelParents: zeek.Some(set(101))},
			want:   "C1 - - " + strings.Join(set(100), ","),
			weirds: "log_container_field_truncated Conn::LOG",
		},
		{
			name:   "container total",
			cfg:    func(c *Config) { c.MaxTotalContainerElements = 2 },
			rec:    connInfo{UID: "C1", TunnelParents: zeek.Some(set(3))},
			want:   "C1 - - t0,t1",
			weirds: "log_container_field_truncated Conn::LOG",
		},
		{
			name: "all limits 0: nothing cut",
			cfg: func(c *Config) {
				c.MaxFieldStringBytes, c.MaxTotalStringBytes, c.MaxFieldContainerElements, c.MaxTotalContainerElements = 0, 0, 0, 0
			},
			rec:  connInfo{UID: strings.Repeat("u", 5000), TunnelParents: zeek.Some(set(600))},
			want: strings.Repeat("u", 5000) + " - - " + strings.Join(set(600), ","),
		},
		{
			name:   "stream limits replace the config's",
			opts:   []StreamOption{WithLimits(schema.Limits{FieldStringBytes: 4})},
			rec:    connInfo{UID: "C1234", TunnelParents: zeek.Some(set(200))},
			want:   "C123 - - " + strings.Join(set(200), ","),
			weirds: "log_string_field_truncated Conn::LOG",
		},
		{
			name:   "without an ID the path names the stream",
			cfg:    func(c *Config) { c.MaxFieldStringBytes = 1 },
			opts:   []StreamOption{WithID("")},
			rec:    connInfo{UID: "C1"},
			want:   "C - - -",
			weirds: "log_string_field_truncated conn",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(dir)
			var wl weirdLog
			cfg.Weird = wl.add
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			m, err := NewManager(cfg)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewStream[connInfo](m, "conn", append([]StreamOption{WithID("Conn::LOG")}, tc.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			rec := tc.rec
			before := fmt.Sprint(rec)
			if err := s.Write(&rec); err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(rec) != before {
				t.Error("Write changed the caller's record")
			}
			got := fieldsOf(t, filepath.Join(dir, "conn.log"), "uid", "service", "history", "tunnel_parents")
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("record\n got %.200q\nwant %.200q", got, tc.want)
			}
			if wl.String() != tc.weirds {
				t.Errorf("weirds %.300q, want %q", wl.String(), tc.weirds)
			}
		})
	}
}

// TestRecordTooLarge drops a record over Log::max_log_record_size with
// the weird log_record_too_large, after the weirds of values cut before
// the size ran over, and keeps writing the records that fit.
func TestRecordTooLarge(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.MaxFieldStringBytes = 100
	// ts 8 + uid + id (17+9+17+9) + proto enum "tcp" 3 + missed_bytes 8
	cfg.MaxLogRecordSize = 8 + 100 + 52 + 3 + 8
	var wl weirdLog
	cfg.Weird = wl.add
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn", WithID("Conn::LOG"))
	c := sampleConns()[0]
	c.Service, c.History, c.ConnState = zeek.Opt[string]{}, zeek.Opt[string]{}, zeek.Opt[string]{}
	c.Duration, c.OrigBytes, c.RespBytes, c.LocalOrig, c.LocalResp = zeek.Opt[zeek.Interval]{}, zeek.Opt[uint64]{}, zeek.Opt[uint64]{}, zeek.Opt[bool]{}, zeek.Opt[bool]{}
	c.OrigPkts, c.OrigIPBytes, c.RespPkts, c.RespIPBytes, c.IPProto = zeek.Opt[uint64]{}, zeek.Opt[uint64]{}, zeek.Opt[uint64]{}, zeek.Opt[uint64]{}, zeek.Opt[uint64]{}
	fits := c
	fits.UID = strings.Repeat("f", 150) // cut to 100: fits exactly
	over := fits
	over.IPProto = zeek.Some[uint64](6) // 8 more
	for _, r := range []*connInfo{&fits, &over, &fits} {
		if err := s.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	got := fieldsOf(t, filepath.Join(dir, "conn.log"), "ip_proto")
	if strings.Join(got, ",") != "-,-" {
		t.Errorf("records written: %q, want the two that fit", got)
	}
	cut := "log_string_field_truncated Conn::LOG"
	if want := cut + "; " + cut + "; log_record_too_large Conn::LOG; " + cut; wl.String() != want {
		t.Errorf("weirds\n got %s\nwant %s", wl.String(), want)
	}
}

func TestNegativeLimits(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.MaxTotalStringBytes = -1
	if _, err := NewManager(cfg); err == nil || !strings.HasPrefix(err.Error(), "logging: ") {
		t.Errorf("negative config limit: %v", err)
	}
	m, _ := NewManager(testConfig(t.TempDir()))
	defer m.Close()
	if _, err := NewStream[connInfo](m, "conn", WithLimits(schema.Limits{FieldContainerElements: -2})); err == nil {
		t.Error("negative stream limit accepted")
	}
}

// visitWriter renders what a Writer sees of each record, as a back end
// other than the files (the cluster's log shipping) would encode it.
type visitWriter struct {
	info WriterInfo
	out  *[]string
}

type stringsVisitor struct {
	nopVisitor
	vals []string
}

func (v *stringsVisitor) String(_ *schema.Column, s string) { v.vals = append(v.vals, s) }

func (w *visitWriter) Init(info WriterInfo) error { w.info = info; return nil }
func (w *visitWriter) Write(r schema.Record) error {
	var v stringsVisitor
	w.info.View.Visit(r, &v)
	*w.out = append(*w.out, strings.Join(v.vals, "|"))
	return nil
}
func (w *visitWriter) Flush() error { return nil }
func (w *visitWriter) Close() error { return nil }

// TestLimitsBeforeWriters shows that a writer from Config.NewWriter gets
// the values already cut, as the file writers do.
func TestLimitsBeforeWriters(t *testing.T) {
	var seen []string
	cfg := testConfig(t.TempDir())
	cfg.MaxFieldStringBytes = 4
	cfg.NewWriter = func(WriterInfo) (Writer, error) { return &visitWriter{out: &seen}, nil }
	var wl weirdLog
	cfg.Weird = wl.add
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn", WithID("Conn::LOG"))
	c := connInfo{UID: "CABCDEFG", History: zeek.Some("ShADad"), TunnelParents: zeek.Some([]string{"abcdef", "x"})}
	s.Write(&c)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(seen, "; "); got != "CABC|ShAD|abcd|x" {
		t.Errorf("writer saw %q", got)
	}
	if wl.String() != strings.TrimSuffix(strings.Repeat("log_string_field_truncated Conn::LOG; ", 3), "; ") {
		t.Errorf("weirds %q", wl.String())
	}
}

func TestStreamWriteLimitAllocs(t *testing.T) {
	cfg := testConfig(t.TempDir())
	n := 0
	cfg.Weird = func(string, string) { n++ }
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn", WithID("Conn::LOG"))
	whole := sampleConns()[0]
	cut := whole
	cut.UID = strings.Repeat("u", 5000)
	for _, c := range []*connInfo{&whole, &cut} {
		if a := testing.AllocsPerRun(200, func() { s.Write(c) }); a != 0 {
			t.Errorf("%v allocations per Write of %.20s", a, c.UID)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n != 201 {
		t.Errorf("%d weirds for 201 cut records", n)
	}
}

// nopVisitor ignores every value.
type nopVisitor struct{}

func (nopVisitor) Unset(*schema.Column)                   {}
func (nopVisitor) Bool(*schema.Column, bool)              {}
func (nopVisitor) Int(*schema.Column, int64)              {}
func (nopVisitor) Count(*schema.Column, uint64)           {}
func (nopVisitor) Double(*schema.Column, float64)         {}
func (nopVisitor) Time(*schema.Column, zeek.Time)         {}
func (nopVisitor) Interval(*schema.Column, zeek.Interval) {}
func (nopVisitor) Seconds(*schema.Column, float64)        {}
func (nopVisitor) String(*schema.Column, string)          {}
func (nopVisitor) Enum(*schema.Column, string)            {}
func (nopVisitor) Port(*schema.Column, zeek.Port)         {}
func (nopVisitor) Addr(*schema.Column, zeek.Addr)         {}
func (nopVisitor) Subnet(*schema.Column, zeek.Subnet)     {}
func (nopVisitor) Begin(*schema.Column, int)              {}
func (nopVisitor) End(*schema.Column)                     {}

// BenchmarkStreamWriteNoLimits is BenchmarkStreamWrite with every limit
// off, to show what checking the limits costs.
func BenchmarkStreamWriteNoLimits(b *testing.B) {
	cfg := testConfig(b.TempDir())
	cfg.MaxFieldStringBytes, cfg.MaxTotalStringBytes, cfg.MaxFieldContainerElements, cfg.MaxTotalContainerElements, cfg.MaxLogRecordSize = 0, 0, 0, 0, 0
	m, _ := NewManager(cfg)
	s, _ := NewStream[connInfo](m, "conn")
	c := sampleConns()[0]
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s.Write(&c)
	}
	if err := m.Close(); err != nil {
		b.Fatal(err)
	}
}
