package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	scripts := filepath.Join(dir, "scripts")
	for name, text := range map[string]string{
		"base/init-bare.zeek":                "@load ./x\n",
		"base/x.zeek":                        "module X;\nconst ports = { 21/tcp } &redef;\nevent zeek_init() { Analyzer::register_for_ports(Analyzer::ANALYZER_X, ports); }\n",
		"base/init-frameworks-and-bifs.zeek": "",
		"base/init-default.zeek":             "",
	} {
		p := filepath.Join(scripts, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "catalog.txt")
	if err := run(scripts, "0123abc", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# zeek-commit 0123abc\n", "S\tbase/init-bare\tfile\nL\tbase/x\n", "V\tX::ports\t=\t21/tcp\nA\tANALYZER_X\t$X::ports\t-\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("output lacks %q:\n%s", want, b)
		}
	}
	if err := run(filepath.Join(dir, "nope"), "", out); err == nil {
		t.Error("run on a missing directory succeeded")
	}
	if err := run(out, "", out); err == nil {
		t.Error("run on a file succeeded")
	}
}
