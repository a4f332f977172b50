package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// TestZeekCutBaselines runs every zeek-cut test of Zeek's test suite
// (testing/btest/tools/zeek-cut/*.test) against heron-cut and compares
// with Zeek's baselines, read in place from a Zeek source tree. The test
// commands are read from the .test files: "cat LOGS | [ENV=..] zeek-cut
// ARGS > out [2> err | 2>&1]", with grep -v '^PATTERN' as an alternative
// input filter, and the canonifier the btest-diff line names.
func TestZeekCutBaselines(t *testing.T) {
	src := refdata.ZeekSource(t)
	bt := filepath.Join(src, "testing", "btest")
	logs := filepath.Join(bt, "Files", "zeek-cut-logs")
	tests, err := filepath.Glob(filepath.Join(bt, "tools", "zeek-cut", "*.test"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no zeek-cut tests under %s", bt)
	}
	ran := 0
	for _, tf := range tests {
		name := strings.TrimSuffix(filepath.Base(tf), ".test")
		if name == "help" {
			continue // heron-cut has its own help text
		}
		data, err := os.ReadFile(tf)
		if err != nil {
			t.Fatal(err)
		}
		var cases []*btestCase
		byOut := map[string]*btestCase{}
		for _, line := range strings.Split(string(data), "\n") {
			cmd, fail, ok := btestExec(line)
			if !ok {
				continue
			}
			if strings.Contains(cmd, "zeek-cut") {
				c := parseBtestCmd(t, cmd, logs)
				c.fail = fail
				cases = append(cases, c)
				for _, o := range []string{c.stdout, c.stderr} {
					if o != "" {
						byOut[o] = c
					}
				}
				continue
			}
			if i := strings.Index(cmd, "btest-diff "); i >= 0 {
				out := strings.TrimSpace(cmd[i+len("btest-diff "):])
				canon := "default"
				if strings.HasPrefix(cmd, "TEST_DIFF_CANONIFIER=") {
					canon = strings.TrimSpace(strings.TrimPrefix(cmd[:i], "TEST_DIFF_CANONIFIER="))
				}
				if c := byOut[out]; c != nil {
					c.diffs = append(c.diffs, btestDiff{out, canon})
				}
			}
		}
		for _, c := range cases {
			t.Run(name+"/"+c.label(), func(t *testing.T) {
				ran++
				c.run(t, filepath.Join(bt, "Baseline", "tools.zeek-cut."+name))
			})
		}
	}
	if ran < 60 {
		t.Errorf("ran %d zeek-cut cases, expected at least 60", ran)
	}
}

var execRE = regexp.MustCompile(`^#\s*@TEST-EXEC(-FAIL)?:\s*(.*)$`)

func btestExec(line string) (cmd string, fail, ok bool) {
	m := execRE.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", false, false
	}
	return m[2], m[1] != "", true
}

type btestDiff struct{ file, canon string }

type btestCase struct {
	cmd            string
	files          []string
	exclude        string // grep -v '^exclude'
	env            map[string]string
	args           []string
	stdout, stderr string
	merged         bool // 2>&1
	fail           bool
	diffs          []btestDiff
}

func (c *btestCase) label() string {
	if c.stdout != "" {
		return c.stdout
	}
	return c.stderr
}

// shellWords splits a command into words, honouring single and double
// quotes, as far as the zeek-cut tests need.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in := false
	var quote byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

func parseBtestCmd(t *testing.T, cmd, logs string) *btestCase {
	t.Helper()
	c := &btestCase{cmd: cmd, env: map[string]string{"TZ": "UTC"}}
	left, right, ok := strings.Cut(cmd, "|")
	if !ok {
		t.Fatalf("unexpected command %q", cmd)
	}
	lw := shellWords(strings.ReplaceAll(left, "$ZEEK_CUT_LOGS", logs))
	switch {
	case len(lw) >= 2 && lw[0] == "cat":
		c.files = lw[1:]
	case len(lw) == 4 && lw[0] == "grep" && lw[1] == "-v" && strings.HasPrefix(lw[2], "^"):
		c.exclude, c.files = lw[2][1:], lw[3:]
	default:
		t.Fatalf("unexpected input in %q", cmd)
	}
	rw := shellWords(right)
	i := 0
	for ; i < len(rw) && rw[i] != "zeek-cut"; i++ {
		k, v, ok := strings.Cut(rw[i], "=")
		if !ok {
			t.Fatalf("unexpected word %q in %q", rw[i], cmd)
		}
		c.env[k] = v
	}
	for i++; i < len(rw); i++ {
		switch w := rw[i]; {
		case w == ">":
			i++
			c.stdout = rw[i]
		case w == "2>":
			i++
			c.stderr = rw[i]
		case w == "2>&1":
			c.merged = true
		default:
			c.args = append(c.args, w)
		}
	}
	return c
}

func (c *btestCase) input(t *testing.T) []byte {
	var in bytes.Buffer
	for _, f := range c.files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if c.exclude == "" {
			in.Write(data)
			continue
		}
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if line != "" && !strings.HasPrefix(line, c.exclude) {
				in.WriteString(line)
			}
		}
	}
	return in.Bytes()
}

func (c *btestCase) run(t *testing.T, baseDir string) {
	var stdout, stderr bytes.Buffer
	env := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
	status := run(c.args, env, bytes.NewReader(c.input(t)), &stdout, &stderr)
	if (status != 0) != c.fail {
		t.Errorf("%s: exit status %d, zeek-cut's test expects failure=%v (stderr %q)", c.cmd, status, c.fail, stderr.String())
	}
	errText := strings.ReplaceAll(stderr.String(), "heron-cut", "zeek-cut")
	outputs := map[string]string{}
	if c.merged {
		outputs[c.stdout] = errText + stdout.String()
	} else {
		if c.stdout != "" {
			outputs[c.stdout] = stdout.String()
		}
		if c.stderr != "" {
			outputs[c.stderr] = errText
		}
	}
	if len(c.diffs) == 0 {
		t.Fatalf("%s: no btest-diff found for its outputs", c.cmd)
	}
	for _, d := range c.diffs {
		want, err := os.ReadFile(filepath.Join(baseDir, d.file))
		if err != nil {
			t.Fatal(err)
		}
		w := string(want)
		if strings.HasPrefix(w, "### ") {
			w = w[strings.IndexByte(w, '\n')+1:]
		}
		got := outputs[d.file]
		got, w = canonify(d.canon, got), canonify(d.canon, w)
		if got != w {
			t.Errorf("%s\n%s differs from Zeek's baseline (canonifier %q):\n--- got\n%s--- want\n%s", c.cmd, d.file, d.canon, got, w)
		}
	}
}

var (
	firstTimestampRE = regexp.MustCompile(`(^|[^0-9])([0-9]{9,10}\.[0-9]{1,8})`)
	openCloseRE      = regexp.MustCompile(`^ *#(open|close).(19|20)..-..-..-..-..-..$`)
	timeZoneRE       = regexp.MustCompile(`[+-][0-9][0-9][0-9][0-9]`)
)

// canonify applies the btest canonifiers the zeek-cut tests use
// (testing/scripts/diff-remove-first-timestamp, the default, and
// diff-time-zone), line by line as sed would.
func canonify(canon, s string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		nl := strings.HasSuffix(l, "\n")
		l = strings.TrimSuffix(l, "\n")
		switch {
		case canon == "":
		case strings.HasSuffix(canon, "diff-time-zone"):
			l = timeZoneRE.ReplaceAllString(l, "+0000")
		default:
			if loc := firstTimestampRE.FindStringSubmatchIndex(l); loc != nil {
				l = l[:loc[4]] + "XXXXXXXXXX.XXXXXX" + l[loc[5]:]
			}
			if m := openCloseRE.FindStringSubmatch(l); m != nil {
				l = "#" + m[1] + " XXXX-XX-XX-XX-XX-XX"
			}
		}
		if nl {
			l += "\n"
		}
		lines[i] = l
	}
	return strings.Join(lines, "")
}
