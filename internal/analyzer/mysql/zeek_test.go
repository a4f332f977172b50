package mysql_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// zeekCase is a trace with Zeek's logs for it: from the shared corpus's
// default-mode runs (corpus true: base is the baseline folder's name,
// loads are empty) or from Zeek's btests (base is the test's baseline
// folder).
type zeekCase struct {
	name   string
	trace  string // under Zeek's testing/btest/Traces
	corpus bool
	bare   bool
	c      bool // -C
	loads  []string
	files  []string
}

var zeekCases = []zeekCase{
	{name: "mysql__caching_sha2_password-after-auth-switch.pcapng", trace: "mysql/caching_sha2_password-after-auth-switch.pcapng", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__caching_sha2_password.pcap", trace: "mysql/caching_sha2_password.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__change-user-error.pcap", trace: "mysql/change-user-error.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__change-user-success.pcap", trace: "mysql/change-user-success.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__encrypted.pcap", trace: "mysql/encrypted.pcap", corpus: true, c: true, files: []string{"ssl.log", "x509.log", "conn.log"}},
	{name: "mysql__mysql-9.0.0-query-attributes.pcap", trace: "mysql/mysql-9.0.0-query-attributes.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__mysql-show-engine-innodb-status-no-password.pcap", trace: "mysql/mysql-show-engine-innodb-status-no-password.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__mysql.pcap", trace: "mysql/mysql.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__mysql8-navicat-login-failed.pcap", trace: "mysql/mysql8-navicat-login-failed.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__plain-amazon-rds.pcap", trace: "mysql/plain-amazon-rds.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__query-attr.pcap", trace: "mysql/query-attr.pcap", corpus: true, c: true, files: []string{"mysql.log", "conn.log"}},
	{name: "mysql__tls-12-amazon-rds.pcap", trace: "mysql/tls-12-amazon-rds.pcap", corpus: true, c: true, files: []string{"ssl.log", "x509.log", "conn.log"}},
	{name: "scripts.base.protocols.mysql.auth", trace: "mysql/auth.pcap", bare: true, c: false,
		loads: []string{"base/protocols/mysql"}, files: []string{"mysql.log"}},
	{name: "scripts.base.protocols.mysql.many-query-attr", trace: "mysql/many-query-attrs.pcap", bare: true, c: true,
		loads: []string{"base/protocols/mysql"}, files: []string{"mysql.log"}},
	{name: "scripts.base.protocols.mysql.selects_with_new_proto", trace: "mysql/selects_with_new_proto.pcap", bare: true, c: false,
		loads: []string{"base/protocols/mysql"}, files: []string{"mysql.log"}},
	{name: "scripts.base.protocols.mysql.wireshark", trace: "mysql/mysql.pcap", bare: true, c: false,
		loads: []string{"base/protocols/mysql"}, files: []string{"mysql.log"}},
}

// TestZeekLogs runs the node over each trace and compares its logs with
// Zeek's, record by record as multisets (uids, and the times btest
// baselines mask, aside; of conn.log only the endpoints and the service).
func TestZeekLogs(t *testing.T) {
	for _, zc := range zeekCases {
		t.Run(zc.name, func(t *testing.T) {
			var base string
			if zc.corpus {
				base = filepath.Join(refdata.Baselines(t), "default", zc.name)
			} else {
				base = filepath.Join(refdata.ZeekSource(t), "testing", "btest", "Baseline", zc.name)
			}
			dir := runNode(t, zc)
			for _, f := range zc.files {
				compareLog(t, filepath.Join(base, f), filepath.Join(dir, f))
			}
		})
	}
}

func runNode(t *testing.T, zc zeekCase) string {
	t.Helper()
	loaded, err := scripts.Load(zc.bare, zc.loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = refdata.FindTrace(t, zc.trace)
	cfg.IgnoreChecksums = zc.c
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// compareLog compares one of Heron's logs with Zeek's.
func compareLog(t *testing.T, wantPath, gotPath string) {
	t.Helper()
	raw, err := os.ReadFile(wantPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ln := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(ln, "###") {
			lines = append(lines, ln)
		}
	}
	want, err := zeeklog.Parse(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	got, err := zeeklog.ReadFile(gotPath)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(gotPath), err)
	}
	var fields []string
	if len(want.Records) > 0 {
		for f, v := range want.Records[0] {
			if f == "uid" || strings.HasPrefix(v, "XXXXXXXXXX") {
				continue
			}
			if filepath.Base(wantPath) == "conn.log" && f != "service" && !strings.HasPrefix(f, "id.") {
				continue
			}
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	w, g := canonical(want.Records, fields), canonical(got.Records, fields)
	if !slices.Equal(w, g) {
		t.Errorf("%s differs from Zeek's (fields %v):\n got:\n  %s\n want:\n  %s", filepath.Base(gotPath), fields,
			strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	}
}

func canonical(recs []map[string]string, fields []string) []string {
	var out []string
	for _, r := range recs {
		var vals []string
		for _, f := range fields {
			vals = append(vals, f+"="+r[f])
		}
		out = append(out, strings.Join(vals, " "))
	}
	slices.Sort(out)
	return out
}
