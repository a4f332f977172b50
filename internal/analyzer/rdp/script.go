package rdp

import (
	"bytes"
	"strconv"
	"unicode/utf16"

	"github.com/heron-nsm/heron/internal/zeek"
)

// script is the logic of Zeek's base/protocols/rdp/main.zeek for one
// connection: it turns the analyzer's events into the rdp.log record and
// decides when to write it.
type script struct {
	h    host
	info *Info // c$rdp; nil until the first RDP event
	done bool  // the record was logged (or found empty) already
}

// setSession is main.zeek's set_session: the record starts with the first
// event, and a check that logs it after RDP::rdp_check_interval is
// scheduled.
func (s *script) setSession() {
	if s.info != nil {
		return
	}
	now := s.h.now()
	s.info = &Info{TS: now, UID: s.h.uid(), ID: s.h.connID()}
	s.h.addTimer(now.Add(checkInterval()), s.checkRecord)
}

// checkRecord is main.zeek's check_record event.
func (s *script) checkRecord(now zeek.Time) {
	if s.done || s.info == nil {
		return
	}
	if now.Sub(s.info.TS) > checkInterval() {
		s.writeLog()
		return
	}
	s.h.addTimer(now.Add(checkInterval()), s.checkRecord)
}

// writeLog is main.zeek's write_log: once, and only for a record that
// holds RDP data.
func (s *script) writeLog() {
	if s.info == nil || s.done {
		return
	}
	s.done = true
	in := s.info
	if in.Cookie.Set || in.KeyboardLayout.Set || in.Result.Set {
		rec := *in
		if rec.ClientChannels.Set {
			rec.ClientChannels.V = append([]string(nil), rec.ClientChannels.V...)
		}
		s.h.writeLog(&rec)
	}
}

// name looks a code up in one of consts.zeek's tables, with the table's
// default for unknown codes.
func name(table map[uint32]string, code uint32, dflt string) string {
	if n, ok := table[code]; ok {
		return n
	}
	return dflt + "-" + strconv.FormatUint(uint64(code), 10)
}

func (s *script) connectRequest(cookie []byte) {
	s.setSession()
	s.info.Cookie = zeek.Some(string(cookie))
}

func (s *script) negotiationResponse(protocol uint32) {
	s.setSession()
	s.info.SecurityProtocol = zeek.Some(name(securityProtocolNames, protocol, "security_protocol"))
}

func (s *script) negotiationFailure(code uint32) {
	s.setSession()
	s.info.Result = zeek.Some(name(failureCodeNames, code, "failure_code"))
}

func (s *script) clientCoreData(cd *clientCore) {
	s.setSession()
	in := s.info
	kl := cd.keyboardLayout
	switch lang, ok := languageNames[kl]; {
	case ok:
		in.KeyboardLayout = zeek.Some(lang)
	default:
		if lang, ok := languageNames[kl&0xffff]; ok {
			in.KeyboardLayout = zeek.Some(lang + " (Best Guess for " + strconv.FormatUint(uint64(kl), 10) + ")")
		} else {
			in.KeyboardLayout = zeek.Some("keyboard-" + strconv.FormatUint(uint64(kl), 10))
		}
	}
	in.ClientBuild = zeek.Some(name(buildNames, cd.clientBuild, "client_build"))
	in.ClientName = zeek.Some(utf16ToUTF8(s.h, cd.clientName))
	in.ClientDigProductID = zeek.Some(utf16ToUTF8(s.h, cd.digProductID))
	in.DesktopWidth = zeek.Some(uint64(cd.desktopWidth))
	in.DesktopHeight = zeek.Some(uint64(cd.desktopHeight))
	if cd.earlyCapabilityFlags&0x02 != 0 { // want_32bpp_session
		in.RequestedColorDepth = zeek.Some("32bit")
	} else {
		in.RequestedColorDepth = zeek.Some(name(highColorDepthNames, uint32(cd.highColorDepth), "high_color_depth"))
	}
}

// maxChannelsLogged is the number of channels RDP allows; more raise a
// weird.
const maxChannelsLogged = 31

func (s *script) clientNetworkData(names [][]byte) {
	s.setSession()
	in := s.info
	in.ClientChannels.Set = true
	for i, n := range names {
		// The names' trailing NULs are removed.
		n = bytes.TrimRight(n, "\x00")
		if i < len(in.ClientChannels.V) {
			in.ClientChannels.V[i] = string(n)
		} else {
			in.ClientChannels.V = append(in.ClientChannels.V, string(n))
		}
	}
	if len(names) > maxChannelsLogged {
		s.h.scriptWeird("RDP_channels_requested_exceeds_max", strconv.Itoa(len(names)))
	}
}

func (s *script) gccServerCreateResponse(result uint8) {
	s.setSession()
	s.info.Result = zeek.Some(name(resultNames, uint32(result), "result"))
}

func (s *script) serverSecurity(method, level uint32) {
	s.setSession()
	s.info.EncryptionMethod = zeek.Some(name(encryptionMethodNames, method, "encryption_method"))
	s.info.EncryptionLevel = zeek.Some(name(encryptionLevelNames, level, "encryption_level"))
}

func (s *script) serverCertificate(certType uint32, permanent bool) {
	s.setSession()
	ct := name(certTypeNames, certType, "cert_type")
	s.info.CertType = zeek.Some(ct)
	if ct == "RSA" {
		// Proprietary certificates are no files: counted here.
		s.info.CertCount++
	}
	s.info.CertPermanent = zeek.Some(permanent)
}

func (s *script) beginEncryption(protocol uint32) {
	s.setSession()
	if !s.info.Result.Set {
		s.info.Result = zeek.Some("encrypted")
	}
	s.info.SecurityProtocol = zeek.Some(name(securityProtocolNames, protocol, "security_protocol"))
}

// certificateFile is file_over_new_connection for a certificate file of
// the connection.
func (s *script) certificateFile() {
	if s.info != nil {
		s.info.CertCount++
	}
}

// confirmed is analyzer_confirmation_info for RDP.
func (s *script) confirmed() { s.setSession() }

// violation is analyzer_violation_info for RDP: the record is logged now.
func (s *script) violation() {
	if s.info != nil {
		s.writeLog()
	}
}

// finalize is the connection removal hook.
func (s *script) finalize() { s.writeLog() }

// utf16ToUTF8 is Zeek's utf16_to_utf8_val: UTF-16 (little-endian) to
// UTF-8, lone surrogates encoded as they are, the result cut at its first
// NUL. A string ending in a high surrogate does not convert: its bytes
// are returned as they are, with a weird.
func utf16ToUTF8(h host, b []byte) string {
	units := make([]uint16, (len(b)+1)/2)
	for i := range units {
		lo := b[2*i]
		var hi byte
		if 2*i+1 < len(b) {
			hi = b[2*i+1]
		}
		units[i] = uint16(lo) | uint16(hi)<<8
	}
	out := make([]byte, 0, len(b)*3/2)
	for i := 0; i < len(units); i++ {
		c := rune(units[i])
		if utf16.IsSurrogate(c) && c < 0xdc00 {
			if i+1 == len(units) {
				h.scriptWeird("utf16_conversion_failed", "utf16 conversion failed in utf16_to_utf8_val")
				return string(b)
			}
			if lo := rune(units[i+1]); lo >= 0xdc00 && lo <= 0xdfff {
				c = utf16.DecodeRune(c, lo)
				i++
			}
		}
		out = appendRune(out, c)
	}
	return cString(out)
}

// appendRune writes r as UTF-8 the way the C converter does: surrogate
// code points too.
func appendRune(b []byte, r rune) []byte {
	switch {
	case r < 0x80:
		return append(b, byte(r))
	case r < 0x800:
		return append(b, 0xc0|byte(r>>6), 0x80|byte(r)&0x3f)
	case r < 0x10000:
		return append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
	}
	return append(b, 0xf0|byte(r>>18), 0x80|byte(r>>12)&0x3f, 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
}

// cString is b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}
