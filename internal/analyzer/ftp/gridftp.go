package ftp

import "strings"

// GridFTP (base/protocols/ftp/gridftp.zeek). A control connection whose
// client asked for AUTH GSSAPI and whose TLS handshake then completes is
// a GridFTP control channel: it gets the service gridftp. Zeek's script
// hears of the completed handshake through ssl_established; Heron
// watches the TLS records it hands to SSL (through the ADAT exchange or
// after AUTH TLS) with tlsWatch, which knows the moment as Zeek's SSL
// analyzer does: the first record after both sides changed cipher spec.
//
// The data channel heuristic of the same script (service gridftp-data
// for TLS connections with a NULL cipher and both certificate chains that
// carry more than GridFTP::size_threshold bytes) needs ssl.log's cipher
// and chains of every TLS connection, which package ssl does not share;
// it is not implemented.

// Record content types that matter here.
const (
	tlsChangeCipherSpec = 20
	tlsHeaderLen        = 5
)

// tlsWatch follows the record framing of both directions of a TLS stream
// until the handshake completes. It keeps five header bytes a direction.
type tlsWatch struct {
	hdr       [2][tlsHeaderLen]byte
	hdrN      [2]int
	body      [2]int // body bytes of the current record still to come
	encrypted [2]bool
	dead      bool // not TLS framing (SSLv2): stop watching
	done      bool // established
}

// feed takes stream bytes of a direction and reports whether the
// handshake completed with them.
func (w *tlsWatch) feed(data []byte, orig bool) bool {
	if w.dead || w.done {
		return false
	}
	d := dir(orig)
	for len(data) > 0 {
		if w.body[d] > 0 {
			n := min(w.body[d], len(data))
			w.body[d] -= n
			data = data[n:]
			continue
		}
		k := copy(w.hdr[d][w.hdrN[d]:], data)
		w.hdrN[d] += k
		data = data[k:]
		if w.hdrN[d] < tlsHeaderLen {
			return false
		}
		h := w.hdr[d]
		w.hdrN[d] = 0
		if h[0]&0x80 != 0 || h[1] != 3 {
			w.dead = true
			return false
		}
		w.body[d] = int(h[3])<<8 | int(h[4])
		switch {
		case w.encrypted[d]:
			if w.encrypted[0] && w.encrypted[1] {
				w.done = true
				return true
			}
		case h[0] == tlsChangeCipherSpec:
			w.encrypted[d] = true
		}
	}
	return false
}

// tlsData watches bytes handed to SSL: a GridFTP control channel is
// labelled when its handshake completes (gridftp.zeek's ssl_established
// handler).
func (a *Analyzer) tlsData(data []byte, orig bool) {
	if !a.watch.feed(data, orig) {
		return
	}
	if s := a.sc.s; s != nil && s.lastAuthRequested.Set && strings.Contains(s.lastAuthRequested.V, "GSSAPI") {
		a.h.addService("gridftp")
	}
}
