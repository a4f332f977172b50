package layers

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

// fuzzLinkTypes are the link types FuzzLinkLayers chooses from: every one
// the wiring table knows, DLT_PPP, and one it does not (kept last: seeds of
// other link types use its index).
var fuzzLinkTypes = []uint32{
	packet.DLTEN10MB, packet.DLTNull, 108, packet.DLTFDDI, packet.DLTPPPSerial,
	packet.DLTIEEE80211, packet.DLTIEEE80211RT, packet.DLTLinuxSLL, packet.DLTLinuxSLL2,
	packet.DLTPPP, packet.DLTRaw, packet.DLTNFLOG, 230,
}

// checked wraps a layer and fails the fuzz run when it returns bytes that
// are not part of its input or an error that is not a weird.
type checked struct {
	a packet.Analyzer
	t *testing.T
}

func (c *checked) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	key, rest, err := c.a.Analyze(p, data)
	if err != nil {
		if _, ok := err.(*packet.Weird); !ok {
			c.t.Fatalf("error %v is not a weird", err)
		}
		return key, rest, err
	}
	if key != packet.Stop {
		subslice(c.t, data, rest)
	}
	return key, rest, nil
}

// FuzzLinkLayers decodes arbitrary frames of the link types above from the
// root: no layer may panic, return bytes outside its input, or fail with
// anything but a weird.
func FuzzLinkLayers(f *testing.F) {
	for _, s := range samples() {
		f.Add(s.data, fuzzLinkIndex(s.linkType))
	}
	tbl := mustTable(f)
	f.Fuzz(func(t *testing.T, data []byte, lt uint32) {
		data = data[:len(data):len(data)]
		h := harnessOn(tbl)
		h.link.each(func(id packet.LayerID, a packet.Analyzer) {
			h.d.Set(id, &checked{a: a, t: t})
		})
		h.ip.seen = func(p *packet.Packet, rest []byte) {
			subslice(t, p.Data, rest)
		}
		p := &packet.Packet{Data: data, LinkType: fuzzLinkTypes[lt%uint32(len(fuzzLinkTypes))]}
		h.d.Decode(p)
		for _, w := range h.sink.weirds {
			if w.Name == "internal_decoder_error" {
				t.Fatalf("internal error: %v", w)
			}
		}
	})
}

func fuzzLinkIndex(lt uint32) uint32 {
	for i, v := range fuzzLinkTypes {
		if v == lt {
			return uint32(i)
		}
	}
	return uint32(len(fuzzLinkTypes) - 1)
}

var writeSeeds = flag.Bool("write-seeds", false, "write the sample frames to testdata/fuzz/FuzzLinkLayers")

// TestWriteSeeds writes the fuzz seed corpus from the sample frames when
// run with -write-seeds; otherwise it checks that the committed corpus has
// a file for every sample. NFLOG samples carry TLV headers in the host's
// byte order and the committed seeds were written on a little-endian host,
// so a big-endian host does not compare (or rewrite) them.
func TestWriteSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLinkLayers")
	for _, s := range samples() {
		name := filepath.Join(dir, "seed-"+strings.NewReplacer(" ", "-", ".", "").Replace(s.name))
		if s.linkType == packet.DLTNFLOG && bigEndianHost {
			t.Logf("%s: NFLOG seed written on a little-endian host, not compared here", name)
			continue
		}
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\nuint32(%d)\n", s.data, fuzzLinkIndex(s.linkType))
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
