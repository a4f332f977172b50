package signatures

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// TestLogs runs matches through the framework with the real notice
// framework and real log streams, and reads the logs back.
func TestLogs(t *testing.T) {
	dir := t.TempDir()
	lc := logging.DefaultConfig()
	lc.LogDir = dir
	lc.Extensions = []string{notice.ExtGeoData}
	lc.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := logging.NewStream[Info](m, LogPath)
	if err != nil {
		t.Fatal(err)
	}
	nl, al, err := notice.NewStreams(m)
	if err != nil {
		t.Fatal(err)
	}
	nf := notice.New(notice.DefaultConfig(), notice.Writer(nl), notice.Writer(al))
	cfg := DefaultConfig()
	for _, s := range []string{"quieta", "quietb", "quietc", "quietd"} {
		cfg.Actions[s] = SigQuiet
	}
	f := New(cfg, func(i *Info) { _ = sl.Write(i) }, nf)

	m1 := match(1300000000*sec, orig1, resp1, "http-evil")
	m1.IsOrig, m1.Msg, m1.Data = false, "Evil\tresponse", []byte("HTTP/1.1 200 OK\r\n\x00\x01")
	f.Match(m1)
	for i := range 4 {
		f.Match(match(1300000001*sec, orig1, resp1, "quiet"+string(rune('a'+i))))
	}
	f.Done()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	sigs, err := zeeklog.ReadFile(filepath.Join(dir, "signatures.log"))
	if err != nil {
		t.Fatal(err)
	}
	// Zeek's Signatures::Info, in order (base/frameworks/signatures/main.zeek).
	if got := strings.Join(sigs.Fields, " "); got != "ts uid src_addr src_port dst_addr dst_port note sig_id event_msg sub_msg sig_count host_count" {
		t.Errorf("fields %s", got)
	}
	if got := strings.Join(sigs.Types, " "); got != "time string addr port addr port enum string string string count count" {
		t.Errorf("types %s", got)
	}
	if len(sigs.Records) != 2 {
		t.Fatalf("%d records: %v", len(sigs.Records), sigs.Records)
	}
	want := []map[string]string{{
		"ts": "1300000000.000000", "uid": "Chttp-evil", "src_addr": "10.0.0.2", "src_port": "80",
		"dst_addr": "10.0.0.1", "dst_port": "40000", "note": "Signatures::Sensitive_Signature",
		"sig_id": "http-evil", "event_msg": `10.0.0.2: Evil\x09response`,
		"sub_msg": `HTTP/1.1 200 OK\x0d\x0a\x00\x01`, "sig_count": "-", "host_count": "-",
	}, {
		"ts": "1300000001.000000", "uid": "-", "src_addr": "10.0.0.1", "src_port": "-",
		"dst_addr": "10.0.0.2", "dst_port": "-", "note": "Signatures::Multiple_Signatures",
		"sig_id": "quietd", "event_msg": "5 different signatures triggered",
		"sub_msg": "10.0.0.1 has triggered 5 different signatures on host 10.0.0.2", "sig_count": "5", "host_count": "-",
	}}
	for i, w := range want {
		for k, v := range w {
			if got := sigs.Records[i][k]; got != v {
				t.Errorf("signatures.log record %d: %s = %q, want %q", i, k, got, v)
			}
		}
	}

	notices, err := zeeklog.ReadFile(filepath.Join(dir, "notice.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(notices.Records) != 2 {
		t.Fatalf("%d notices", len(notices.Records))
	}
	wantN := []map[string]string{{
		"ts": "1300000000.000000", "uid": "Chttp-evil", "id.orig_h": "10.0.0.1", "id.orig_p": "40000",
		"id.resp_h": "10.0.0.2", "id.resp_p": "80", "proto": "tcp", "note": "Signatures::Sensitive_Signature",
		"msg": `10.0.0.2: Evil\x09response`, "sub": `HTTP/1.1 200 OK\x0d\x0a\x00\x01`,
		"src": "10.0.0.2", "dst": "10.0.0.1", "p": "80", "n": "-", "actions": "Notice::ACTION_LOG",
		"suppress_for": "3600.000000",
	}, {
		"ts": "1300000001.000000", "uid": "-", "id.orig_h": "-", "proto": "-", "note": "Signatures::Multiple_Signatures",
		"msg": "5 different signatures triggered", "sub": "10.0.0.1 has triggered 5 different signatures on host 10.0.0.2",
		"src": "10.0.0.1", "dst": "10.0.0.2", "p": "-", "n": "5",
	}}
	for i, w := range wantN {
		for k, v := range w {
			if got := notices.Records[i][k]; got != v {
				t.Errorf("notice.log record %d: %s = %q, want %q", i, k, got, v)
			}
		}
	}
}
