package smtp_test

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekTests are Zeek's own SMTP tests (testing/btest/scripts/base/
// protocols/smtp) with the trace, scripts, options and baseline files of
// each test's command. Baselines whose name ends in .cut are zeek-cut
// tables of some columns. ignore lists fields or weirds left out of the
// comparison, with the reason.
var zeekTests = []struct {
	name   string
	trace  string
	C      bool // -C: checksums ignored
	loads  []string
	opts   []string
	cfg    []string // options of node.Config (Log::...), as the test's redefs
	files  []string
	ignore []string
}{
	{name: "basic", trace: "smtp.pcap", files: []string{"smtp.log"}},
	{name: "attachment", trace: "smtp.pcap", files: []string{"smtp.log", "files.log"}},
	{name: "one-side", C: true, trace: "smtp-one-side-only.pcap", files: []string{"smtp.log"}},
	{name: "attachment-msg", C: true, trace: "smtp-attachment-msg.pcap", files: []string{"smtp.log"}},
	{name: "starttls", C: true, trace: "tls/smtp-starttls.pcap", loads: []string{"base/protocols/ssl"},
		files: []string{"smtp.log", "ssl.log", "x509.log"}},
	{name: "mail-transactions-invalid", trace: "smtp-mail-transactions-invalid.pcap", files: []string{"smtp.log", "weird.log"}},
	{name: "mail-transactions-invalid-disable-analyzer", trace: "smtp-mail-transactions-invalid.pcap",
		opts: []string{"SMTP::max_invalid_mail_transactions=2"}, files: []string{"smtp.log", "weird.log"}},
	{name: "bdat", trace: "smtp/rfc3030-bdat-example1.pcap", loads: []string{"base/protocols/conn"},
		files: []string{"smtp.log", "conn.log.cut"}},
	{name: "bdat-0-last", trace: "smtp/rfc3030-bdat-0-last.pcap", loads: []string{"base/protocols/conn"},
		files: []string{"smtp.log", "conn.log.cut"}},
	{name: "bdat-chunk-size-overflow", trace: "smtp/smtp-bdat-cmd-chunk-size-overflow.pcap", files: []string{"smtp.log", "weird.log"}},
	{name: "bdat-chunk-size-overflow2", trace: "smtp/smtp-bdat-cmd-chunk-size-overflow2.pcap", files: []string{"smtp.log", "weird.log"}},
	{name: "bdat-cmd-invalid", trace: "smtp/smtp-bdat-cmd-invalid.pcapng", files: []string{"smtp.log", "weird.log"}},
	{name: "bdat-negative-chunk-size", trace: "smtp/smtp-bdat-cmd-negative-chunk-size.pcap", files: []string{"smtp.log", "weird.log"}},
	{name: "bdat-gap", trace: "smtp/smtp-bdat-gap.pcap", loads: []string{"base/protocols/conn", "frameworks/files/hash-all-files"},
		files: []string{"smtp.log", "weird.log", "conn.log.cut", "files.log.cut"}},
	{name: "bdat-multipart", trace: "smtp/rfc3030-bdat-multipart.pcap", loads: []string{"base/protocols/conn", "frameworks/files/hash-all-files"},
		files: []string{"smtp.log", "conn.log.cut", "files.log.cut"}},
	{name: "bdat-multipart-chunked", trace: "smtp/rfc3030-bdat-multipart-chunked.pcap", loads: []string{"base/protocols/conn", "frameworks/files/hash-all-files"},
		files: []string{"smtp.log", "conn.log.cut", "files.log.cut"}},
	{name: "bdat-pipeline-8bitmime", C: true, trace: "smtp/smtp-bdat-pipeline-8bitmime.pcap",
		loads: []string{"base/protocols/conn", "frameworks/files/hash-all-files"}, files: []string{"smtp.log", "conn.log.cut", "files.log.cut"}},
	{name: "mime-header-size-limit", trace: "smtp/mime-header-size-limit.pcap.gz", loads: []string{"base/protocols/conn"},
		cfg:   []string{"Log::default_max_field_string_bytes=0", "Log::default_max_total_string_bytes=0"},
		files: []string{"weird.log", "conn.log"}},
	{name: "address-limits", trace: "smtp/smtp-many-addresses.pcap.gz", loads: []string{"base/frameworks/notice/weird"},
		opts:  []string{"SMTP::max_rcptto_addresses=500", "SMTP::max_to_addresses=500", "SMTP::max_cc_addresses=500", "SMTP::max_path_length=500"},
		files: []string{"weird.log"}},
	// With SMTP::enable_rfc822_msg_file_analysis the tests hash only the
	// message file; here every file is hashed, so sha1 is not compared.
	{name: "rfc822-msg-file-analysis", C: true, trace: "smtp-attachment-msg.pcap", loads: []string{"frameworks/files/hash-all-files"},
		opts: []string{"SMTP::enable_rfc822_msg_file_analysis=T"}, files: []string{"files.cut"}, ignore: []string{"sha1"}},
	{name: "rfc822-msg-file-analysis-multi-mail", C: true, trace: "smtp/smtp-bdat-pipeline-8bitmime.pcap",
		opts: []string{"SMTP::enable_rfc822_msg_file_analysis=T"}, files: []string{"files.cut"}, ignore: []string{"sha1"}},
	{name: "rfc822-msg-file-analysis-multi-session", C: true, trace: "smtp.pcap",
		opts: []string{"SMTP::enable_rfc822_msg_file_analysis=T"}, files: []string{"files.cut"}, ignore: []string{"sha1"}},
	{name: "rfc822-msg-file-analysis-gap", C: true, trace: "smtp/smtp-bdat-gap.pcap",
		opts: []string{"SMTP::enable_rfc822_msg_file_analysis=T"}, files: []string{"files.cut"}},
}

// canonical turns records into sorted lines of the given fields. Values
// that Zeek and Heron choose differently are reduced to what must agree:
// fuids to whether there is one (parent_fuid) or how many (fuids).
func canonical(recs []map[string]string, fields []string) []string {
	var out []string
	for _, r := range recs {
		var vals []string
		for _, f := range fields {
			v := r[f]
			switch f {
			case "parent_fuid":
				if v != "-" {
					v = "F"
				}
			case "fuids":
				if v == "(empty)" || v == "-" {
					v = "0"
				} else {
					v = strconv.Itoa(strings.Count(v, ",") + 1)
				}
			}
			if strings.HasSuffix(f, "rcptto") || f == "to" || f == "cc" {
				parts := strings.Split(v, ",")
				slices.Sort(parts)
				v = strings.Join(parts, ",")
			}
			vals = append(vals, f+"="+v)
		}
		out = append(out, strings.Join(vals, " "))
	}
	slices.Sort(out)
	return out
}

// TestZeekBaselines runs Zeek's SMTP tests on their traces and compares
// the logs with the tests' baselines, field by field (times, uids and
// fuids, which the baselines mask or Zeek chooses, aside).
func TestZeekBaselines(t *testing.T) {
	for _, zt := range zeekTests {
		t.Run(zt.name, func(t *testing.T) {
			c := zeekcase.Case{Btest: "scripts.base.protocols.smtp." + zt.name, Trace: zt.trace, Bare: true, C: zt.C,
				Loads: append([]string{"base/protocols/smtp"}, zt.loads...), Opts: zt.opts, Config: zt.cfg}
			base := c.BaselineDir(t)
			dir := zeekcase.Run(t, c)
			for _, file := range zt.files {
				want := zeekcase.ReadBaseline(t, filepath.Join(base, file))
				logName := file
				if i := strings.Index(file, ".log"); i >= 0 {
					logName = file[:i+len(".log")]
				} else {
					logName = "files.log" // files.cut
				}
				got := zeekcase.ReadLog(t, filepath.Join(dir, logName))
				want = dropIgnored(want, zt.ignore)
				var fields []string
				for f := range want[0] {
					if f != "ts" && f != "uid" && f != "fuid" && !slices.Contains(zt.ignore, f) {
						fields = append(fields, f)
					}
				}
				slices.Sort(fields)
				if g, w := canonical(got, fields), canonical(want, fields); !slices.Equal(g, w) {
					t.Errorf("%s differs from Zeek's (fields %v):\n got:\n  %s\n want:\n  %s", file, fields,
						strings.Join(g, "\n  "), strings.Join(w, "\n  "))
				}
			}
		})
	}
}

// dropIgnored drops the weird records whose names the test ignores.
func dropIgnored(recs []map[string]string, ignore []string) []map[string]string {
	var out []map[string]string
	for _, r := range recs {
		if name, ok := r["name"]; ok && slices.Contains(ignore, name) {
			continue
		}
		out = append(out, r)
	}
	return out
}
