package ssl

import (
	"fmt"
	"strconv"
)

// recordReader frames one direction of a TLS byte stream into records:
// a five-byte header (SSLv2 records are framed as Zeek frames them: two
// length bytes and three message bytes), then the body. Bodies of
// records that are certainly encrypted are counted, not kept; others are
// handed out in place when they lie within one delivery and copied
// otherwise.
type recordReader struct {
	hdr      [5]byte
	nhdr     int
	inBody   bool
	rlv      uint16 // record layer version the header was read with
	length   int
	need     int
	skipBody bool
	body     []byte
}

// deliverStream feeds TCP payload of one direction to the record layer.
func (e *engine) deliverStream(data []byte, orig bool) {
	d := dir(orig)
	r := &e.rec[d]
	for len(data) > 0 && !e.skip {
		if !r.inBody {
			n := copy(r.hdr[r.nhdr:], data)
			r.nhdr += n
			data = data[n:]
			if r.nhdr < 5 {
				return
			}
			rlv, ok := e.recordLayer(r.hdr, orig)
			if !ok {
				return
			}
			length := int(r.hdr[3])<<8 | int(r.hdr[4])
			if rlv == versionSSLv2 {
				length = (int(r.hdr[0]&0x7f)<<8 | int(r.hdr[1])) - 3
			}
			if length < 0 {
				e.flowException(orig, &oob{where: "SSLRecord", needed: 5, avail: length + 5})
				return
			}
			r.inBody, r.rlv, r.length, r.need = true, rlv, length, length
			r.skipBody = e.encrypted[d]
			r.body = r.body[:0]
		}
		take := min(r.need, len(data))
		var body []byte
		switch {
		case r.skipBody:
			r.need -= take
		case len(r.body) == 0 && take == r.need:
			body = data[:take]
			r.need = 0
		default:
			r.body = append(r.body, data[:take]...)
			r.need -= take
			body = r.body
		}
		data = data[take:]
		if r.need > 0 {
			return
		}
		r.inBody, r.nhdr = false, 0
		if !e.record(orig, r.hdr, r.rlv, body, r.length) {
			return // the rest of the delivery is discarded
		}
	}
}

// flowException is a binpac exception in the record layer: a violation,
// and the rest of the direction's buffered input is discarded.
func (e *engine) flowException(orig bool, err error) {
	r := &e.rec[dir(orig)]
	r.inBody, r.nhdr, r.body = false, 0, r.body[:0]
	e.violation(binpacError(err.Error()))
}

// recordLayer is Zeek's determine_ssl_record_layer: it settles the
// record layer version from the first records, checks later records'
// versions, and reports violations (after which nothing more is parsed).
func (e *engine) recordLayer(h [5]byte, orig bool) (uint16, bool) {
	version := uint16(h[1])<<8 | uint16(h[2])
	tlsVersion := func(v uint16) bool {
		return v == versionSSLv3 || v == versionTLS10 || v == versionTLS11 || v == versionTLS12
	}
	fail := func(reason string) (uint16, bool) {
		e.skip = true
		e.violation(reason)
		return versionUnknown, false
	}
	if e.rlv != versionUnknown && e.rlv != versionSSLv2 && !tlsVersion(version) {
		return fail("Invalid version late in TLS connection. Packet reported version: " + strconv.Itoa(int(version)))
	}
	if e.rlv != versionUnknown {
		return e.rlv, true
	}
	if h[0]&0x80 != 0 {
		switch {
		case h[2] == 0x01 && orig:
			v2 := uint16(h[3])<<8 | uint16(h[4])
			if v2 != versionSSLv2 && !tlsVersion(v2) {
				return fail("Invalid version in SSL client hello. Version: " + strconv.Itoa(int(v2)))
			}
			return versionSSLv2, true
		case h[2] == 0x04 && h[4] < 2 && !orig:
			e.rlv = versionSSLv2
			return versionSSLv2, true
		}
		return fail(fmt.Sprintf("Invalid headers in SSL connection. Head1: %d, head2: %d, head3: %d", h[1], h[2], h[3]))
	}
	if !tlsVersion(version) {
		return fail("Invalid version in TLS connection. Version: " + strconv.Itoa(int(version)))
	}
	if h[0] >= 20 && h[0] <= 30 {
		e.rlv = version
		return version, true
	}
	return fail(fmt.Sprintf("Invalid type in TLS connection. Version: %d, Type: %d", version, h[0]))
}

// determineState is Zeek's determine_state: whether a record is
// encrypted. Application data under a negotiated version that is not
// SSL 2/3 or TLS 1.0-1.2 (TLS 1.3, or nothing negotiated) switches the
// direction to encrypted.
func (e *engine) determineState(orig bool, ct int) bool {
	d := dir(orig)
	if e.encrypted[d] || ct != ctApplicationData {
		return e.encrypted[d]
	}
	switch e.version {
	case versionSSLv2, versionSSLv3, versionTLS10, versionTLS11, versionTLS12:
		return false
	}
	e.startEncryption(orig)
	return true
}

// record processes one complete record (body is nil when it was not
// kept). It reports false after a parse failure.
func (e *engine) record(orig bool, h [5]byte, rlv uint16, body []byte, length int) bool {
	ct := int(h[0])
	raw := uint16(h[1])<<8 | uint16(h[2])
	if rlv == versionSSLv2 {
		ct, raw = int(h[2])+300, 0
	}
	off := 0
	for off < length {
		if e.determineState(orig, ct) {
			e.ciphertext(orig)
			return true
		}
		n, err := e.plaintext(orig, h, ct, raw, body[off:], length)
		if err != nil {
			e.flowException(orig, err)
			return false
		}
		e.evPlaintext(ct)
		off += n
	}
	return true
}

// plaintext parses one element of a plaintext record and returns the
// bytes it took.
func (e *engine) plaintext(orig bool, h [5]byte, ct int, raw uint16, b []byte, recLen int) (int, error) {
	switch ct {
	case ctChangeCipherSpec:
		if !isTLS13(e.version) {
			e.startEncryption(orig)
		}
		e.evChangeCipherSpec(e.isClient(orig))
		return 1, nil
	case ctAlert:
		return e.alerts(orig, b, recLen)
	case ctHeartbeat:
		if len(b) < 3 {
			return 0, &oob{where: "Heartbeat", needed: 3, avail: len(b)}
		}
		e.evHeartbeat(e.isClient(orig))
		return len(b), nil
	case ctApplicationData:
		return len(b), nil
	case ctHandshake:
		e.sendHandshake(raw, b, orig)
		return len(b), nil
	case ctV2Error:
		e.evAlert(e.isClient(orig), uint32(h[3])<<8|uint32(h[4]))
		return len(b), nil
	case ctV2ClientHello:
		return e.v2ClientHello(orig, h, b)
	case ctV2ServerHello:
		return e.v2ServerHello(orig, b)
	case ctV2ClientMasterKey:
		c := newCursor(b, "V2ClientMasterKey")
		var lens [3]uint16
		if _, err := c.u8("cipher_kind_8"); err != nil {
			return 0, err
		}
		for i, f := range []string{"cl_key_len", "en_key_len", "key_arg_len"} {
			v, err := c.u16(f)
			if err != nil {
				return 0, err
			}
			lens[i] = v
		}
		n := 7 + int(lens[0]) + int(lens[1]) + int(lens[2])
		if n > len(b) {
			return 0, &oob{where: "V2ClientMasterKey", needed: n, avail: len(b)}
		}
		e.startEncryption(true)
		e.startEncryption(false)
		e.established()
		return n, nil
	}
	e.violation(fmt.Sprintf("unknown SSL record type (%d) from %s", ct, origLabel(orig)))
	return len(b), nil
}

func origLabel(orig bool) string {
	if orig {
		return "originator"
	}
	return "responder"
}

// alerts parses an Alerts record: up to SSL::max_alerts_per_record
// alerts (one under TLS 1.3), the rest ignored.
func (e *engine) alerts(orig bool, b []byte, recLen int) (int, error) {
	if recLen > len(b) {
		return 0, &oob{where: "Alerts", needed: recLen, avail: len(b)}
	}
	n := recLen
	max := e.opts.MaxAlertsPerRecord * 2
	if isTLS13(e.version) {
		max = 2
	}
	if n > max {
		e.host.Weird("SSL_excessive_alerts_in_record", strconv.Itoa(n/2))
		n = max
	}
	for i := 0; i < n; i += 2 {
		if i+2 > n {
			return 0, &oob{where: "Alert", needed: 2, avail: n - i}
		}
		e.evAlert(e.isClient(orig), uint32(b[i+1]))
	}
	return recLen, nil
}

// v2ClientHello parses an SSLv2 CLIENT-HELLO.
func (e *engine) v2ClientHello(orig bool, h [5]byte, b []byte) (int, error) {
	c := newCursor(b, "V2ClientHello")
	csuitLen, err := c.u16("csuit_len")
	if err != nil {
		return 0, err
	}
	sessionLen, err := c.u16("session_len")
	if err != nil {
		return 0, err
	}
	chalLen, err := c.u16("chal_len")
	if err != nil {
		return 0, err
	}
	total := 6 + int(csuitLen) + int(sessionLen) + int(chalLen)
	if total > len(b) {
		return 0, &oob{where: "V2ClientHello", needed: total, avail: len(b)}
	}
	ciphers, _ := c.bytes(int(csuitLen)/3*3, "ciphers")
	c.off = 6 + int(csuitLen)
	sessionID, _ := c.bytes(int(sessionLen), "session_id")
	challenge, _ := c.bytes(int(chalLen), "challenge")
	version := uint16(h[3])<<8 | uint16(h[4])
	e.clientHelloProc(version, 0, challenge, sessionID, nil, ciphers, nil, nil)
	return total, nil
}

// v2ServerHello parses an SSLv2 SERVER-HELLO.
func (e *engine) v2ServerHello(orig bool, b []byte) (int, error) {
	c := newCursor(b, "V2ServerHello")
	version, err := c.u16("server_version")
	if err != nil {
		return 0, err
	}
	var lens [3]uint16
	for i, f := range []string{"cert_len", "ciphers_len", "conn_id_len"} {
		if lens[i], err = c.u16(f); err != nil {
			return 0, err
		}
	}
	cert, err := c.bytes(int(lens[0]), "cert_data")
	if err != nil {
		return 0, err
	}
	ciphers, err := c.bytes(int(lens[1])/3*3, "ciphers")
	if err != nil {
		return 0, err
	}
	connID, err := c.bytes(int(lens[2]), "conn_id_data")
	if err != nil {
		return 0, err
	}
	if version != versionSSLv2 {
		e.skip = true
		e.violation("Invalid version in SSL server hello. Version: " + strconv.Itoa(int(version)))
		return c.off, nil
	}
	var first uint32
	if len(ciphers) >= 3 {
		first = uint32(ciphers[0])<<16 | uint32(ciphers[1])<<8 | uint32(ciphers[2])
	}
	e.serverHelloProc(version, connID, nil, first, nil)
	e.certificates(orig, [][]byte{cert})
	return c.off, nil
}
