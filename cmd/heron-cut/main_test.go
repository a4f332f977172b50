package main

import (
	"bytes"
	"compress/gzip"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	def := "%Y-%m-%dT%H:%M:%S%z"
	cases := []struct {
		args   []string
		env    map[string]string
		want   options
		err    string // error message, or "usage" for the help text
		stderr string
	}{
		{args: nil, want: options{timeFmt: def}},
		{args: []string{"uid", "-d", "ts"}, want: options{timeConv: 1, timeFmt: def, columns: []string{"uid", "ts"}}},
		{args: []string{"-cn", "-F,", "a"}, want: options{showHeader: 1, negate: true, ofs: ',', timeFmt: def, columns: []string{"a"}}},
		{args: []string{"-F", "-", "a"}, want: options{ofs: '-', timeFmt: def, columns: []string{"a"}}},
		{args: []string{"-C", "-m"}, want: options{showHeader: 1, minimal: true, timeFmt: def}},
		{args: []string{"-M", "-c"}, want: options{showHeader: 1, timeFmt: def}},
		{args: []string{"-D", "%H", "-u"}, want: options{timeConv: 2, timeFmt: "%H"}},
		{args: []string{"-U%s", "-d"}, want: options{timeConv: 1, timeFmt: "%s"}},
		{args: []string{"--", "-n", "x"}, want: options{timeFmt: def, columns: []string{"-n", "x"}}},
		{args: []string{"-", "x"}, want: options{timeFmt: def, columns: []string{"-", "x"}}},
		{args: []string{"-d"}, env: map[string]string{"ZEEK_CUT_TIMEFMT": "%T"}, want: options{timeConv: 1, timeFmt: "%T"}},
		{args: []string{"-d"}, env: map[string]string{"ZEEK_CUT_TIMEFMT": "%T", "HERON_CUT_TIMEFMT": "%R"}, want: options{timeConv: 1, timeFmt: "%R"}},
		{args: []string{"-d"}, env: map[string]string{"BRO_CUT_TIMEFMT": "%D"}, want: options{timeConv: 1, timeFmt: "%D"}, stderr: "legacy environment variable BRO_CUT_TIMEFMT"},
		{args: []string{"-h"}, err: "usage"},
		{args: []string{"--help"}, err: "usage"},
		{args: []string{"--he"}, err: "usage"},
		{args: []string{"--frob"}, err: "usage", stderr: "unrecognized option '--frob'"},
		{args: []string{"-x"}, err: "usage", stderr: "invalid option -- 'x'"},
		{args: []string{"-F"}, err: "usage", stderr: "option requires an argument -- 'F'"},
		{args: []string{"-F", "ab"}, err: "field separator must be a single character"},
		{args: []string{"-F", ""}, err: "field separator must be a single character"},
		{args: []string{"-D", ""}, err: "time format string cannot be empty"},
		{args: []string{"-u"}, env: map[string]string{"ZEEK_CUT_TIMEFMT": ""}, err: "time format string cannot be empty"},
	}
	for _, c := range cases {
		var stderr bytes.Buffer
		env := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		got, err := parseArgs(c.args, env, &stderr)
		if c.stderr != "" && !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%q: stderr %q, want %q", c.args, stderr.String(), c.stderr)
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%q: got %+v, want %+v", c.args, *got, c.want)
		}
	}
}

func TestRunStatusAndHelp(t *testing.T) {
	out, errOut, st := cut(t, []string{"-h"}, nil, nil)
	if st != 1 || !strings.Contains(out, "heron-cut [options] [<columns>]") || errOut != "" {
		t.Errorf("-h: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	_, errOut, st = cut(t, []string{"-F", "xy"}, nil, nil)
	if st != 1 || errOut != "heron-cut: field separator must be a single character\n" {
		t.Errorf("-F xy: status %d, stderr %q", st, errOut)
	}
}

const tinyTSV = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tt\n" +
	"#fields\tts\tuid\tn\n#types\ttime\tstring\tcount\n" +
	"1329843175.736107\tCa\t1\n1329843179.871641\tCb\t-\n#close\t2014-04-01-23-15-49\n"

func TestMixedAndCompressedInput(t *testing.T) {
	utc := map[string]string{"TZ": "UTC"}
	js := `{"ts":1329843194.151526,"uid":"Cc","n":3}` + "\n" + `{"uid":"Cd","ts":1329843197.0}` + "\n"
	cases := []struct {
		name   string
		args   []string
		input  string
		want   string
		stderr string
	}{
		{name: "tsv then json", args: []string{"-u", "uid", "ts"}, input: tinyTSV + js,
			want: "Ca\t2012-02-21T16:52:55+0000\nCb\t2012-02-21T16:52:59+0000\nCc\t2012-02-21T16:53:14+0000\nCd\t2012-02-21T16:53:17+0000\n"},
		{name: "json then tsv with headers", args: []string{"-C", "uid"}, input: js + tinyTSV,
			want: "#fields\tuid\nCc\nCd\n#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tt\n#fields\tuid\n#types\tstring\nCa\nCb\n#close\t2014-04-01-23-15-49\n"},
		{name: "json key order merges", args: []string{"-M"}, input: `{"a":1}` + "\n" + `{"a":2,"b":"x"}` + "\n" + `{"c":true,"a":3}` + "\n",
			want: "a\n1\na\tb\n2\tx\nc\ta\tb\nT\t3\t-\n"},
		{name: "json ofs", args: []string{"-F", "|", "a", "b"}, input: `{"a":[1,2],"b":null}` + "\n",
			want: "1,2|-\n"},
		{name: "bad json", args: []string{"a"}, input: "{\"a\":1,}\n{\"a\":2}\n",
			want: "2\n", stderr: "heron-cut: skipping log line 1 (not a JSON object)\n"},
		{name: "json times", args: []string{"ts", "till", "from"}, input: `{"ts":"2012-02-21T16:52:55.736107Z","till":1329843175736,"from":"x"}` + "\n",
			want: "1329843175.736107\t1329843175.736000\tx\n"},
		{name: "json unicode escapes", args: []string{"s"}, input: `{"s":"\u00e9\ud83d\ude00\udb80\udcff\u0001"}` + "\n",
			want: `\xc3\xa9\xf0\x9f\x98\x80\xff\x01` + "\n"},
		{name: "json nested", args: []string{"o", "v"}, input: `{"o":{"x":[1,{"y":2}]},"v":[[1],2]}` + "\n",
			want: `{"x":[1,{"y":2}]}` + "\t[1],2\n"},
		{name: "empty line without header", args: nil, input: "\n", want: "\n"},
		{name: "no newline at end", args: []string{"n"}, input: strings.TrimSuffix(tinyTSV, "\n"), want: "1\n-\n"},
		{name: "short tsv line", args: []string{"n"}, input: tinyTSV + "x\ty\n",
			want: "1\n-\n", stderr: "heron-cut: skipping log line (not enough fields)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, st := cut(t, c.args, utc, []byte(c.input))
			if out != c.want || errOut != c.stderr || st != 0 {
				t.Errorf("got status %d\n%q\nstderr %q\nwant\n%q\nstderr %q", st, out, errOut, c.want, c.stderr)
			}
		})
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(tinyTSV))
	zw.Close()
	out, errOut, st := cut(t, []string{"uid"}, utc, gz.Bytes())
	if out != "Ca\nCb\n" || errOut != "" || st != 0 {
		t.Errorf("gzip input: %q %q %d", out, errOut, st)
	}
}

func TestLongLine(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	out, _, st := cut(t, []string{"uid"}, nil, []byte(tinyTSV+"1.0\t"+long+"\t3\n"))
	if st != 0 || out != "Ca\nCb\n"+long+"\n" {
		t.Errorf("status %d, %d bytes of output", st, len(out))
	}
}
