package remote

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// unquote splits a command line that Quote wrote: plain words and
// single-quoted parts with '\” for a quote, separated by blanks.
func unquote(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	in, word := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\'':
			in = false
		case in:
			cur.WriteByte(c)
		case c == '\'':
			in, word = true, true
		case c == '\\' && i+1 < len(s) && s[i+1] == '\'':
			cur.WriteByte('\'')
			i++
			word = true
		case c == ' ':
			if !word {
				return nil, false
			}
			out = append(out, cur.String())
			cur.Reset()
			word = false
		case strings.IndexByte(" \t\n;&|<>()$`\\\"*?[]#~", c) >= 0:
			return nil, false // a character the shell would interpret
		default:
			cur.WriteByte(c)
			word = true
		}
	}
	if in || !word {
		return nil, false
	}
	return append(out, cur.String()), true
}

var quoteCases = [][]string{
	{"echo", "hello"},
	{"printf", "%s\n", "two words", "it's", ""},
	{"sh", "-c", `echo "$HOME" $(id) ; rm -rf / & | > <`, "x"},
	{"a\nb", "\t", "'", "''", `\'`, "*", "~user", "#"},
	{"/opt/heron/bin/heronctl", "_host", "start", "--plan", "/var/spool/x y/supervise.json"},
}

// TestQuote: the quoted line reads back as the same words, in Go and in
// a real sh.
func TestQuote(t *testing.T) {
	for _, argv := range quoteCases {
		q := Quote(argv)
		back, ok := unquote(q)
		if !ok || !reflect.DeepEqual(back, argv) {
			t.Errorf("Quote(%q) = %s, reads back as %q", argv, q, back)
		}
		// sh prints each word followed by a NUL.
		out, err := exec.Command("sh", "-c", "set -- "+q+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
		if err != nil {
			t.Fatalf("sh: %v", err)
		}
		got := strings.Split(string(out), "\x00")
		got = got[:len(got)-1]
		if !reflect.DeepEqual(got, argv) {
			t.Errorf("sh reads %s as %q, want %q", q, got, argv)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, argv := range quoteCases {
		f.Add(strings.Join(argv, "\x00"))
	}
	f.Fuzz(func(t *testing.T, s string) {
		argv := strings.Split(s, "\x00")
		q := Quote(argv)
		back, ok := unquote(q)
		if !ok || !reflect.DeepEqual(back, argv) {
			t.Fatalf("Quote(%q) = %s, reads back as %q", argv, q, back)
		}
	})
}

func TestLocalHost(t *testing.T) {
	ctx := context.Background()
	h := &Local{HostName: "localhost"}
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "file")
	if err := h.WriteFile(ctx, p, []byte("data"), 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("%v %v", st, err)
	}
	sums, err := h.Sums(ctx, []string{p, filepath.Join(dir, "missing"), dir})
	// sha256("data")
	if err != nil || len(sums) != 1 || sums[p] != "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7" {
		t.Errorf("sums %v %v", sums, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "a", "b", ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
	out, err := h.Run(ctx, []string{"sh", "-c", "echo out; echo bad >&2; exit 3"}, nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Status != 3 || string(out) != "out\n" || err.Error() != "remote: sh on localhost: bad" {
		t.Errorf("run: %q %v", out, err)
	}
	out, err = h.Run(ctx, []string{"cat"}, strings.NewReader("in"))
	if err != nil || string(out) != "in" {
		t.Errorf("stdin: %q %v", out, err)
	}
}

func TestIsLocal(t *testing.T) {
	host, _ := os.Hostname()
	for h, want := range map[string]bool{"localhost": true, "LocalHost": true, "127.0.0.1": true, "::1": true, host: true, "127.0.0.2": false, "192.0.2.1": false} {
		if IsLocal(h) != want {
			t.Errorf("IsLocal(%q) = %v", h, !want)
		}
	}
}

// TestDialErrors: no key, no known_hosts, nothing listening: one clear
// error each.
func TestDialErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	_, err := DialSSH(ctx, "192.0.2.1", SSHConfig{User: "u", KeyFiles: []string{filepath.Join(dir, "nokey")}})
	if err == nil || !strings.Contains(err.Error(), "no usable SSH key for 192.0.2.1") {
		t.Errorf("no key: %v", err)
	}
	key := filepath.Join(dir, "key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Skipf("ssh-keygen: %v %s", err, out)
	}
	_, err = DialSSH(ctx, "192.0.2.1", SSHConfig{User: "u", KeyFiles: []string{key}, KnownHosts: filepath.Join(dir, "none")})
	if err == nil || !strings.Contains(err.Error(), "reading known hosts") {
		t.Errorf("no known_hosts: %v", err)
	}
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, nil, 0o600)
	_, err = DialSSH(ctx, "127.0.0.1", SSHConfig{User: "u", Port: 1, KeyFiles: []string{key}, KnownHosts: kh})
	if err == nil || !strings.Contains(err.Error(), "remote: connecting to 127.0.0.1:1") {
		t.Errorf("refused: %v", err)
	}
}
