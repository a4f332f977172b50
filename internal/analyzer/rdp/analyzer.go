package rdp

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

// Analyzer is the RDP analyzer of one TCP connection (Zeek's
// RDP_Analyzer): TPKT frames in both directions until the negotiation
// switches to encryption, then, for TLS and CredSSP, the TLS stream goes
// to protocol detection (and so to the SSL analyzer).
type Analyzer struct {
	h     host
	p     parser
	s     script
	flows [2]tpktFlow

	hadGap    bool
	encrypted bool
	method    uint32 // encryption method once encrypted
	tls       innerSession
	finished  bool
}

var _ analyzer.Analyzer = (*Analyzer)(nil)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer { return newRDP(&handleHost{h: h}) }

func newRDP(h host) *Analyzer {
	a := &Analyzer{h: h}
	a.p.ev = a
	a.s.h = h
	return a
}

func dir(orig bool) int {
	if orig {
		return 1
	}
	return 0
}

// DeliverStream implements analyzer.Analyzer.
func (a *Analyzer) DeliverStream(data []byte, orig bool) {
	if a.finished || a.hadGap || a.h.partial() {
		return
	}
	if a.encrypted {
		// RDP's own encryption (method 0) is not analysed; TLS and
		// CredSSP are TLS on the wire.
		if a.method > 0 {
			if a.tls == nil {
				a.tls = a.h.inner()
			}
			a.tls.DeliverStream(data, orig)
		}
		return
	}
	if err := a.flows[dir(orig)].deliver(data, a.p.frame); err != nil {
		a.h.violation(binpac.Reason(err))
		a.s.violation()
	}
}

// Undelivered implements analyzer.Analyzer: after a content gap nothing
// more is analysed, in either direction, as in Zeek.
func (a *Analyzer) Undelivered(seq uint64, n int, orig bool) { a.hadGap = true }

// DeliverPacket implements analyzer.Analyzer (unused over TCP).
func (a *Analyzer) DeliverPacket(data []byte, orig bool) {}

// EndOfData implements analyzer.Analyzer: an incomplete frame at the end
// of a direction is dropped.
func (a *Analyzer) EndOfData(orig bool) {}

// Done implements analyzer.Analyzer: the connection's removal hook logs
// what was not logged yet.
func (a *Analyzer) Done() {
	if a.finished {
		return
	}
	a.finished = true
	a.s.finalize()
	if a.tls != nil {
		a.tls.Done()
	}
	for i := range a.flows {
		a.flows[i].buf = nil
	}
}

// The parser's events.

func (a *Analyzer) confirm() {
	a.h.confirm()
	a.s.confirmed()
}

func (a *Analyzer) connectRequest(cookie []byte, _ bool) { a.s.connectRequest(cookie) }
func (a *Analyzer) negotiationResponse(p uint32)         { a.s.negotiationResponse(p) }
func (a *Analyzer) negotiationFailure(code uint32)       { a.s.negotiationFailure(code) }
func (a *Analyzer) gccServerCreateResponse(r uint8)      { a.s.gccServerCreateResponse(r) }
func (a *Analyzer) clientCoreData(cd *clientCore)        { a.s.clientCoreData(cd) }
func (a *Analyzer) clientNetworkData(names [][]byte)     { a.s.clientNetworkData(names) }
func (a *Analyzer) serverSecurity(method, level uint32)  { a.s.serverSecurity(method, level) }

func (a *Analyzer) serverCertificate(certType uint32, permanent bool) {
	a.s.serverCertificate(certType, permanent)
}

// netWeird would be a weird without a connection; the analyzer framework
// offers none, so it is dropped (see doc.go).
func (a *Analyzer) netWeird(name, addl string) {}

// beginEncryption is the connection's go_encrypted: later deliveries are
// encrypted.
func (a *Analyzer) beginEncryption(method uint32) {
	a.encrypted = true
	a.method = method
	a.s.beginEncryption(method)
}

func (a *Analyzer) x509Cert(der []byte) {
	a.s.certificateFile()
	a.h.certificate(der)
}

// tpktHeader is the size of a TPKT header: version, reserved, length.
const tpktHeader = 4

// tpktFlow cuts one direction into TPKT frames the way binpac's flow
// buffer does for the grammar's TPKT: 4 header bytes, then as many bytes
// as the header's length says (never fewer than the header). A frame
// that arrives in one piece is parsed in place; others are assembled in
// buf (at most 64 KiB). After a parse failure the rest of the delivery
// is dropped and the next delivery starts a new frame.
type tpktFlow struct {
	buf  []byte
	need int // the frame's length once its header is complete; 0 before
}

func frameLen(hdr []byte) int { return max(tpktHeader, int(binary.BigEndian.Uint16(hdr[2:4]))) }

// deliver takes the next bytes of the direction and parses every frame
// they complete.
func (f *tpktFlow) deliver(data []byte, parse func([]byte) error) error {
	for len(data) > 0 {
		if len(f.buf) == 0 && len(data) >= tpktHeader {
			if n := frameLen(data); len(data) >= n {
				if err := parse(data[:n]); err != nil {
					return err
				}
				data = data[n:]
				continue
			}
		}
		total := tpktHeader
		if f.need > 0 {
			total = f.need
		}
		k := min(total-len(f.buf), len(data))
		f.buf = append(f.buf, data[:k]...)
		data = data[k:]
		if len(f.buf) < total {
			return nil
		}
		if f.need == 0 {
			f.need = frameLen(f.buf)
			if len(f.buf) < f.need {
				continue
			}
		}
		frame := f.buf
		f.buf, f.need = f.buf[:0], 0
		if err := parse(frame); err != nil {
			return err
		}
	}
	return nil
}
