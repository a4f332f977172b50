package http_test

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// runNginx runs the default node, with hash-all-files and
// extract-all-files, over the trace recorded from nginx and curl
// (testdata/record.sh) and returns the log and extraction directories.
func runNginx(t *testing.T) (logDir, extractDir string) {
	t.Helper()
	loaded, err := scripts.Load(false, []string{"frameworks/files/hash-all-files", "frameworks/files/extract-all-files"})
	if err != nil {
		t.Fatal(err)
	}
	extractDir = filepath.Join(t.TempDir(), "extract_files")
	if err := options.Apply("FileExtract::prefix=" + extractDir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = options.Apply("FileExtract::prefix=./extract_files/") })
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = filepath.Join("testdata", "nginx.pcap")
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 3
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir, extractDir
}

func readLog(t *testing.T, dir, name string) *zeeklog.Log {
	t.Helper()
	l, err := zeeklog.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestNginxTrace checks the analysis of real nginx traffic: detection on
// a port HTTP is not registered for, every request logged, content
// decoded, files hashed, and extraction writing exactly the transferred
// bytes under names that nothing in the traffic controls.
func TestNginxTrace(t *testing.T) {
	logDir, extractDir := runNginx(t)
	conns := readLog(t, logDir, "conn.log")
	for _, c := range conns.Where("id.resp_p", "8731") {
		if c["service"] != "http" {
			t.Errorf("connection %s to port 8731: service %q, want http (by signature)", c["uid"], c["service"])
		}
	}
	if n := len(conns.Where("id.resp_p", "8731")); n != 7 {
		t.Errorf("%d connections to 8731, want 7", n)
	}

	httpLog := readLog(t, logDir, "http.log")
	byURI := map[string][]map[string]string{}
	for _, r := range httpLog.Records {
		byURI[r["uri"]] = append(byURI[r["uri"]], r)
	}
	for uri, want := range map[string]struct{ method, status, bodyLen, mime string }{
		"/download.bin": {"GET", "200", "200000", "-"},
		"/index.html":   {"GET", "200", "", "text/html"}, // gzip-compressed and chunked; the length is the decoded one
		"/missing.html": {"GET", "404", "153", "text/html"},
		"/notes.txt":    {"GET", "206", "580", "-"},
		"/upload":       {"POST", "200", "7", "-"},
	} {
		recs := byURI[uri]
		if len(recs) == 0 {
			t.Errorf("no record for %s", uri)
			continue
		}
		r := recs[0]
		if r["method"] != want.method || r["status_code"] != want.status || want.bodyLen != "" && r["response_body_len"] != want.bodyLen ||
			r["resp_mime_types"] != want.mime {
			t.Errorf("%s: %v", uri, r)
		}
	}
	if recs := byURI["/small.html"]; len(recs) != 4 {
		t.Errorf("/small.html: %d records, want 4 (HEAD, two pipelined GETs, port 80)", len(recs))
	}
	if r := byURI["/upload"]; len(r) == 1 && (r[0]["orig_filenames"] != "up1.txt,up2.html" || r[0]["orig_mime_types"] != "text/plain,text/html") {
		t.Errorf("upload: %v", r[0])
	}

	sums, err := os.ReadFile(filepath.Join("testdata", "nginx.sums"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(sums))
	wantMD5, wantSHA256 := f[0], f[2]
	filesLog := readLog(t, logDir, "files.log")
	safe := regexp.MustCompile(`^extract-[0-9]+\.[0-9]{6}-HTTP-F[0-9A-Za-z]+$`)
	downloads := 0
	for _, r := range filesLog.Records {
		if !safe.MatchString(r["extracted"]) {
			t.Errorf("extracted name %q", r["extracted"])
			continue
		}
		b, err := os.ReadFile(filepath.Join(extractDir, r["extracted"]))
		if err != nil {
			t.Errorf("%s: %v", r["fuid"], err)
			continue
		}
		m := md5.Sum(b)
		if r["missing_bytes"] == "0" && hex.EncodeToString(m[:]) != r["md5"] {
			t.Errorf("%s: extracted bytes hash to %x, files.log says %s", r["fuid"], m, r["md5"])
		}
		if r["seen_bytes"] == "200000" {
			downloads++
			s := sha256.Sum256(b)
			if r["md5"] != wantMD5 || r["sha256"] != wantSHA256 || hex.EncodeToString(s[:]) != wantSHA256 {
				t.Errorf("download %s: md5 %s sha256 %s, want %s %s (the bytes nginx served)", r["fuid"], r["md5"], r["sha256"], wantMD5, wantSHA256)
			}
		}
	}
	if downloads != 2 {
		t.Errorf("%d 200000-byte downloads in files.log, want 2", downloads)
	}
	// The hostile Content-Disposition name is logged, never used.
	evil := filesLog.Where("filename", "../../../../etc/passwd")
	if len(evil) != 1 {
		t.Errorf("hostile filename records: %v", evil)
	}
	entries, err := os.ReadDir(extractDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !safe.MatchString(e.Name()) || e.IsDir() {
			t.Errorf("unexpected entry %q in the extraction directory", e.Name())
		}
	}
	if _, err := os.Stat(filepath.Join(extractDir, "..", "..", "etc", "passwd")); err == nil {
		t.Error("a file escaped the extraction directory")
	}
}
