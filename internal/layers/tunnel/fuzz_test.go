package tunnel

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// checked wraps a tunnel layer and fails the fuzz run when the layer
// returns an error that is not a weird.
type checked struct {
	a packet.Analyzer
	t *testing.T
}

func (c checked) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	key, rest, err := c.a.Analyze(p, data)
	if err != nil {
		if _, ok := err.(*packet.Weird); !ok {
			c.t.Fatalf("error %v is not a weird", err)
		}
	}
	return key, rest, err
}

// fuzzTarget describes the fuzz target of one encapsulation: frames puts
// the fuzzed bytes where the encapsulation's payload goes.
type fuzzTarget struct {
	name   string
	cases  func() []tcase
	frames func(data []byte) [][]byte
}

// udpBoth sends data to port and back, then to port again: enough for
// tunnels that confirm only once both sides spoke.
func udpBoth(port uint16) func([]byte) [][]byte {
	return func(data []byte) [][]byte {
		return [][]byte{
			eth(udpTo(outerA, outerB, 40000, port, data)),
			eth(udpTo(outerB, outerA, port, 40000, data)),
			eth(udpTo(outerA, outerB, 40000, port, data)),
		}
	}
}

var fuzzTargets = []fuzzTarget{
	{"FuzzIPTunnel", ipTunnelCases, func(data []byte) [][]byte {
		ip := v4(outerA, outerB)
		ip.Proto = 4
		if len(data) > 0 && data[0]>>4 == 6 {
			ip.Proto = 41
		}
		return [][]byte{eth(ip.Build(data))}
	}},
	{"FuzzGRE", greCases, func(data []byte) [][]byte {
		ip := v4(outerA, outerB)
		ip.Proto = 47
		return [][]byte{eth(ip.Build(data)), eth(udpTo(outerA, outerB, 40000, pktbuild.PortGRE, data))}
	}},
	{"FuzzVXLAN", vxlanCases, udpBoth(pktbuild.PortVXLAN)},
	{"FuzzGeneve", geneveCases, udpBoth(pktbuild.PortGeneve)},
	{"FuzzTeredo", teredoCases, func(data []byte) [][]byte {
		// On Teredo's port, and off it (protocol detection).
		return append(udpBoth(pktbuild.PortTeredo)(data), udpBoth(50000)(data)...)
	}},
	{"FuzzAYIYA", ayiyaCases, func(data []byte) [][]byte {
		return append(udpBoth(pktbuild.PortAYIYA)(data), udpBoth(50000)(data)...)
	}},
	{"FuzzGTPv1", gtpCases, udpBoth(pktbuild.PortGTPU)},
}

// fuzzSeeds returns the seeds of a target: the payloads its table cases
// name.
func fuzzSeeds(ft fuzzTarget) [][]byte {
	var out [][]byte
	for _, c := range ft.cases() {
		if c.seed != nil {
			out = append(out, c.seed)
		}
	}
	return out
}

// fuzzOne runs the frames of one input through a fresh harness in which
// every tunnel layer is checked, with Tunnel::max_depth at Heron's
// maximum and Teredo and GTP confirming at once, and checks what it can
// of the outcome.
func fuzzOne(t *testing.T, frames [][]byte) {
	tcfg := DefaultTunnelConfig()
	tcfg.MaxDepth = packet.MaxEncapDepth
	tcfg.DelayTeredoConfirmation = false
	h := newHarness(t, tcfg, conn.DefaultConfig())
	for id, a := range map[packet.LayerID]packet.AnalyzerFunc{
		packet.LayerIPTunnel: h.tn.analyzeIPTunnel, packet.LayerGRE: h.tn.analyzeGRE,
		packet.LayerVXLAN: h.tn.analyzeVXLAN, packet.LayerGeneve: h.tn.analyzeGeneve,
		packet.LayerTeredo: h.tn.analyzeTeredo, packet.LayerAYIYA: h.tn.analyzeAYIYA,
		packet.LayerGTPv1: h.tn.analyzeGTPv1,
	} {
		h.d.Set(id, checked{a, t})
	}
	for _, f := range frames {
		h.feed(f)
	}
	conns := h.finish()
	h.checkParents(conns)
	for _, e := range h.events {
		if strings.Contains(e, "internal_decoder_error") || strings.Contains(e, "missing_connection") {
			t.Fatalf("event %s", e)
		}
	}
}

func fuzzTunnel(f *testing.F, name string) {
	for _, ft := range fuzzTargets {
		if ft.name != name {
			continue
		}
		for _, s := range fuzzSeeds(ft) {
			f.Add(s)
		}
		f.Fuzz(func(t *testing.T, data []byte) {
			fuzzOne(t, ft.frames(data))
		})
		return
	}
	f.Fatalf("no fuzz target %s", name)
}

// The fuzz targets: each decodes arbitrary bytes as the payload of its
// encapsulation; no layer may panic or fail with anything but a weird,
// and every connection in a tunnel must name it among its parents.

func FuzzIPTunnel(f *testing.F) { fuzzTunnel(f, "FuzzIPTunnel") }
func FuzzGRE(f *testing.F)      { fuzzTunnel(f, "FuzzGRE") }
func FuzzVXLAN(f *testing.F)    { fuzzTunnel(f, "FuzzVXLAN") }
func FuzzGeneve(f *testing.F)   { fuzzTunnel(f, "FuzzGeneve") }
func FuzzTeredo(f *testing.F)   { fuzzTunnel(f, "FuzzTeredo") }
func FuzzAYIYA(f *testing.F)    { fuzzTunnel(f, "FuzzAYIYA") }
func FuzzGTPv1(f *testing.F)    { fuzzTunnel(f, "FuzzGTPv1") }

var writeSeeds = flag.Bool("write-seeds", false, "write the fuzz seed corpora under testdata/fuzz from the table cases")

// TestWriteSeeds writes each fuzz target's seed corpus from its table
// cases when run with -write-seeds; otherwise it checks that the
// committed corpus has every seed.
func TestWriteSeeds(t *testing.T) {
	for _, ft := range fuzzTargets {
		dir := filepath.Join("testdata", "fuzz", ft.name)
		seeds := fuzzSeeds(ft)
		if len(seeds) == 0 {
			t.Errorf("%s has no seeds", ft.name)
		}
		for i, s := range seeds {
			name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
			if *writeSeeds {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run go test -run TestWriteSeeds -write-seeds)", err)
			}
			if string(got) != body {
				t.Errorf("%s is stale (run go test -run TestWriteSeeds -write-seeds)", name)
			}
		}
	}
}
