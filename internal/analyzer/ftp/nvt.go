package ftp

import "strconv"

// Telnet bytes and options (RFC 854 and the option RFCs) that Zeek's NVT
// analyzer interprets.
const (
	telnetIAC  = 255
	telnetSB   = 250
	telnetSE   = 240
	telnetWILL = 251
	telnetWONT = 252
	telnetDO   = 253
	telnetDONT = 254

	optBinary       = 0
	optTerminal     = 24
	optAuthenticate = 37
	optEncrypt      = 38
	optEnviron      = 39
)

// nvtInitialBuffer is the first line buffer size, and nvtMaxLine the
// largest (Zeek's ContentLine defaults: 128 bytes, doubling, up to just
// under 16 MiB).
const (
	nvtInitialBuffer = 128
	nvtMaxLine       = 16*1024*1024 - 100
)

// nvtSink receives what an nvt produces. Lines are borrowed for the call.
type nvtSink interface {
	nvtLine(line []byte, orig bool)
	// nvtWeird raises a weird with the NVT analyzer as its source;
	// limit marks Zeek's LimitReachedWeird (history 'X').
	nvtWeird(name, addl string, limit bool)
}

// connFlags are the once-per-connection weird flags the two directions
// share (Zeek's Connection::FlagEvent).
type connFlags struct{ singleCR, nul bool }

// telnetOption is the state of one Telnet option at one endpoint (Zeek's
// TelnetOption): what the endpoint said about it, and whether it is on.
type telnetOption struct {
	code                        byte
	saidWill, saidWont          bool
	saidDo, saidDont            bool
	active                      bool
	didEncryptRequest, encrypts bool // the encryption option
	authRequested               bool // the authentication option
}

// nvt splits one direction of an FTP control connection into lines as
// Zeek's NVT_Analyzer configured by FTP does: LF ends a line (a CR before
// it is removed), a CR alone stays in the line with the weird
// line_terminated_with_single_CR, the first NUL not after a CR is dropped
// with NUL_in_line, and Telnet commands (IAC sequences) are taken out of
// the data, with the options that change it followed as Zeek follows
// them: BINARY (while it is on, Zeek masks data bytes to 7 bits) and
// ENCRYPT (nothing more is delivered once encryption starts). It is
// resumable at any byte.
//
// Memory: the line buffer doubles from 128 bytes up to just under
// 16 MiB; a longer line is cut there with nvt_line_size_exceeded, and a
// longer Telnet sub-option is dropped with nvt_option_size_exceeded.
type nvt struct {
	sink  nvtSink
	orig  bool
	peer  *nvt
	flags *connFlags

	buf  []byte
	size int // Zeek's buf_len: the buffer size it believes it has
	off  int
	last int // last_char

	pendingIAC bool
	iacPos     int
	isSub      bool
	lastIAC    bool

	binary   bool
	flagNULs bool
	skip     bool // encrypting: no more deliveries
	authOK   bool // authentication accepted at this endpoint
	opts     [5]telnetOption
	nopts    int
}

func (n *nvt) init(sink nvtSink, orig bool, peer *nvt, flags *connFlags) {
	n.sink, n.orig, n.peer, n.flags = sink, orig, peer, flags
	n.size = nvtInitialBuffer
	n.flagNULs = true
}

// hasPartialLine reports whether a line has begun but not ended.
func (n *nvt) hasPartialLine() bool { return n.off > 0 }

// put appends a byte to the line buffer (its room was checked).
func (n *nvt) put(c byte) {
	if n.off < len(n.buf) {
		n.buf[n.off] = c
	} else {
		n.buf = append(n.buf[:n.off], c)
	}
	n.off++
}

// grow is InitBufferSafe(size*2): false when the buffer is at its limit.
func (n *nvt) grow() bool {
	if n.size >= nvtMaxLine {
		return false
	}
	n.size = min(n.size*2, nvtMaxLine)
	return true
}

// emit delivers the line in the buffer.
func (n *nvt) emit(k int) {
	n.sink.nvtLine(n.buf[:k], n.orig)
	n.off = 0
}

// deliver processes stream bytes (ContentLine's DeliverStream into the
// NVT's DoDeliver).
func (n *nvt) deliver(data []byte) {
	if len(data) == 0 || n.skip {
		return
	}
	for len(data) > 0 {
		if n.pendingIAC {
			data = n.scanOption(data)
		} else {
			data = n.chunk(data)
		}
	}
}

// end flushes a partial line at the end of the direction (ContentLine's
// EndpointEOF delivers a newline).
func (n *nvt) end() {
	if n.off > 0 {
		n.deliver([]byte{'\n'})
	}
}

// chunk is DeliverChunk: data up to an IAC.
func (n *nvt) chunk(data []byte) []byte {
	for len(data) > 0 {
		if n.off >= n.size {
			if !n.grow() {
				n.sink.nvtWeird("nvt_line_size_exceeded", strconv.Itoa(n.size), true)
				// The line is cut: all but the last buffered byte is
				// delivered, and the byte at hand is lost.
				n.emit(n.size - 1)
				n.last = 0
				data = data[1:]
				continue
			}
		}
		if !n.binary && n.last != '\r' {
			// Fast path: a run of ordinary bytes goes into the line
			// at once.
			j, room := 0, n.size-n.off
			for j < len(data) && j < room {
				if c := data[j]; c == '\r' || c == '\n' || c == 0 || c == telnetIAC {
					break
				}
				j++
			}
			if j > 0 {
				n.buf = append(n.buf[:n.off], data[:j]...)
				n.off += j
				n.last = int(data[j-1])
				data = data[j:]
				continue
			}
		}
		c := int(data[0])
		if n.binary && c != telnetIAC {
			c &= 0x7f
		}
		switch c {
		case '\r':
			n.put('\r')
		case '\n':
			if n.last == '\r' {
				if n.off > 0 {
					n.off--
					n.emit(n.off)
				}
			} else {
				n.emit(n.off)
			}
		case 0:
			switch {
			case n.last == '\r':
				// A NUL right after a CR is harmless (Solaris).
			case n.flagNULs:
				n.checkNUL()
			default:
				n.put(0)
			}
		case telnetIAC:
			n.pendingIAC = true
			n.iacPos = n.off
			n.isSub = false
			n.put(telnetIAC)
			return n.scanOption(data[1:])
		default:
			n.put(byte(c))
		}
		if n.last == '\r' && c != '\n' && c != 0 && n.flags.first(&n.flags.singleCR) {
			n.sink.nvtWeird("line_terminated_with_single_CR", "", false)
		}
		n.last = c
		data = data[1:]
	}
	return data
}

// first sets *f and reports whether it was clear.
func (f *connFlags) first(flag *bool) bool {
	if *flag {
		return false
	}
	*flag = true
	return true
}

// checkNUL is ContentLine's CheckNUL for a connection with a handshake:
// the NUL is dropped, the weird raised once per connection, and NULs
// are kept from then on.
func (n *nvt) checkNUL() {
	if n.flags.first(&n.flags.nul) {
		n.sink.nvtWeird("NUL_in_line", "", false)
	}
	n.flagNULs = false
}

// scanOption is ScanOption: the bytes after an IAC.
func (n *nvt) scanOption(data []byte) []byte {
	if len(data) == 0 {
		return data
	}
	if n.iacPos == n.off-1 {
		code := data[0]
		switch {
		case code == telnetIAC:
			// An escaped 255: the second one goes, the first stays.
			n.pendingIAC = false
			n.last = int(code)
		case code == telnetSB:
			n.isSub = true
			n.lastIAC = false
			if n.off >= n.size {
				n.size = n.off + 1
			}
			n.put(code)
		case code >= telnetWILL && code <= telnetDONT:
			n.isSub = false
			if n.off >= n.size {
				n.size = n.off + 1
			}
			n.put(code)
		default:
			// A two-byte command: dropped with its IAC.
			n.off--
			n.pendingIAC = false
		}
		return data[1:]
	}
	if !n.isSub {
		n.sawOption(n.buf[n.off-1], data[0])
		n.off -= 2
		n.pendingIAC = false
		return data[1:]
	}
	for len(data) > 0 {
		if n.off >= n.size && !n.grow() {
			n.sink.nvtWeird("nvt_option_size_exceeded", strconv.Itoa(n.size), true)
			n.pendingIAC, n.isSub = false, false
			n.off, n.last = 0, 0
			return data
		}
		code := data[0]
		if n.lastIAC {
			n.lastIAC = false
			if code == telnetIAC {
				data = data[1:] // an escaped IAC: the second copy goes
				continue
			}
			start, stop := n.iacPos+2, n.off-1
			if stop > start {
				n.sawSubOption(n.buf[start:stop])
			} else {
				n.sawSubOption(nil)
			}
			n.off = n.iacPos
			n.pendingIAC, n.isSub = false, false
			if code == telnetSE {
				return data[1:]
			}
			// A broken termination: the new IAC starts a command.
			n.pendingIAC = true
			n.iacPos = n.off
			n.put(telnetIAC)
			return data
		}
		n.put(code)
		n.lastIAC = code == telnetIAC
		data = data[1:]
	}
	return data
}

// option returns the endpoint's state of a known option, creating it,
// or nil for options Zeek does not follow.
func (n *nvt) option(code byte) *telnetOption {
	for i := 0; i < n.nopts; i++ {
		if n.opts[i].code == code {
			return &n.opts[i]
		}
	}
	switch code {
	case optBinary, optTerminal, optAuthenticate, optEncrypt, optEnviron:
	default:
		return nil
	}
	if n.nopts >= len(n.opts) {
		return nil
	}
	o := &n.opts[n.nopts]
	*o = telnetOption{code: code}
	n.nopts++
	return o
}

// setActive turns an option of this endpoint on or off.
func (n *nvt) setActive(o *telnetOption, on bool) {
	o.active = on
	if o.code == optBinary {
		n.binary = on
	}
}

// sawOption is a WILL/WONT/DO/DONT received from this endpoint (Zeek's
// TelnetOption::RecvOption; its inconsistency events log nothing).
func (n *nvt) sawOption(kind, code byte) {
	o := n.option(code)
	if o == nil || n.peer == nil {
		return
	}
	p := n.peer.option(code)
	if p == nil {
		return
	}
	switch kind {
	case telnetWILL:
		p.saidWill = true
		if o.saidDo {
			n.peer.setActive(p, true)
		}
	case telnetWONT:
		p.saidWont = true
		if o.saidDont {
			n.peer.setActive(p, false)
		}
	case telnetDO:
		p.saidDo = true
		if o.saidWill {
			n.setActive(o, true)
		}
	case telnetDONT:
		p.saidDont = true
		if o.saidWont {
			n.setActive(o, false)
		}
	}
}

// Sub-option codes that change what is delivered.
const (
	encryptStartingEncrypt = 3
	encryptRequestStart    = 5
	authSendMe             = 1
	authStatus             = 2
	authAccept             = 2
)

// sawSubOption is a sub-negotiation (IAC SB code … IAC SE) from this
// endpoint: encryption starting, and authentication accepted, which
// allows it.
func (n *nvt) sawSubOption(sub []byte) {
	if len(sub) == 0 {
		return
	}
	o := n.option(sub[0])
	if o == nil {
		return
	}
	data := sub[1:]
	switch o.code {
	case optEncrypt:
		if !o.active || len(data) == 0 {
			return
		}
		switch data[0] {
		case encryptRequestStart:
			o.didEncryptRequest = true
		case encryptStartingEncrypt:
			if n.peer == nil {
				return
			}
			p := n.peer.option(optEncrypt)
			if p != nil && (p.didEncryptRequest || p.encrypts || n.peer.authOK) {
				n.skip = true
				o.encrypts = true
			}
		}
	case optAuthenticate:
		if len(data) == 0 {
			return
		}
		switch data[0] {
		case authSendMe:
			o.authRequested = true
		case authStatus:
			if len(data) > 1 && data[1] == authAccept {
				n.authOK = true
			}
		}
	}
}
