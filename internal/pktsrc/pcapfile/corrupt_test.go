package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// TestCorrupt checks that corrupt traces produce a clear error after the
// good frames before the damage, and never a panic.
func TestCorrupt(t *testing.T) {
	le := binary.LittleEndian
	good := buildPcap(t, 1, WriterOptions{}, smallPackets()[:1]) // header + one record
	pcapWith := func(edit func(b []byte) []byte) []byte {
		b := bytes.Clone(good)
		return edit(b)
	}
	rec := func(caplen, wirelen uint32) []byte {
		b := le.AppendUint32(nil, 1)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, caplen)
		return le.AppendUint32(b, wirelen)
	}
	ngBase := func() (*bytes.Buffer, *NgWriter) {
		var buf bytes.Buffer
		w, err := NewNgWriter(&buf, NgWriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return &buf, w
	}
	ngWith := func(build func(w *NgWriter, buf *bytes.Buffer)) []byte {
		buf, w := ngBase()
		build(w, buf)
		return buf.Bytes()
	}
	epb := func(ifID, caplen, wirelen uint32, data []byte) []byte {
		b := le.AppendUint32(nil, ifID)
		b = le.AppendUint32(b, 0)
		b = le.AppendUint32(b, 1)
		b = le.AppendUint32(b, caplen)
		b = le.AppendUint32(b, wirelen)
		return append(b, data...)
	}
	rawBlock := func(typ, total uint32, body []byte, trailer uint32) []byte {
		b := le.AppendUint32(nil, typ)
		b = le.AppendUint32(b, total)
		b = append(b, body...)
		return le.AppendUint32(b, trailer)
	}

	tests := []struct {
		name   string
		file   []byte
		frames int    // good frames before the error
		want   string // substring of the error
	}{
		{"pcap/caplen-absurd", pcapWith(func(b []byte) []byte { return append(b, rec(0xffffff00, 60)...) }), 1,
			"record of 4294967040 bytes at offset 45 exceeds the maximum of 262144 for link type 1"},
		{"pcap/caplen-just-over-max", pcapWith(func(b []byte) []byte { return append(b, rec(262145, 262145)...) }), 1,
			"exceeds the maximum of 262144"},
		{"pcap/version", pcapWith(func(b []byte) []byte { le.PutUint16(b[4:], 3); return b }), 0,
			"unsupported pcap version 3.4"},
		{"pcap/reserved-linktype-bits", pcapWith(func(b []byte) []byte { le.PutUint32(b[20:], 0x00010001); return b }), 0,
			"reserved bits of the pcap link-type field are not zero (0x00010001)"},
		{"gzip/bad-checksum", func() []byte {
			gz := gzipBytes(t, good)
			gz[len(gz)-8] ^= 1
			return gz
		}(), 1, "gzip: invalid checksum"},
		{"not-a-trace/elf", []byte("\x7fELF\x02\x01\x01\x00"), 0, "not a pcap or pcapng file (magic 0x7f454c46)"},
		{"not-a-trace/gzip-of-text", gzipBytes(t, []byte("just some text")), 0, "not a pcap or pcapng file (magic 0x6a757374)"},
		{"not-a-trace/gzip-garbage", []byte{0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "gzip:"},
		{"pcapng/bad-bom", ngWith(func(w *NgWriter, buf *bytes.Buffer) { buf.Bytes()[8] = 0x99 }), 0,
			"byte-order magic 0x993c2b1a"},
		{"pcapng/version", ngWith(func(w *NgWriter, buf *bytes.Buffer) { le.PutUint16(buf.Bytes()[12:], 2) }), 0,
			"unsupported pcapng version 2.0"},
		{"pcapng/first-shb-huge", ngWith(func(w *NgWriter, buf *bytes.Buffer) { le.PutUint32(buf.Bytes()[4:], 1<<21) }), 0,
			"section header block of 2097152 bytes exceeds the maximum of 1048576"},
		{"pcapng/trailer-mismatch", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			buf.Write(rawBlock(blockEPB, 36, epb(0, 4, 4, []byte{1, 2, 3, 4}), 40))
		}), 0, "block at offset 48 has length 36 at its start and 40 at its end"},
		{"pcapng/length-too-small", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			w.WritePacket(0, 1e9, []byte{1}, 0)
			buf.Write(rawBlock(0xbad, 8, nil, 8))
		}), 1, "block at offset 84 has an invalid length of 8 bytes"},
		{"pcapng/length-not-multiple-of-4", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			buf.Write(rawBlock(0xbad, 13, []byte{0}, 13))
		}), 0, "invalid length of 13 bytes"},
		{"pcapng/block-huge", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			buf.Write(rawBlock(blockEPB, 0xfffffff0, epb(0, 4, 4, []byte{1, 2, 3, 4}), 0xfffffff0))
		}), 0, "block of 4294967280 bytes at offset 48 exceeds the maximum of 16777216"},
		{"pcapng/caplen-overruns-block", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			buf.Write(rawBlock(blockEPB, 36, epb(0, 8, 8, []byte{1, 2, 3, 4}), 36))
		}), 0, "captured length 8 overruns the block"},
		{"pcapng/caplen-over-snaplen", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterfaceWith(Interface{LinkType: 1, Snaplen: 2})
			buf.Write(rawBlock(blockEPB, 36, epb(0, 4, 4, []byte{1, 2, 3, 4}), 36))
		}), 0, "captured length 4 exceeds the interface's snapshot length 2"},
		{"pcapng/epb-too-short", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			w.WriteBlock(blockEPB, make([]byte, 8))
		}), 0, "packet block at offset 48 is too short (20 bytes)"},
		{"pcapng/unknown-interface", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			w.WritePacket(0, 1e9, []byte{1}, 0)
			w.WriteBlock(blockEPB, epb(3, 1, 1, []byte{1}))
		}), 1, "names interface 3, but its section has 1"},
		{"pcapng/packet-before-idb", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.WriteBlock(blockEPB, epb(0, 1, 1, []byte{1}))
		}), 0, "packet block at offset 28 before any interface description block"},
		{"pcapng/packet-before-idb-in-second-section", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			w.NewSection(true)
			w.WriteBlock(blockSPB, []byte{0, 0, 0, 1, 1})
		}), 0, "before any interface description block in its section"},
		{"pcapng/idb-option-overrun", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			idb := le.AppendUint32(nil, 1)
			idb = le.AppendUint32(idb, 0)
			idb = le.AppendUint16(idb, 2)
			idb = le.AppendUint16(idb, 200)
			w.WriteBlock(blockIDB, idb)
		}), 0, "option 2 of 200 bytes overruns the block"},
		{"pcapng/tsresol-too-fine", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			idb := le.AppendUint32(nil, 1)
			idb = le.AppendUint32(idb, 0)
			idb = le.AppendUint16(idb, optTSResol)
			idb = le.AppendUint16(idb, 1)
			idb = append(idb, 20, 0, 0, 0)
			w.WriteBlock(blockIDB, idb)
		}), 0, "timestamp resolution 10^-20 is too fine"},
		{"pcapng/idb-too-short", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.WriteBlock(blockIDB, []byte{1, 0, 0, 0})
		}), 0, "interface description block at offset 28 is too short (16 bytes)"},
		{"pcapng/second-section-bad-bom", ngWith(func(w *NgWriter, buf *bytes.Buffer) {
			w.AddInterface(1, 0)
			w.WritePacket(0, 1e9, []byte{1}, 0)
			w.NewSection(false)
			buf.Bytes()[buf.Len()-28+8] = 0
		}), 1, "section header block at offset 84 has a bad byte-order magic 0x003c2b1a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, frames, err := readBytes(t, tt.file)
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "pcapfile: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
			if errors.Is(err, pktsrc.ErrTruncated) {
				t.Errorf("corrupt input reported as truncated: %v", err)
			}
			if len(frames) != tt.frames {
				t.Errorf("%d frames before the error, want %d", len(frames), tt.frames)
			}
		})
	}
}

// TestHugeClaimsStayBounded checks that a record claiming a large length
// does not make the reader allocate that much before the data arrives.
func TestHugeClaimsStayBounded(t *testing.T) {
	le := binary.LittleEndian
	// A DBUS pcap (records up to 128 MiB) with one record claiming 100 MiB
	// and holding 10 bytes.
	file := buildPcap(t, linkTypeDBUS, WriterOptions{Snaplen: 200 << 20}, nil)
	rec := le.AppendUint32(nil, 1)
	rec = le.AppendUint32(rec, 0)
	rec = le.AppendUint32(rec, 100<<20)
	rec = le.AppendUint32(rec, 100<<20)
	file = append(file, rec...)
	file = append(file, make([]byte, 10)...)
	r, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	var f pktsrc.Frame
	err = r.Next(&f)
	wantTruncated(t, err)
	if len(r.buf) > 1<<20 {
		t.Errorf("buffer grew to %d bytes for %d bytes of input", len(r.buf), len(file))
	}
}
