package signatures

import (
	"regexp"
	"slices"
	"testing"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestParsePattern(t *testing.T) {
	cases := []struct {
		lit     string
		match   []string
		nomatch []string
	}{
		{"/NO_DEFAULT_MATCHES/", []string{"NO_DEFAULT_MATCHES", "xNO_DEFAULT_MATCHESy"}, []string{"no_default_matches"}},
		{"/^http-/i", []string{"HTTP-evil", "http-x"}, []string{"xhttp-"}},
		{`/a.b/`, []string{"a.b", "axb"}, []string{"a\nb"}},
		{`/"a.b"/`, []string{"xa.by"}, []string{"axb"}},
		{`/"a\"b"c/`, []string{`a"bc`}, []string{"abc"}},
		{`/\d+/`, []string{"d", "dd"}, []string{"123"}},
		{`/\x41\t/`, []string{"A\t"}, []string{"A "}},
		{`/\101/`, []string{"A"}, []string{"101"}},
		{`/[]a]/`, []string{"]", "a"}, []string{"b"}},
		{`/[^]a]/`, []string{"b"}, []string{"]", "a"}},
		{`/[[:digit:]]{2,3}/`, []string{"12"}, []string{"1"}},
		{`/x\/y/`, []string{"x/y"}, []string{"xy"}},
		{`/(?i:ab)c/`, []string{"ABc"}, []string{"ABC"}},
		{`/a|b/`, []string{"a", "b"}, []string{"c"}},
		{`/\b/`, []string{"\b"}, []string{"word"}},
	}
	for _, c := range cases {
		re, err := ParsePattern(c.lit)
		if err != nil {
			t.Errorf("ParsePattern(%s): %v", c.lit, err)
			continue
		}
		for _, s := range c.match {
			if !re.MatchString(s) {
				t.Errorf("%s (Go %s) does not match %q", c.lit, re, s)
			}
		}
		for _, s := range c.nomatch {
			if re.MatchString(s) {
				t.Errorf("%s (Go %s) matches %q", c.lit, re, s)
			}
		}
	}
	for _, bad := range []string{"abc", "/abc", "abc/", "/", `/a\/`, `/"abc/`, `/[abc/`, "/{name}/", "/(/", "/a/x"} {
		if re, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%s) accepted: %s", bad, re)
		}
	}
}

func TestOptions(t *testing.T) {
	cfg := DefaultConfig()
	r := options.NewRegistry()
	cfg.Options(r)
	if got := r.Lookup("Signatures::ignored_ids").String(); got != "/NO_DEFAULT_MATCHES/" {
		t.Errorf("default pattern shows as %s", got)
	}
	for _, a := range []string{
		"Signatures::ignored_ids=/^test-/",
		"Signatures::horiz_scan_thresholds={3, 7}",
		"Signatures::count_thresholds+={2}",
		"Signatures::summary_interval=1hr",
	} {
		if err := r.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if !cfg.IgnoredIDs.MatchString("test-1") || cfg.IgnoredIDs.MatchString("x-test-1") ||
		!slices.Equal(cfg.HorizScanThresholds, []uint64{3, 7}) || !slices.Contains(cfg.CountThresholds, 2) ||
		cfg.SummaryInterval != zeek.Hour {
		t.Fatalf("%+v", cfg)
	}
	if err := r.Apply("Signatures::ignored_ids=nope"); err == nil {
		t.Error("bad pattern accepted")
	}
	if err := r.Apply("Heron::signature_notice_identifier=sig_id,src"); err != nil || cfg.NoticeIdentifier != "sig_id,src" {
		t.Errorf("signature_notice_identifier: %v, %q", err, cfg.NoticeIdentifier)
	}
	if err := r.Apply("Heron::signature_notice_identifier=src"); err == nil || cfg.NoticeIdentifier != "sig_id,src" {
		t.Errorf("signature_notice_identifier=src accepted (%v, %q)", err, cfg.NoticeIdentifier)
	}
	var none *regexp.Regexp
	if PatternValue(&none).String() != "<none>" {
		t.Error("nil pattern")
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"/NO_DEFAULT_MATCHES/", "/^a.b$/i", `/"q\"x"[]a-z]\x41\101\d/`, "/[^]]/", "/(?i:x)|(?s:.)/", `/\/`, "/{a}/", `/"/`} {
		f.Add(s, "subject")
	}
	f.Fuzz(func(t *testing.T, lit, subject string) {
		re, err := ParsePattern(lit)
		if err != nil {
			return
		}
		re.MatchString(subject)
		// The Go form shown by the option compiles again.
		if _, err := regexp.Compile(re.String()); err != nil {
			t.Fatalf("%s: Go form %s does not compile: %v", lit, re, err)
		}
	})
}
