package communityid

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"net/netip"
)

// IP protocol numbers that change how a flow is hashed.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// Lengths of the strings Append produces.
const (
	Base64Len = 2 + 28 // "1:" and the base64 digest
	HexLen    = 2 + 40 // "1:" and the hex digest
)

// Append appends the Community ID v1 string of a flow to dst and returns the
// extended slice. It allocates only if dst lacks room (Base64Len or HexLen
// bytes); it does not retain dst.
//
// orig and resp are the flow's originator and responder, origPort and
// respPort their ports as Zeek's conn_id holds them (for ICMP see the
// package doc and ICMPConnPorts; for protocols without ports they are
// ignored in the hash but, as in Zeek, still break ties in the ordering).
// proto is the IP protocol number; 1 and 58 both mean "ICMP of the
// originator's address family". base64 selects base64 over hex.
//
// The flow is hashed in canonical order: orig first if it sorts before
// resp (addresses as 16-byte IPv4-mapped values, then ports as Zeek
// compares them), or if the flow is one-way ICMP; resp first otherwise.
// IPv6 zones are ignored. If either address is the zero Addr, Append
// returns dst unchanged.
func Append(dst []byte, seed uint16, proto uint8, orig, resp netip.Addr, origPort, respPort uint16, base64 bool) []byte {
	if !orig.IsValid() || !resp.IsValid() {
		return dst
	}
	o16, r16 := orig.As16(), resp.As16()
	v4 := orig.Is4() || orig.Is4In6()

	hasPorts, oneWay := true, false
	switch proto {
	case ProtoTCP, ProtoUDP, ProtoSCTP:
	case ProtoICMP, ProtoICMPv6:
		if v4 {
			proto = ProtoICMP
			_, oneWay = icmp4Counterpart(origPort)
		} else {
			proto = ProtoICMPv6
			_, oneWay = icmp6Counterpart(origPort)
		}
	default:
		hasPorts = false
	}

	// The bytes hashed for each address: Zeek takes the width from the
	// originator's family (a mixed pair cannot come from one packet).
	oa, ra := o16[:], r16[:]
	if v4 {
		oa = o16[12:]
		if resp.Is4() || resp.Is4In6() {
			ra = r16[12:]
		} else {
			ra = r16[:4]
		}
	}
	sp, dp := origPort, respPort
	if !oneWay && !canonLess(&o16, origPort, &r16, respPort) {
		oa, ra = ra, oa
		sp, dp = dp, sp
	}

	var buf [2 + 16 + 16 + 1 + 1 + 2 + 2]byte
	binary.BigEndian.PutUint16(buf[0:], seed)
	n := 2
	n += copy(buf[n:], oa)
	n += copy(buf[n:], ra)
	buf[n] = proto
	buf[n+1] = 0
	n += 2
	if hasPorts {
		binary.BigEndian.PutUint16(buf[n:], sp)
		binary.BigEndian.PutUint16(buf[n+2:], dp)
		n += 4
	}
	sum := sha1.Sum(buf[:n])

	dst = append(dst, '1', ':')
	if base64 {
		return b64.AppendEncode(dst, sum[:])
	}
	return hex.AppendEncode(dst, sum[:])
}

var b64 = base64.StdEncoding

// canonLess is Zeek's endpoint order: addresses as 16-byte strings, then
// ports as network-order values read on a little-endian host.
func canonLess(a *[16]byte, ap uint16, b *[16]byte, bp uint16) bool {
	if *a != *b {
		for i := range a {
			if a[i] != b[i] {
				return a[i] < b[i]
			}
		}
	}
	return bits.ReverseBytes16(ap) < bits.ReverseBytes16(bp)
}

// ICMPConnPorts returns the ports Zeek's conn_id gives an ICMP (v6 false)
// or ICMPv6 (v6 true) message of type typ and code code: origPort is the
// type; respPort is the counterpart type of a request/reply pair, or the
// code for a one-way type, which oneWay reports.
func ICMPConnPorts(v6 bool, typ, code uint8) (origPort, respPort uint16, oneWay bool) {
	var counter uint16
	if v6 {
		counter, oneWay = icmp6Counterpart(uint16(typ))
	} else {
		counter, oneWay = icmp4Counterpart(uint16(typ))
	}
	if oneWay {
		counter = uint16(code)
	}
	return uint16(typ), counter, oneWay
}

// icmp4Counterpart returns the reply type paired with an ICMP type, or
// oneWay for a type without one.
func icmp4Counterpart(typ uint16) (counter uint16, oneWay bool) {
	switch typ {
	case 8: // echo request
		return 0, false
	case 0: // echo reply
		return 8, false
	case 13: // timestamp
		return 14, false
	case 14: // timestamp reply
		return 13, false
	case 15: // information request
		return 16, false
	case 16: // information reply
		return 15, false
	case 10: // router solicitation
		return 9, false
	case 9: // router advertisement
		return 10, false
	case 17: // address mask request
		return 18, false
	case 18: // address mask reply
		return 17, false
	}
	return 0, true
}

// icmp6Counterpart is icmp4Counterpart for ICMPv6.
func icmp6Counterpart(typ uint16) (counter uint16, oneWay bool) {
	switch typ {
	case 128: // echo request
		return 129, false
	case 129: // echo reply
		return 128, false
	case 133: // router solicitation
		return 134, false
	case 134: // router advertisement
		return 133, false
	case 135: // neighbor solicitation
		return 136, false
	case 136: // neighbor advertisement
		return 135, false
	case 130: // MLD query
		return 131, false
	case 131: // MLD report
		return 130, false
	case 139: // node information query
		return 140, false
	case 140: // node information response
		return 139, false
	case 144: // home agent address discovery request
		return 145, false
	case 145: // home agent address discovery reply
		return 144, false
	}
	return 0, true
}
