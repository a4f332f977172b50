package ascii

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

// zeekLog is a Zeek ASCII log parsed back into typed values.
type zeekLog struct {
	opts    Options
	path    string
	open    time.Time
	close   time.Time
	names   []string
	types   []string
	typ     reflect.Type
	recs    []reflect.Value // pointers to records of typ
	lines   []string        // the record lines, as written
	header  string          // the header lines, as written
	footer  string
	skipped int // records with vector holes, which Go slices cannot hold
}

// unescape reverses Zeek's string escaping: \xNN and \\.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			b.WriteByte('\\')
			i++
		case i+3 < len(s) && s[i+1] == 'x':
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", fmt.Errorf("bad escape in %q", s)
			}
			b.WriteByte(byte(v))
			i += 3
		default:
			return "", fmt.Errorf("lone backslash in %q", s)
		}
	}
	return b.String(), nil
}

// goType returns the Go type and tag options for a Zeek type name.
func goType(zt string) (reflect.Type, string, error) {
	elem := func(name string) (reflect.Type, string, error) {
		switch name {
		case "time":
			return reflect.TypeFor[zeek.Time](), "", nil
		case "interval":
			return reflect.TypeFor[zeek.Interval](), "", nil
		case "string":
			return reflect.TypeFor[string](), "", nil
		case "enum":
			return reflect.TypeFor[string](), ",enum", nil
		case "addr":
			return reflect.TypeFor[netip.Addr](), "", nil
		case "subnet":
			return reflect.TypeFor[netip.Prefix](), "", nil
		case "port":
			return reflect.TypeFor[zeek.Port](), "", nil
		case "count":
			return reflect.TypeFor[uint64](), "", nil
		case "int":
			return reflect.TypeFor[int64](), "", nil
		case "double":
			return reflect.TypeFor[float64](), "", nil
		case "bool":
			return reflect.TypeFor[bool](), "", nil
		}
		return nil, "", fmt.Errorf("unknown type %q", name)
	}
	wrap := func(t reflect.Type) reflect.Type {
		// zeek.Opt[X] for the handful of X used here.
		for _, o := range []any{
			zeek.Opt[zeek.Time]{}, zeek.Opt[zeek.Interval]{}, zeek.Opt[string]{}, zeek.Opt[netip.Addr]{},
			zeek.Opt[netip.Prefix]{}, zeek.Opt[zeek.Port]{}, zeek.Opt[uint64]{}, zeek.Opt[int64]{},
			zeek.Opt[float64]{}, zeek.Opt[bool]{}, zeek.Opt[[]zeek.Time]{}, zeek.Opt[[]zeek.Interval]{},
			zeek.Opt[[]string]{}, zeek.Opt[[]netip.Addr]{}, zeek.Opt[[]netip.Prefix]{}, zeek.Opt[[]zeek.Port]{},
			zeek.Opt[[]uint64]{}, zeek.Opt[[]int64]{}, zeek.Opt[[]float64]{}, zeek.Opt[[]bool]{},
		} {
			ot := reflect.TypeOf(o)
			if ot.Field(0).Type == t {
				return ot
			}
		}
		panic("no Opt for " + t.String())
	}
	for _, kind := range []string{"set", "vector"} {
		if strings.HasPrefix(zt, kind+"[") && strings.HasSuffix(zt, "]") {
			et, opt, err := elem(zt[len(kind)+1 : len(zt)-1])
			if err != nil {
				return nil, "", err
			}
			if kind == "set" {
				opt += ",set"
			}
			return wrap(reflect.SliceOf(et)), opt, nil
		}
	}
	et, opt, err := elem(zt)
	if err != nil {
		return nil, "", err
	}
	return wrap(et), opt, nil
}

// masked is how btest baselines mask times; the test parses it as the
// time sentinel and masks the sentinel again in the output.
const (
	masked   = "XXXXXXXXXX.XXXXXX"
	sentinel = "1111111111.111111"
)

func parseFixed6(s string) (int64, error) {
	if s == masked {
		s = sentinel
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, ok := strings.Cut(s, ".")
	if !ok || len(fp) != 6 {
		return 0, fmt.Errorf("not a six-decimal number: %q", s)
	}
	i, err1 := strconv.ParseInt(ip, 10, 64)
	f, err2 := strconv.ParseInt(fp, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad number %q", s)
	}
	v := i*1e9 + f*1e3
	if neg {
		v = -v
	}
	return v, nil
}

// parseScalar parses one value of Zeek type zt into v.
func parseScalar(v reflect.Value, zt, s string) error {
	switch zt {
	case "time", "interval":
		n, err := parseFixed6(s)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case "string", "enum":
		u, err := unescape(s)
		if err != nil {
			return err
		}
		v.SetString(u)
	case "addr":
		a, err := netip.ParseAddr(s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(a))
	case "subnet":
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(p))
	case "port":
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(zeek.Port{Num: uint16(n)}))
	case "count":
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetUint(n)
	case "int":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case "double":
		d, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		v.SetFloat(d)
	case "bool":
		if s != "T" && s != "F" {
			return fmt.Errorf("bad bool %q", s)
		}
		v.SetBool(s == "T")
	default:
		return fmt.Errorf("unknown type %q", zt)
	}
	return nil
}

// errSkip marks a record this test cannot represent.
var errSkip = fmt.Errorf("unrepresentable record")

// parseZeekLog parses a complete Zeek ASCII log.
func parseZeekLog(data []byte) (*zeekLog, error) {
	lg := &zeekLog{opts: DefaultOptions()}
	text := string(data)
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "### ") {
		lines = lines[1:] // btest's baseline banner
	}
	var header, footer strings.Builder
	i := 0
	for ; i < len(lines) && strings.HasPrefix(lines[i], "#"); i++ {
		l := lines[i]
		header.WriteString(l + "\n")
		if v, ok := strings.CutPrefix(l, "#separator "); ok {
			sep, err := unescape(v)
			if err != nil {
				return nil, err
			}
			lg.opts.Separator = sep
			continue
		}
		if strings.HasPrefix(l, "#open ") || strings.HasPrefix(l, "#close ") {
			continue // masked by btest
		}
		key, val, ok := strings.Cut(l[1:], lg.opts.Separator)
		if !ok {
			return nil, fmt.Errorf("bad header line %q", l)
		}
		var err error
		switch key {
		case "set_separator":
			lg.opts.SetSeparator, err = unescape(val)
		case "empty_field":
			lg.opts.EmptyField, err = unescape(val)
		case "unset_field":
			lg.opts.UnsetField, err = unescape(val)
		case "path":
			lg.path, err = unescape(val)
		case "open":
			lg.open, err = time.Parse(TimestampLayout, val)
			if err != nil {
				lg.open, err = time.Time{}, nil // masked
			}
		case "fields":
			lg.names = strings.Split(val, lg.opts.Separator)
		case "types":
			lg.types = strings.Split(val, lg.opts.Separator)
		}
		if err != nil {
			return nil, err
		}
	}
	lg.header = header.String()
	end := len(lines)
	if end > i && strings.HasPrefix(lines[end-1], "#close") {
		end--
		footer.WriteString(lines[end] + "\n")
		_, val, _ := strings.Cut(lines[end][1:], lg.opts.Separator)
		lg.close, _ = time.Parse(TimestampLayout, val) // zero if masked
	}
	lg.footer = footer.String()
	if len(lg.names) == 0 || len(lg.names) != len(lg.types) {
		return nil, fmt.Errorf("bad #fields/#types")
	}
	var fields []reflect.StructField
	for j, name := range lg.names {
		gt, opt, err := goType(lg.types[j])
		if err != nil {
			return nil, err
		}
		fields = append(fields, reflect.StructField{
			Name: fmt.Sprintf("F%d", j),
			Type: gt,
			Tag:  reflect.StructTag(`zeek:"` + name + opt + `"`),
		})
	}
	lg.typ = reflect.StructOf(fields)
	for ; i < end; i++ {
		rec, err := lg.parseRecord(lines[i])
		if err == errSkip {
			lg.skipped++
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		lg.recs = append(lg.recs, rec)
		lg.lines = append(lg.lines, lines[i])
	}
	return lg, nil
}

func (lg *zeekLog) parseRecord(line string) (reflect.Value, error) {
	vals := strings.Split(line, lg.opts.Separator)
	if len(vals) != len(lg.names) {
		return reflect.Value{}, fmt.Errorf("%d values for %d fields", len(vals), len(lg.names))
	}
	p := reflect.New(lg.typ)
	for j, s := range vals {
		if s == lg.opts.UnsetField {
			continue
		}
		opt := p.Elem().Field(j)
		opt.FieldByName("Set").SetBool(true)
		v := opt.FieldByName("V")
		zt := lg.types[j]
		if v.Kind() != reflect.Slice {
			if s == lg.opts.EmptyField && (zt == "string" || zt == "enum") {
				continue // empty string
			}
			if err := parseScalar(v, zt, s); err != nil {
				return reflect.Value{}, err
			}
			continue
		}
		et := zt[strings.Index(zt, "[")+1 : len(zt)-1]
		if s == lg.opts.EmptyField {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			continue
		}
		elems := strings.Split(s, lg.opts.SetSeparator)
		sl := reflect.MakeSlice(v.Type(), len(elems), len(elems))
		for k, e := range elems {
			if e == lg.opts.UnsetField {
				return reflect.Value{}, errSkip // a vector hole
			}
			if e == lg.opts.EmptyField && (et == "string" || et == "enum") {
				continue // empty string element
			}
			if err := parseScalar(sl.Index(k), et, e); err != nil {
				return reflect.Value{}, err
			}
		}
		v.Set(sl)
	}
	return p, nil
}

// TestZeekBaselines re-encodes every log Zeek wrote for the default-mode
// corpus and compares the result with Zeek's file, byte for byte: header,
// records and footer. It covers the value formats of all types that occur
// in Zeek's logs, escaping, IPv6 notation and six-decimal times. The logs
// of Zeek's own tests (other folders, with masked times and sometimes
// other separators) are compared record by record.
func TestZeekBaselines(t *testing.T) {
	base := refdata.Baselines(t)
	files, err := filepath.Glob(filepath.Join(base, "*", "*", "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob(filepath.Join(base, "*", "*.log"))
	files = append(files, more...)
	if len(files) == 0 {
		t.Skip("no baseline logs")
	}
	var nfiles, nrecs, bad, unparsed, skipped int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(base, f)
		strict := strings.HasPrefix(rel, "default"+string(filepath.Separator))
		lg, err := parseZeekLog(data)
		if err != nil {
			if strict {
				t.Errorf("%s: %v", rel, err)
			}
			unparsed++
			if testing.Verbose() {
				t.Logf("%s: not compared: %v", rel, err)
			}
			continue
		}
		nfiles++
		skipped += lg.skipped
		sc, err := schema.Compile(lg.typ)
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		view, err := sc.View(schema.ViewOptions{})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		enc := NewEncoder(lg.opts)
		if strict {
			if got := string(enc.AppendHeader(nil, lg.path, view.Columns(), lg.open)); got != lg.header {
				t.Errorf("%s: header\n got %q\nwant %q", rel, got, lg.header)
			}
		}
		var buf []byte
		for k, rec := range lg.recs {
			nrecs++
			buf = enc.AppendRecord(buf[:0], view, schema.RecordOfValue(rec))
			got := string(buf)
			if !strict {
				got = strings.ReplaceAll(got, sentinel, masked)
			}
			if want := lg.lines[k] + "\n"; got != want {
				bad++
				if bad <= 20 {
					t.Errorf("%s: record %d\n got %q\nwant %q", rel, k, got, want)
				}
			}
		}
		if strict && lg.footer != "" {
			if got := string(enc.AppendFooter(nil, lg.close)); got != lg.footer {
				t.Errorf("%s: footer %q, want %q", rel, got, lg.footer)
			}
		}
	}
	t.Logf("%d files (%d not parsed), %d records (%d skipped), %d differ", nfiles, unparsed, nrecs, skipped, bad)
	if nrecs < 1000 {
		t.Errorf("only %d records compared", nrecs)
	}
}
