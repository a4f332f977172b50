//go:build !386

package afpacket

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestFanoutSelfTest runs the self-test on this kernel, which must hash
// symmetrically (every kernel since 4.8 does).
func TestFanoutSelfTest(t *testing.T) {
	if os.Geteuid() != 0 {
		if err := FanoutSelfTest(); !errors.Is(err, ErrSelfTestUnavailable) {
			t.Fatalf("unprivileged self-test: %v", err)
		}
		t.Skip("needs root")
	}
	if err := FanoutSelfTest(); err != nil {
		t.Fatal(err)
	}
}

// TestSplitVerdict checks the judgement on made-up member sets.
func TestSplitVerdict(t *testing.T) {
	if err := splitVerdict([]uint8{1, 2, 2, 1}); err != nil {
		t.Fatal(err)
	}
	err := splitVerdict([]uint8{1, 3, 2, 3})
	if err == nil || !strings.Contains(err.Error(), "2 of 4 flows") || !strings.Contains(err.Error(), "AF_Packet::enable_fanout=F") {
		t.Fatalf("verdict %v", err)
	}
}

// TestSelfTestFrames checks that the test frames carry their flow and
// that the two directions of a flow mirror each other.
func TestSelfTestFrames(t *testing.T) {
	frames := selfTestFrames()
	if len(frames) != selfTestFlows*3*selfTestPackets*2 {
		t.Fatalf("%d frames", len(frames))
	}
	for i := 0; i < len(frames); i += 2 {
		fa, oka := selfTestFlow(frames[i])
		fb, okb := selfTestFlow(frames[i+1])
		if !oka || !okb || fa != fb {
			t.Fatalf("frames %d/%d: flows %d %d", i, i+1, fa, fb)
		}
		ka, _ := flowKey(frames[i])
		kb, _ := flowKey(frames[i+1])
		if ka != kb || ka == "" {
			t.Fatalf("frames %d/%d are not one flow: %q %q", i, i+1, ka, kb)
		}
	}
}
