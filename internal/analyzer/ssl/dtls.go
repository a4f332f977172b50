package ssl

import (
	"fmt"
	"strconv"
)

// dtlsState is the DTLS record layer's own state: version error counts
// and the handshake fragment reassembly of each direction.
type dtlsState struct {
	invalidVersions int
	reportedErrors  int
	frag            [2]dtlsFrag
}

// dtlsFrag reassembles one handshake message from DTLS fragments, as
// Zeek's dtls-analyzer.pac does: by record sequence number, at most 32
// fragments, a bitmap of those seen.
type dtlsFrag struct {
	firstSeq  uint64
	firstSeen bool
	lastSeq   uint64
	hsSeq     uint16
	length    uint32
	seen      uint32
	buf       []byte
}

// Zeek's DTLS limits (SSL::dtls_max_version_errors,
// SSL::dtls_max_reported_version_errors, MAX_DTLS_HANDSHAKE_RECORD).
const (
	dtlsMaxVersionErrors         = 10
	dtlsMaxReportedVersionErrors = 1
	maxDTLSHandshakeRecord       = 100000
)

// deliverPacket parses one DTLS datagram.
func (e *engine) deliverPacket(data []byte, orig bool) {
	if e.skip {
		return
	}
	// STUN packets share the port: skip them quietly.
	if len(data) > 20 && data[4] == 0x21 && data[5] == 0x12 && data[6] == 0xa4 && data[7] == 0x42 {
		return
	}
	for off := 0; off < len(data) && !e.skip; {
		fb := data[off]
		if e.version == versionDTLS13 && fb&0xe0 == 0x20 {
			e.unifiedRecord(orig, fb, data[off+1:])
			return
		}
		if len(data)-off < 13 {
			e.packetException(&oob{where: "SSLRecord", needed: 13, avail: len(data) - off})
			return
		}
		h := data[off : off+13]
		version := uint16(h[1])<<8 | uint16(h[2])
		epoch := uint16(h[3])<<8 | uint16(h[4])
		seq := uint64(h[5])<<40 | uint64(h[6])<<32 | uint64(h[7])<<24 | uint64(h[8])<<16 | uint64(h[9])<<8 | uint64(h[10])
		length := int(h[11])<<8 | int(h[12])
		if !e.dtlsVersionOK(version) {
			return // the rest of the datagram is swallowed
		}
		if len(data)-off-13 < length {
			e.packetException(&oob{where: "SSLRecord:rec", needed: length, avail: len(data) - off - 13})
			return
		}
		body := data[off+13 : off+13+length]
		if err := e.dtlsRecord(orig, int(fb), version, epoch, seq, body); err != nil {
			e.packetException(err)
			return
		}
		off += 13 + length
	}
}

// packetException is a binpac exception while parsing a datagram: a
// violation, and the rest of the datagram is dropped.
func (e *engine) packetException(err error) { e.violation(binpacError(err.Error())) }

// dtlsVersionOK is Zeek's dtls_version_ok.
func (e *engine) dtlsVersionOK(v uint16) bool {
	st := &e.dtlsState
	if v == versionDTLS10 || v == versionDTLS12 {
		if e.confirmed {
			st.invalidVersions = 0
		}
		return true
	}
	st.invalidVersions++
	if e.confirmed {
		st.reportedErrors++
		if st.reportedErrors <= dtlsMaxReportedVersionErrors {
			e.violation("Invalid version in DTLS connection. Packet reported version: " + strconv.Itoa(int(v)))
		}
	}
	if st.invalidVersions > dtlsMaxVersionErrors {
		e.skip = true
	}
	return false
}

// unifiedRecord is a DTLS 1.3 record with the unified header: encrypted
// data. Once both sides sent one, the connection counts as established.
func (e *engine) unifiedRecord(orig bool, fb byte, rest []byte) {
	withCID := fb&0x10 != 0
	if !withCID {
		n := 1
		if fb&0x08 != 0 {
			n = 2
		}
		if fb&0x04 != 0 {
			n += 2
		}
		if len(rest) < n {
			e.packetException(&oob{where: "UnifiedRecord", needed: n, avail: len(rest)})
			return
		}
	}
	e.startEncryption(orig)
	e.ciphertext(orig)
}

// dtlsRecord processes one DTLS record: plaintext in epoch 0, ciphertext
// after.
func (e *engine) dtlsRecord(orig bool, ct int, raw, epoch uint16, seq uint64, body []byte) error {
	for off := 0; off < len(body); {
		if epoch != 0 {
			e.ciphertext(orig)
			return nil
		}
		b := body[off:]
		var n int
		var err error
		switch ct {
		case ctHandshake:
			n, err = len(b), e.dtlsHandshake(orig, raw, seq, b)
		case ctChangeCipherSpec, ctAlert, ctHeartbeat, ctApplicationData:
			var h [5]byte
			n, err = e.plaintext(orig, h, ct, raw, b, len(body))
		default:
			e.violation(fmt.Sprintf("unknown SSL record type (%d) from %s", ct, origLabel(orig)))
			n = len(b)
		}
		if err != nil {
			return err
		}
		e.evPlaintext(ct)
		off += n
	}
	return nil
}

// dtlsHandshake is a DTLS handshake fragment: complete messages go to
// the handshake parser at once, fragments are reassembled first.
func (e *engine) dtlsHandshake(orig bool, raw uint16, seq uint64, b []byte) error {
	c := newCursor(b, "Handshake")
	typ, err := c.u8("msg_type")
	if err != nil {
		return err
	}
	length, err := c.u24("length")
	if err != nil {
		return err
	}
	hsSeq, err := c.u16("message_seq")
	if err != nil {
		return err
	}
	foff, err := c.u24("fragment_offset")
	if err != nil {
		return err
	}
	flen, err := c.u24("fragment_length")
	if err != nil {
		return err
	}
	data := c.rest()
	if foff == 0 && length == flen {
		e.dtlsSendHandshake(raw, typ, length, data, orig)
		return nil
	}
	i := &e.dtlsState.frag[dir(orig)]
	if length > maxDTLSHandshakeRecord {
		e.violation(fmt.Sprintf("DTLS record length %d larger than allowed maximum.", length))
		return nil
	}
	if i.hsSeq != hsSeq || i.length != length || i.buf == nil {
		*i = dtlsFrag{hsSeq: hsSeq, length: length, buf: make([]byte, length), firstSeq: seq}
	}
	dist := seq - i.firstSeq
	if i.firstSeq > seq {
		dist = i.firstSeq - seq
	}
	if dist >= 32 {
		e.violation("DTLS handshake fragment sequence number outside reassembly window.")
		return nil
	}
	if i.firstSeq > seq {
		if i.firstSeen {
			e.violation("Saw second and different first message fragment for handshake.")
			return nil
		}
		i.seen <<= i.firstSeq - seq
		i.firstSeq = seq
	}
	if foff == 0 {
		i.firstSeen = true
	}
	bit := uint32(1) << (seq - i.firstSeq)
	if i.seen&bit != 0 {
		return nil
	}
	if uint32(len(data)) != flen {
		e.violation("DTLS handshake record length does not match packet length")
		return nil
	}
	if uint64(foff)+uint64(flen) > uint64(length) {
		e.violation("DTLS handshake fragment trying to write past end of buffer")
		return nil
	}
	i.seen |= bit
	copy(i.buf[foff:], data)
	if foff+flen == length {
		i.lastSeq = seq
	}
	if i.lastSeq != 0 && i.firstSeen {
		total := i.lastSeq - i.firstSeq
		if total > 30 {
			e.violation("DTLS Message fragmented over more than 30 pieces. Cannot reassemble.")
			return nil
		}
		if ^i.seen&(uint32(1)<<(total+1)-1) == 0 {
			e.dtlsSendHandshake(raw, typ, length, i.buf, orig)
		}
	}
	return nil
}

// dtlsSendHandshake is DTLS_Analyzer::SendHandshake: the message type and
// length, then the data, into the handshake parser.
func (e *engine) dtlsSendHandshake(raw uint16, typ uint8, length uint32, data []byte, orig bool) {
	hdr := [4]byte{typ, byte(length >> 16), byte(length >> 8), byte(length)}
	e.sendHandshake(raw, hdr[:], orig)
	e.sendHandshake(raw, data, orig)
}
