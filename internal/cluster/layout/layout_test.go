package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const good = `{
  "version": 1,
  "cluster": "test",
  "spool_dir": "/tmp/spool",
  "log_dir": "/tmp/logs",
  "nats": {"embedded": {"listen": "127.0.0.1:4222"}},
  "nodes": {
    "manager": {"type": "manager", "metrics_port": 9911},
    "logger-1": {"type": "logger"},
    "proxy-1": {"type": "proxy"},
    "worker-1": {"type": "worker", "read": "t.pcap", "shard": {"index": 0, "count": 2}},
    "worker-2": {"type": "worker", "interface": "af_packet::eth0", "threads": 2}
  }
}`

func TestParse(t *testing.T) {
	l, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if l.Manager().Name != "manager" || len(l.ByRole(Worker)) != 2 || l.Nodes["worker-2"].Threads != 2 {
		t.Errorf("parsed %+v", l)
	}
	if _, err := l.Node("worker-9"); err == nil || !strings.Contains(err.Error(), "logger-1, manager, proxy-1, worker-1, worker-2") {
		t.Errorf("unknown node: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ edit, want string }{
		{`"version": 1,`, "version 0"},
		{`"type": "logger"`, `type "loger"`},
		{`"read": "t.pcap", `, "exactly one of"},
		{`"nats": {"embedded": {"listen": "127.0.0.1:4222"}},`, "nats:"},
		{`"metrics_port": 9911`, `unknown field "metrics"`},
		{`"index": 0`, "shard 5 of 2"},
		{`"cluster": "test",`, "cluster name"},
	} {
		var bad string
		switch c.want {
		case "version 0":
			bad = strings.Replace(good, c.edit, `"version": 0,`, 1)
		case `type "loger"`:
			bad = strings.Replace(good, c.edit, `"type": "loger"`, 1)
		case "exactly one of":
			bad = strings.Replace(good, c.edit, `"read": "t.pcap", "interface": "eth1", `, 1)
		case "nats:":
			bad = strings.Replace(good, c.edit, "", 1)
		case `unknown field "metrics"`:
			bad = strings.Replace(good, c.edit, `"metrics": 9911`, 1)
		case "shard 5 of 2":
			bad = strings.Replace(good, c.edit, `"index": 5`, 1)
		case "cluster name":
			bad = strings.Replace(good, c.edit, `"cluster": "a.b",`, 1)
		}
		if _, err := Parse([]byte(bad)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.want, err, c.want)
		}
	}
	if _, err := Parse([]byte("{\n  \"version\": 1,\n  oops\n}")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestFindAndRead(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if Find("x.json", getenv) != "x.json" || Find("", getenv) != "cluster-layout.json" {
		t.Error("Find")
	}
	env["HERON_CLUSTER_LAYOUT"] = "/etc/heron/layout.json"
	if Find("", getenv) != "/etc/heron/layout.json" {
		t.Error("Find with the environment")
	}
	f := filepath.Join(t.TempDir(), "l.json")
	os.WriteFile(f, []byte(good), 0o644)
	if l, err := Read(f); err != nil || l.File != f {
		t.Errorf("Read: %v", err)
	}
	if _, err := Read(f + ".missing"); err == nil || !strings.Contains(err.Error(), "--cluster") {
		t.Errorf("missing file: %v", err)
	}
}

// TestRotationAndSignatures: the rotation settings and signature files
// are read, and bad rotation settings are errors that say what is wrong.
func TestRotationAndSignatures(t *testing.T) {
	withRot := func(rot string) string {
		return strings.Replace(good, `"nodes": {`, `"signatures": ["site/a.sig"], "rotation": `+rot+`, "nodes": {`, 1)
	}
	l, err := Parse([]byte(withRot(`{"interval": 2, "base_time": "0:30", "compression": "zstd", "archive_dir": "/tmp/archive", "expire_interval": 86400, "keep": ["conn.*"]}`)))
	if err != nil {
		t.Fatal(err)
	}
	r := l.Rotation
	if r == nil || r.Interval != 2 || r.BaseTime != "0:30" || r.Compression != "zstd" || r.ArchiveDir != "/tmp/archive" ||
		r.ExpireInterval != 86400 || len(r.Keep) != 1 || r.Keep[0] != "conn.*" || len(l.Signatures) != 1 || l.Signatures[0] != "site/a.sig" {
		t.Errorf("parsed %+v, signatures %q", r, l.Signatures)
	}
	for rot, want := range map[string]string{
		`{"interval": -1}`:                      "rotation: give intervals",
		`{"interval": 1, "compression": "lz4"}`: `compression "lz4"`,
		`{"interval": 1, "base_time": "25:00"}`: "base_time",
		`{"interval": 1, "keep": ["[a"]}`:       `keep pattern "[a"`,
		`{"interval": 1, "every": 2}`:           `unknown field "every"`,
	} {
		if _, err := Parse([]byte(withRot(rot))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("rotation %s: %v, want %q", rot, err, want)
		}
	}
}

// FuzzParse: any input is a layout or an error, never a panic; a layout
// that parses has a node for every name and a checked rotation.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(strings.Replace(good, `"nodes": {`, `"signatures": ["a.sig"], "rotation": {"interval": 2, "base_time": "1:30", "compression": "zstd", "keep": ["conn.*"]}, "nodes": {`, 1)))
	f.Add([]byte(`{"version": 1, "nodes": {"s": {"type": "standalone", "read": "x.pcap"}}}`))
	f.Add([]byte(strings.Replace(good, `"nodes": {`, `"mail": {"to": "a@b", "smtp": {"server": "m", "port": 25, "tls": "tls", "user": "u", "password_file": "p"}}, "nodes": {`, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse(b)
		if err != nil {
			return
		}
		for _, name := range l.Names() {
			if n, err := l.Node(name); err != nil || n.Name != name {
				t.Fatalf("node %q: %v", name, err)
			}
		}
		if r := l.Rotation; r != nil && r.check() != nil {
			t.Fatalf("rotation %+v passed Parse but not check", r)
		}
		if m := l.Mail; m != nil && m.check() != nil {
			t.Fatalf("mail %+v passed Parse but not check", m)
		}
	})
}
