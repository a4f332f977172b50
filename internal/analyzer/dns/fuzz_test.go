package dns

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora under testdata/fuzz")

// seedMessages are the fuzz seeds: every record type and the malformed
// messages of the tests.
func seedMessages() map[string][]byte {
	seeds := map[string][]byte{}
	for i, tc := range typeCases {
		seeds["type-"+strconv.Itoa(i)] = (&msg{id: 7, qr: true, rd: true, ra: true}).question("example.com", tc.typ, 1).
			answer("example.com", tc.typ, 300, tc.rdata).bytes()
	}
	seeds["query"] = query(1, "www.example.com", 1)
	seeds["chain"] = chain(20)
	seeds["update"] = (&msg{id: 5, opcode: 5, qr: true}).question("example.org", 6, 1).
		rr(0, "a.example.org", 5, classNone, 0, nil).rr(1, "a.example.org", 1, classAny, 0, nil).
		rr(1, "a.example.org", 1, 1, 60, []byte{192, 0, 2, 1}).bytes()
	seeds["compressed"] = cat(hdr(2, 0x8180, 1, 1, 0, 0), encName("www.example.com"), u16(1), u16(1),
		[]byte{0xc0, 12}, u16(5), u16(1), u32(60), u16(7), []byte{3, 'c', 'd', 'n', 0xc0, 16})
	seeds["additional"] = cat(hdr(3, 0x8180, 1, 1, 0, 1), encName("a.example"), u16(1), u16(1),
		[]byte{0xc0, 12}, u16(1), u16(1), u32(60), u16(4), []byte{192, 0, 2, 1},
		encName(""), u16(41), u16(1232), u32(0), u16(12), u16(10), u16(8), []byte("cookie!!"))
	return seeds
}

// writeSeeds writes data as a Go fuzz corpus file.
func writeSeeds(t *testing.T, target string, seeds map[string][]byte, enc func([]byte) string) {
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range seeds {
		content := "go test fuzz v1\n" + enc(data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUpdateFuzzSeeds rewrites the seed corpora with -update-seeds.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite the fuzz seeds")
	}
	seeds := seedMessages()
	writeSeeds(t, "FuzzMessage", seeds, func(b []byte) string {
		return fmt.Sprintf("[]byte(%q)\nbool(false)\nuint8(3)\n", b)
	})
	streams := map[string][]byte{}
	for name, m := range seeds {
		streams[name] = append(tcpFrame(m), tcpFrame(query(9, "next.example", 28))...)
	}
	writeSeeds(t, "FuzzTCPStream", streams, func(b []byte) string {
		return fmt.Sprintf("[]byte(%q)\nuint64(1)\n", b)
	})
}

// FuzzMessage parses arbitrary messages with every option that changes
// the parse (either direction, NetBIOS, all events handled, authority
// and additional sections parsed): nothing may panic, and every record
// written has its transaction id.
func FuzzMessage(f *testing.F) {
	for _, m := range seedMessages() {
		f.Add(m, false, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, orig bool, mode uint8) {
		cfg := testConfig(baseHandled)
		if mode&1 != 0 {
			cfg.parse.handled = allKinds
		}
		if mode&2 != 0 {
			cfg.parse.skipAllAuth, cfg.parse.skipAllAddl = false, false
		}
		h := newTestHost(mode&4 != 0)
		if mode&8 != 0 {
			h.id.RespP.Num = netbiosPort
		}
		c := &conv{}
		c.init(h, cfg)
		c.DeliverPacket(data, orig)
		c.DeliverPacket(data, !orig)
		c.Done()
		for _, r := range h.recs {
			if !r.TransID.Set || !r.Opcode.Set {
				t.Fatalf("record without trans_id or opcode: %+v", r)
			}
			if r.Answers.Set != r.TTLs.Set || len(r.Answers.V) != len(r.TTLs.V) {
				t.Fatalf("answers and TTLs differ: %+v", r)
			}
		}
	})
}

// FuzzTCPStream checks that a TCP stream gives the same records and
// weirds however it is cut into segments.
func FuzzTCPStream(f *testing.F) {
	for _, m := range seedMessages() {
		f.Add(append(tcpFrame(m), tcpFrame(query(9, "next.example", 28))...), uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		if len(data) > 4096 {
			return
		}
		half := len(data) / 2
		script := []analyzertest.Chunk{
			{Orig: true, Data: data[:half]},
			{Orig: false, Data: data[half:]},
			analyzertest.End(true), analyzertest.End(false),
		}
		opts := analyzertest.Options{Random: 4, Seed: seed, ByteAtATime: true, MaxSplits: 24}
		analyzertest.SplitEveryWith(t, opts, script, newTCPHarness, (*tcpHarness).summary)
	})
}
