package ftp

import (
	"encoding/binary"

	"github.com/heron-nsm/heron/internal/analyzer/mime"
)

// adatChild is the SSL analyzer that AUTH GSSAPI starts, with Zeek's
// FTP_ADAT support analyzers in front of it (src/analyzer/protocol/ftp/
// FTP.cc, RFC 2228): the base64 tokens of ADAT commands and of 334/335
// replies (GSI's GSSAPI mechanism exchanges TLS handshake records this
// way) are decoded and fed to SSL, until the exchange ends or the first
// client token does not look like TLS.
type adatChild struct {
	a          *Analyzer
	s          stream
	firstToken bool // of the client's side
	gone       bool
}

// line takes one line of a direction, after the FTP analyzer has.
func (c *adatChild) line(line []byte, orig bool) {
	if c.gone {
		return
	}
	done := false
	var decoded []byte
	var haveDecoded bool
	if orig {
		p := skipWS(line)
		cmd := getWord(p)
		switch {
		case prefixOf(cmd, "ADAT"):
			enc := skipWS(p[len(cmd):])
			decoded, haveDecoded = c.decode(enc)
			if c.firstToken {
				if !haveDecoded {
					c.a.h.weird("ftp_adat_bad_first_token_encoding", "", "FTP_ADAT", false)
				}
				// GSI starts right in on a TLS handshake: a handshake
				// record whose length matches the token.
				if len(decoded) < 5 || decoded[0] != 0x16 || len(decoded)-5 != int(binary.BigEndian.Uint16(decoded[3:5])) {
					done = true
					decoded, haveDecoded = nil, false
				}
			}
			c.firstToken = false
		case prefixOf(cmd, "AUTH"):
			// A new AUTH resets the security state.
			done = true
		}
	} else {
		switch code := replyCode(line); code {
		case 232, 234:
			done = true
		case 235, 334, 335:
			if code == 235 {
				done = true
			}
			rest := line[3:]
			if len(line) > 3 && rest[0] == '-' {
				rest = rest[1:]
			}
			rest = skipWS(rest)
			if len(rest) >= 5 && string(rest[:5]) == "ADAT=" {
				decoded, haveDecoded = c.decode(rest[5:])
			}
		case 421, 431, 500, 501, 503, 535, 631, 632, 633:
			done = true
		}
	}
	if haveDecoded && len(decoded) > 0 {
		c.s.DeliverStream(decoded, orig)
		c.a.tlsData(decoded, orig)
	}
	if done {
		c.remove()
	}
}

// decode is Zeek's decode_base64 with the connection's weirds: nil and
// false when the encoding had a bad character.
func (c *adatChild) decode(enc []byte) ([]byte, bool) {
	return mime.DecodeBase64(enc, func(msg string) {
		c.a.h.weird("base64_illegal_encoding", msg, "", false)
	})
}

// remove ends the SSL analyzer (Zeek removes the FTP_ADAT's parent).
func (c *adatChild) remove() {
	if c.gone {
		return
	}
	c.gone = true
	c.s.Done()
	if c.a.adat == c {
		c.a.adat = nil
	}
}
