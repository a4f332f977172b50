package conn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/zeek"
)

// TestRexmitInconsistencyMatchesZeek replays the trace of Zeek's
// core.reassembly btest and compares the retransmission inconsistencies
// with the ones Zeek reports (old bytes, new bytes, flags, in order). It
// needs a Zeek source tree (refdata.ZeekSource) for the baseline.
func TestRexmitInconsistencyMatchesZeek(t *testing.T) {
	baseline := filepath.Join(refdata.ZeekSource(t), "testing/btest/Baseline/core.reassembly/output")
	trace := refdata.FindTrace(t, "tcp/reassembly.pcap")
	var want []string
	f, err := os.Open(baseline)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "rexmit_inconsistency, ") {
			continue
		}
		// rexmit_inconsistency, [conn id], t1, t2, flags
		i := strings.Index(line, "], ")
		want = append(want, strings.ReplaceAll(line[i+3:], ", ", "/"))
	}
	f.Close()

	cfg := DefaultConfig()
	cfg.CheckOverlaps = true
	cfg.IgnoreChecksums = true
	h := newHarness(t, cfg)
	r, err := pcapfile.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var fr pktsrc.Frame
	for {
		if err := r.Next(&fr); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		ip := append([]byte(nil), fr.Data[14:]...)
		h.now = fr.TS - zeek.Time(zeek.Microsecond) // feed adds nothing below
		h.feed(zeek.Microsecond, ip)
	}
	h.finish()
	var got []string
	for _, w := range h.weird {
		if s, ok := strings.CutPrefix(w, "rexmit_inconsistency/"); ok {
			got = append(got, zeekPrintEscape(s))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d inconsistencies, Zeek reports %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("inconsistency %d:\n got %.120s\nwant %.120s", i, got[i], want[i])
		}
	}
}

// zeekPrintEscape renders bytes as Zeek's print does: non-printable bytes
// as \xNN.
func zeekPrintEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			fmt.Fprintf(&b, "\\x%02x", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
