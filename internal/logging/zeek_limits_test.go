package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// lengthInfo is the record of Zeek's field-length-limiting tests.
type lengthInfo struct {
	Strings1 []string `zeek:"strings1"`
	Strings2 []string `zeek:"strings2"`
}

// TestZeekFieldLengthLimiting replays Zeek's tests
// testing/btest/scripts/base/frameworks/logging/field-length-limiting.zeek
// (global options) and field-length-limiting-stream.zeek (the Log::Stream
// fields): two vectors of ten 10-byte strings, written under one changed
// limit each. The record must equal the test's test.log baseline, and the
// weirds raised must number what the test's telemetry counters
// (zeek_log_writer_truncated_*_total of Test::LOG) show.
func TestZeekFieldLengthLimiting(t *testing.T) {
	src := refdata.ZeekSource(t)
	tests := []struct {
		suffix                 string
		edit                   func(*schema.Limits)
		stringCuts, containers int
	}{
		{"", func(l *schema.Limits) { l.FieldStringBytes = 5 }, 20, 0},
		{"-2", func(l *schema.Limits) { l.TotalStringBytes = 115 }, 9, 0},
		{"-3", func(l *schema.Limits) { l.TotalStringBytes = 85 }, 12, 0},
		{"-4", func(l *schema.Limits) { l.FieldContainerElements = 5 }, 0, 2},
		{"-5", func(l *schema.Limits) { l.TotalContainerElements = 15 }, 0, 1},
		{"-6", func(l *schema.Limits) { l.TotalContainerElements = 5 }, 0, 2},
	}
	for _, stream := range []bool{false, true} {
		for _, tc := range tests {
			test := "field-length-limiting" + tc.suffix
			if stream {
				test = "field-length-limiting-stream" + tc.suffix
			}
			t.Run(test, func(t *testing.T) {
				base := filepath.Join(src, "testing", "btest", "Baseline", "scripts.base.frameworks.logging."+test, "test.log")
				want, err := os.ReadFile(base)
				if err != nil {
					t.Skipf("no baseline: %v", err)
				}
				dir := t.TempDir()
				cfg := testConfig(dir)
				strs, conts := 0, 0
				cfg.Weird = func(name, addl string) {
					if addl != "Test::LOG" {
						t.Errorf("weird addl %q", addl)
					}
					switch name {
					case "log_string_field_truncated":
						strs++
					case "log_container_field_truncated":
						conts++
					default:
						t.Errorf("weird %q", name)
					}
				}
				var opts []StreamOption
				if stream {
					l := cfg.Limits()
					tc.edit(&l)
					opts = append(opts, WithLimits(l))
				} else {
					l := cfg.Limits()
					tc.edit(&l)
					cfg.MaxFieldStringBytes, cfg.MaxTotalStringBytes = l.FieldStringBytes, l.TotalStringBytes
					cfg.MaxFieldContainerElements, cfg.MaxTotalContainerElements = l.FieldContainerElements, l.TotalContainerElements
				}
				m, err := NewManager(cfg)
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewStream[lengthInfo](m, "test", append(opts, WithID("Test::LOG"))...)
				if err != nil {
					t.Fatal(err)
				}
				var rec lengthInfo
				for i := 0; i < 10; i++ {
					rec.Strings1 = append(rec.Strings1, "ABCDEFGHIJ")
					rec.Strings2 = append(rec.Strings2, "ABCDEFGHIJ")
				}
				if err := s.Write(&rec); err != nil {
					t.Fatal(err)
				}
				if err := m.Close(); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(filepath.Join(dir, "test.log"))
				if err != nil {
					t.Fatal(err)
				}
				if g, w := records(string(got)), records(string(want)); g != w {
					t.Errorf("test.log\n got %s\nwant %s", g, w)
				}
				if strs != tc.stringCuts || conts != tc.containers {
					t.Errorf("weirds: %d strings, %d containers; Zeek counts %d, %d", strs, conts, tc.stringCuts, tc.containers)
				}
			})
		}
	}
}

// records returns the lines of a log that are not header lines.
func records(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return fmt.Sprint(out)
}
