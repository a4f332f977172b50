package node_test

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	sigfw "github.com/heron-nsm/heron/internal/frameworks/signatures"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

func repoFile(t *testing.T, rel string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", rel)
}

// runSample runs the default-mode node over the recorded sample trace with
// the sample signature file and returns the log directory.
func runSample(t *testing.T, tweak func(*node.Config)) string {
	t.Helper()
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = repoFile(t, "testdata/sample.pcap")
	cfg.SignatureFiles = []string{repoFile(t, "testdata/signatures/sample.sig")}
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 7
	if tweak != nil {
		tweak(&cfg)
	}
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

func readSigLog(t *testing.T, dir, name string) []map[string]string {
	t.Helper()
	l, err := zeeklog.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return l.Records
}

func count(recs []map[string]string, field, value string) int {
	n := 0
	for _, r := range recs {
		if r[field] == value {
			n++
		}
	}
	return n
}

// TestUserSignatures: on the recorded trace, a user signature file yields
// signatures.log and notice.log as Zeek documents them: a
// Sensitive_Signature record and notice per match (the default action
// SIG_ALARM), with "src: msg" and the matched payload, Multiple_Signatures
// when one client triggers five signatures on one server, logged once per
// threshold.
func TestUserSignatures(t *testing.T) {
	dir := runSample(t, nil)
	sigs := readSigLog(t, dir, "signatures.log")
	notices := readSigLog(t, dir, "notice.log")
	conns := readSigLog(t, dir, "conn.log")

	// 7 page requests (6 over IPv4, 1 over IPv6) + page0..page3 (page2 also
	// over IPv6) + 4 DNS.
	if n := count(sigs, "note", "Signatures::Sensitive_Signature"); n != 16 {
		t.Errorf("%d Sensitive_Signature records, want 16", n)
	}
	var page0 map[string]string
	for _, r := range sigs {
		if r["sig_id"] == "page0" {
			page0 = r
		}
	}
	if page0 == nil {
		t.Fatal("no record for page0")
	}
	if page0["event_msg"] != "10.88.0.2: page 0" || page0["src_addr"] != "10.88.0.2" || page0["dst_port"] != "80" ||
		!strings.HasPrefix(page0["sub_msg"], `GET /page0.html HTTP/1.1\x0d\x0a`) || page0["sig_count"] != "-" {
		t.Errorf("page0 record %v", page0)
	}
	// The uid names the connection in conn.log.
	found := false
	for _, c := range conns {
		found = found || (c["uid"] == page0["uid"] && c["id.orig_p"] == page0["src_port"])
	}
	if !found {
		t.Errorf("signatures.log uid %s is not the connection's", page0["uid"])
	}

	// The fifth distinct signature between 10.88.0.2 and 10.88.0.1.
	var multi []map[string]string
	for _, r := range sigs {
		if r["note"] == "Signatures::Multiple_Signatures" {
			multi = append(multi, r)
		}
	}
	if len(multi) != 1 || multi[0]["sig_count"] != "5" || multi[0]["event_msg"] != "5 different signatures triggered" ||
		multi[0]["sub_msg"] != "10.88.0.2 has triggered 5 different signatures on host 10.88.0.1" {
		t.Errorf("Multiple_Signatures records %v", multi)
	}

	if n := count(notices, "note", "Signatures::Sensitive_Signature"); n != 16 {
		t.Errorf("%d Sensitive_Signature notices, want 16", n)
	}
	if n := count(notices, "note", "Signatures::Multiple_Signatures"); n != 1 {
		t.Errorf("%d Multiple_Signatures notices, want 1", n)
	}
	for _, n := range notices {
		if n["note"] == "Signatures::Sensitive_Signature" && n["msg"] == "10.88.0.2: page 0" {
			if n["src"] != "10.88.0.2" || n["dst"] != "10.88.0.1" || n["p"] != "80" ||
				n["actions"] != "Notice::ACTION_LOG" || n["suppress_for"] != "3600.000000" || n["uid"] != page0["uid"] {
				t.Errorf("notice %v", n)
			}
		}
	}
}

// TestSignatureActionsSuppressRepeats: Zeek's per-originator and once-only
// actions log every match but raise the notice only for the first.
func TestSignatureActionsSuppressRepeats(t *testing.T) {
	dir := runSample(t, func(c *node.Config) {
		c.Signatures.Actions = map[string]sigfw.Action{
			"http-page":        sigfw.SigAlarmPerOrig,
			"dns-sample-query": sigfw.SigAlarmOnce,
			"page0":            sigfw.SigQuiet,
		}
	})
	sigs := readSigLog(t, dir, "signatures.log")
	notices := readSigLog(t, dir, "notice.log")
	perSig := func(recs []map[string]string, field, id string) int {
		n := 0
		for _, r := range recs {
			if r["note"] == "Signatures::Sensitive_Signature" && strings.Contains(r[field], id) {
				n++
			}
		}
		return n
	}
	if a, b := perSig(sigs, "sig_id", "http-page"), perSig(notices, "msg", "HTTP page request"); a != 7 || b != 2 {
		t.Errorf("http-page: %d records, %d notices; want 7 and 2 (one per originator)", a, b)
	}
	if a, b := perSig(sigs, "sig_id", "dns-sample-query"), perSig(notices, "msg", "DNS query"); a != 4 || b != 1 {
		t.Errorf("dns-sample-query: %d records, %d notices; want 4 and 1", a, b)
	}
	if a, b := perSig(sigs, "sig_id", "page0"), perSig(notices, "msg", "page 0"); a != 0 || b != 0 {
		t.Errorf("quiet page0: %d records, %d notices; want none", a, b)
	}
}
