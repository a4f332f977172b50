package main

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

const benchJSON = `{"ts":1329843175.736107,"uid":"CjhGID4nQcgTWjvg4c","id.orig_h":"141.142.220.235","id.orig_p":37604,"id.resp_h":"199.233.217.249","id.resp_p":56666,"proto":"tcp","service":"ftp-data-with-a-rather-long-service-name-here","duration":0.112432,"orig_bytes":0,"resp_bytes":342,"conn_state":"SF","missed_bytes":0,"history":"ShAdfFa","orig_pkts":4,"orig_ip_bytes":216,"resp_pkts":4,"resp_ip_bytes":562,"tunnel_parents":["Cx","Cy"]}`

var benchTSVLine = "1329843175.736107\tCjhGID4nQcgTWjvg4c\t141.142.220.235\t37604\t199.233.217.249\t56666\ttcp\tftp-data\t0.112432\t0\t342\tSF\t-\t0\tShAdfFa\t4\t216\t4\t562\t(empty)"

const benchHeader = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n" +
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n" +
	"#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n"

func newBenchCutter(t testing.TB, args []string) *cutter {
	o, err := parseArgs(args, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := newCutter(o, func(k string) (string, bool) { return "UTC", k == "TZ" }, bufio.NewWriter(io.Discard), io.Discard)
	for _, l := range strings.Split(strings.TrimSuffix(benchHeader, "\n"), "\n") {
		if !c.line([]byte(l)) {
			t.Fatalf("header line %q rejected", l)
		}
	}
	return c
}

// TestLineAllocs: a data line, TSV or JSON, is printed without allocating
// once the layout is known.
func TestLineAllocs(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"-d", "ts", "uid", "tunnel_parents", "duration"},
		{"-n", "-U", "%c %s", "uid"},
	} {
		c := newBenchCutter(t, args)
		tsv, js := []byte(benchTSVLine), []byte(benchJSON)
		c.line(js) // learns the JSON columns
		c.line(tsv)
		if n := testing.AllocsPerRun(100, func() { c.line(tsv) }); n != 0 {
			t.Errorf("%q: %.1f allocations per TSV line", args, n)
		}
		if n := testing.AllocsPerRun(100, func() { c.line(js) }); n != 0 {
			t.Errorf("%q: %.1f allocations per JSON line", args, n)
		}
	}
}

func benchInput(line string, n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func benchRun(b *testing.B, args []string, input []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	env := func(k string) (string, bool) { return "UTC", k == "TZ" }
	for i := 0; i < b.N; i++ {
		run(args, env, bytes.NewReader(input), io.Discard, io.Discard)
	}
}

func BenchmarkTSV(b *testing.B) {
	benchRun(b, []string{"ts", "uid", "id.orig_h", "service"}, append([]byte(benchHeader), benchInput(benchTSVLine, 10000)...))
}

func BenchmarkTSVTime(b *testing.B) {
	benchRun(b, []string{"-u"}, append([]byte(benchHeader), benchInput(benchTSVLine, 10000)...))
}

func BenchmarkJSON(b *testing.B) {
	benchRun(b, []string{"ts", "uid", "id.orig_h", "service"}, benchInput(benchJSON, 10000))
}

func BenchmarkJSONAll(b *testing.B) {
	benchRun(b, nil, benchInput(benchJSON, 10000))
}
