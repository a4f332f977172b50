package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestFilterEqualsTcpdump: `heron -r T -f F` writes the logs of `heron -r`
// on what `tcpdump -r T -w - F` keeps.
func TestFilterEqualsTcpdump(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	trace, err := filepath.Abs("../../testdata/sample.pcap")
	if err != nil {
		t.Fatal(err)
	}
	for _, filter := range []string{"udp port 53", "tcp and not port 80", "host 10.0.0.1 or icmp", "ip[6:2] & 0x3fff != 0", "tcp[tcpflags] & tcp-syn != 0"} {
		t.Run(filter, func(t *testing.T) {
			dir := t.TempDir()
			kept := filepath.Join(dir, "kept.pcap")
			if out, err := exec.Command("tcpdump", "-r", trace, "-w", kept, filter).CombinedOutput(); err != nil {
				t.Fatalf("tcpdump: %v\n%s", err, out)
			}
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if code, _, errOut := runCLI("-C", "--seed", "7", "-r", trace, "-f", filter, "--logdir", a); code != 0 {
				t.Fatalf("heron -f: exit %d: %s", code, errOut)
			}
			if code, _, errOut := runCLI("-C", "--seed", "7", "-r", kept, "--logdir", b); code != 0 {
				t.Fatalf("heron on tcpdump's output: exit %d: %s", code, errOut)
			}
			got, want := logRecords(t, a), logRecords(t, b)
			for name, rows := range want {
				if strings.Join(got[name], "\n") != strings.Join(rows, "\n") {
					t.Errorf("%s differs:\n--- heron -f\n%s\n--- tcpdump then heron\n%s", name, strings.Join(got[name], "\n"), strings.Join(rows, "\n"))
				}
			}
			if len(got) != len(want) {
				t.Errorf("logs %v, want %v", keys(got), keys(want))
			}
		})
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFilterErrors(t *testing.T) {
	trace := "../../testdata/sample.pcap"
	code, _, errOut := runCLI("-r", trace, "-f", "tcp port 80 andd host x", "--logdir", t.TempDir())
	if code != 1 || !strings.Contains(errOut, "column 13") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("exit %d, stderr %q: want exit 1 and one line naming column 13", code, errOut)
	}
}
