package main

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// FuzzCut feeds arbitrary input to heron-cut under several option sets:
// it must not panic, and must print at most one output line per input line
// (plus header lines it copies).
func FuzzCut(f *testing.F) {
	f.Add([]byte(tinyTSV), uint8(0))
	f.Add([]byte(tinyTSV+`{"ts":1.5,"a":[1,"x",null]}`+"\n"), uint8(3))
	f.Add([]byte("#separator \\x2c\n#fields,a,b\n#types,time,count\n1.0,2\n"), uint8(5))
	f.Add([]byte(`{"s":"\udb80\udcff","t":"1970-01-01T00:00:00.000000Z"}`), uint8(7))
	argSets := [][]string{
		nil,
		{"-C", "uid", "ts"},
		{"-n", "-d", "uid"},
		{"-M", "-u", "-F", ",", "ts", "a", "nosuch"},
		{"-m"},
		{"-c", "-U", "%c %j %s %%", "ts", "till"},
		{"-D", "%_10Y%-5q%#Z%^a"},
		{"-d", "-n"},
	}
	f.Fuzz(func(t *testing.T, input []byte, which uint8) {
		args := argSets[int(which)%len(argSets)]
		var out bytes.Buffer
		env := func(k string) (string, bool) {
			if k == "TZ" {
				return "CET-1CEST,M3.5.0,M10.5.0/3", true
			}
			return "", false
		}
		run(args, env, bytes.NewReader(input), &out, io.Discard)
		lines := bytes.Count(input, []byte("\n")) + 1
		if n := bytes.Count(out.Bytes(), []byte("\n")); n > 2*lines {
			t.Fatalf("%d output lines for %d input lines", n, lines)
		}
	})
}

// FuzzJSONLine: the line parser accepts every JSON object encoding/json
// accepts, and its strings decode as encoding/json decodes them (apart from
// Zeek's escaped-byte forms, which the seeds avoid).
func FuzzJSONLine(f *testing.F) {
	f.Add([]byte(`{"ts":1329843175.736107,"uid":"C","id.orig_h":"10.0.0.1","names":["a",""],"ok":true,"x":null}`))
	f.Add([]byte(`{"a":{"b":[1,2,{"c":"d"}]},"e":-1.5e-7,"f":"\u00e9\n"}`))
	f.Add([]byte(` { } `))
	f.Fuzz(func(t *testing.T, line []byte) {
		var p jsonParser
		err := p.parse(line)
		var m map[string]any
		if json.Unmarshal(line, &m) == nil && m != nil && bytes.IndexByte(line, '\\') < 0 && nesting(line) < maxJSONDepth {
			if err != nil {
				t.Fatalf("rejected valid JSON object %q: %v", line, err)
			}
			for _, mem := range p.members {
				key := string(p.buf[mem.keyFrom:mem.keyTo])
				v, ok := m[key]
				if !ok {
					t.Fatalf("key %q not in encoding/json's result", key)
				}
				if s, isStr := v.(string); isStr && mem.v.kind == jString && bytes.IndexByte(line, '\\') < 0 {
					if got := string(p.buf[mem.v.from:mem.v.to]); got != s && json.Valid([]byte(`"`+got+`"`)) {
						t.Fatalf("string %q decoded as %q, encoding/json %q", key, got, s)
					}
				}
			}
		}
	})
}

// nesting returns the deepest nesting of brackets in line, not counting
// those inside strings (the line has no escapes).
func nesting(line []byte) int {
	depth, most, inStr := 0, 0, false
	for _, c := range line {
		switch {
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '[' || c == '{':
			depth++
			most = max(most, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return most
}
