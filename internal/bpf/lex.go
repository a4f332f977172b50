package bpf

import (
	"fmt"
	"strings"
)

// tokKind is the kind of a token of the filter language.
type tokKind int

const (
	tEOF     tokKind = iota
	tID              // a name: host, port, protocol names, or a backslash-escaped keyword
	tNUM             // a number (decimal, 0x hex, 0 octal) or a named constant
	tHID             // a dotted IPv4 address or prefix: 10.1, 10.1.2, 10.1.2.3
	tHID6            // an IPv6 address
	tEID             // a MAC address
	tAID             // an ARCnet address ($xx)
	tOp              // an operator; tok.text holds it ("(", "&&", ">=", ...)
	tKeyword         // a keyword; tok.text holds it, tok.kw its meaning
)

// token is one token and where it starts (a byte offset in the
// expression).
type token struct {
	kind tokKind
	text string
	num  uint32
	kw   keyword
	pos  int
	end  int
}

func (t token) String() string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}

// keyword identifies a reserved word. Words with the same meaning share a
// value (ether, link, fddi, ... are all kwLink).
type keyword int

const (
	kwNone keyword = iota
	kwDst
	kwSrc
	kwLink // link ether ppp slip fddi tr wlan
	kwArp
	kwRarp
	kwIP
	kwSCTP
	kwTCP
	kwUDP
	kwICMP
	kwIGMP
	kwIGRP
	kwPIM
	kwVRRP
	kwCARP
	kwRadio
	kwIP6
	kwICMP6
	kwAH
	kwESP
	kwAtalk
	kwAarp
	kwDecnet
	kwLat
	kwSca
	kwMoprc
	kwMopdl
	kwISO
	kwESIS
	kwISIS
	kwL1
	kwL2
	kwIIH
	kwLSP
	kwSNP
	kwCSNP
	kwPSNP
	kwCLNP
	kwSTP
	kwIPX
	kwNetbeui
	kwHost
	kwNet
	kwMask
	kwPort
	kwPortrange
	kwProto
	kwProtochain
	kwGateway
	kwType
	kwSubtype
	kwDir
	kwAddr1
	kwAddr2
	kwAddr3
	kwAddr4
	kwRA
	kwTA
	kwLess
	kwGreater
	kwByte
	kwBroadcast
	kwMulticast
	kwAnd
	kwOr
	kwNot
	kwLen
	kwInbound
	kwOutbound
	kwIfindex
	kwVlan
	kwMPLS
	kwPPPoED
	kwPPPoES
	kwGeneve
	kwLane
	kwLLC
	kwATM     // metac bcc oam oamf4 oamf4ec oamf4sc sc ilmic connectmsg metaconnect
	kwVPI     // vpi vci
	kwPF      // on ifname rset ruleset rnr rulenum srnr subrulenum reason action
	kwSS7     // fisu lssu lsu msu hfisu hlssu hmsu
	kwSS7Addr // sio opc dpc sls hsio hopc hdpc hsls
)

// keywords maps every reserved word to its meaning. A name that is spelled
// like a keyword is written with a leading backslash (\tcp).
var keywords = map[string]keyword{
	"dst": kwDst, "src": kwSrc,
	"link": kwLink, "ether": kwLink, "ppp": kwLink, "slip": kwLink,
	"fddi": kwLink, "tr": kwLink, "wlan": kwLink,
	"arp": kwArp, "rarp": kwRarp, "ip": kwIP, "sctp": kwSCTP, "tcp": kwTCP, "udp": kwUDP,
	"icmp": kwICMP, "igmp": kwIGMP, "igrp": kwIGRP, "pim": kwPIM, "vrrp": kwVRRP,
	"carp": kwCARP, "radio": kwRadio, "ip6": kwIP6, "icmp6": kwICMP6, "ah": kwAH, "esp": kwESP,
	"atalk": kwAtalk, "aarp": kwAarp, "decnet": kwDecnet, "lat": kwLat, "sca": kwSca,
	"moprc": kwMoprc, "mopdl": kwMopdl, "iso": kwISO, "esis": kwESIS, "es-is": kwESIS,
	"isis": kwISIS, "is-is": kwISIS, "l1": kwL1, "l2": kwL2, "iih": kwIIH, "lsp": kwLSP,
	"snp": kwSNP, "csnp": kwCSNP, "psnp": kwPSNP, "clnp": kwCLNP, "stp": kwSTP, "ipx": kwIPX,
	"netbeui": kwNetbeui,
	"host":    kwHost, "net": kwNet, "mask": kwMask, "port": kwPort, "portrange": kwPortrange,
	"proto": kwProto, "protochain": kwProtochain, "gateway": kwGateway,
	"type": kwType, "subtype": kwSubtype, "direction": kwDir, "dir": kwDir,
	"address1": kwAddr1, "addr1": kwAddr1, "address2": kwAddr2, "addr2": kwAddr2,
	"address3": kwAddr3, "addr3": kwAddr3, "address4": kwAddr4, "addr4": kwAddr4,
	"ra": kwRA, "ta": kwTA,
	"less": kwLess, "greater": kwGreater, "byte": kwByte,
	"broadcast": kwBroadcast, "multicast": kwMulticast,
	"and": kwAnd, "or": kwOr, "not": kwNot, "len": kwLen, "length": kwLen,
	"inbound": kwInbound, "outbound": kwOutbound, "ifindex": kwIfindex,
	"vlan": kwVlan, "mpls": kwMPLS, "pppoed": kwPPPoED, "pppoes": kwPPPoES,
	"geneve": kwGeneve, "lane": kwLane, "llc": kwLLC,
	"metac": kwATM, "bcc": kwATM, "oam": kwATM, "oamf4": kwATM, "oamf4ec": kwATM,
	"oamf4sc": kwATM, "sc": kwATM, "ilmic": kwATM, "connectmsg": kwATM, "metaconnect": kwATM,
	"vpi": kwVPI, "vci": kwVPI,
	"on": kwPF, "ifname": kwPF, "rset": kwPF, "ruleset": kwPF, "rnr": kwPF, "rulenum": kwPF,
	"srnr": kwPF, "subrulenum": kwPF, "reason": kwPF, "action": kwPF,
	"fisu": kwSS7, "lssu": kwSS7, "lsu": kwSS7, "msu": kwSS7, "hfisu": kwSS7, "hlssu": kwSS7,
	"hmsu": kwSS7,
	"sio":  kwSS7Addr, "opc": kwSS7Addr, "dpc": kwSS7Addr, "sls": kwSS7Addr,
	"hsio": kwSS7Addr, "hopc": kwSS7Addr, "hdpc": kwSS7Addr, "hsls": kwSS7Addr,
}

// namedNumbers are words that stand for numbers: header field offsets
// (tcp[tcpflags]) and field values (tcp-syn, icmp-echo).
var namedNumbers = map[string]uint32{
	"icmptype": 0, "icmpcode": 1,
	"icmp-echoreply": 0, "icmp-unreach": 3, "icmp-sourcequench": 4, "icmp-redirect": 5,
	"icmp-echo": 8, "icmp-routeradvert": 9, "icmp-routersolicit": 10, "icmp-timxceed": 11,
	"icmp-paramprob": 12, "icmp-tstamp": 13, "icmp-tstampreply": 14, "icmp-ireq": 15,
	"icmp-ireqreply": 16, "icmp-maskreq": 17, "icmp-maskreply": 18,
	"icmp6type": 0, "icmp6code": 1,
	"icmp6-destinationunreach": 1, "icmp6-packettoobig": 2, "icmp6-timeexceeded": 3,
	"icmp6-parameterproblem": 4, "icmp6-echo": 128, "icmp6-echoreply": 129,
	"icmp6-multicastlistenerquery": 130, "icmp6-multicastlistenerreportv1": 131,
	"icmp6-multicastlistenerdone": 132, "icmp6-routersolicit": 133, "icmp6-routeradvert": 134,
	"icmp6-neighborsolicit": 135, "icmp6-neighboradvert": 136, "icmp6-redirect": 137,
	"icmp6-routerrenum": 138, "icmp6-nodeinformationquery": 139,
	"icmp6-nodeinformationresponse": 140, "icmp6-ineighbordiscoverysolicit": 141,
	"icmp6-ineighbordiscoveryadvert": 142, "icmp6-multicastlistenerreportv2": 143,
	"icmp6-homeagentdiscoveryrequest": 144, "icmp6-homeagentdiscoveryreply": 145,
	"icmp6-mobileprefixsolicit": 146, "icmp6-mobileprefixadvert": 147,
	"icmp6-certpathsolicit": 148, "icmp6-certpathadvert": 149,
	"icmp6-multicastrouteradvert": 151, "icmp6-multicastroutersolicit": 152,
	"icmp6-multicastrouterterm": 153,
	"tcpflags":                  13, "tcp-fin": 0x01, "tcp-syn": 0x02, "tcp-rst": 0x04, "tcp-push": 0x08,
	"tcp-ack": 0x10, "tcp-urg": 0x20, "tcp-ece": 0x40, "tcp-cwr": 0x80,
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isHex(c byte) bool    { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isAlnum(c byte) bool  { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIDChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' }

// lex splits src into tokens. Like libpcap's scanner it takes the longest
// token that starts at each position; when two kinds of token are equally
// long, keywords win over addresses, addresses over numbers, and
// everything over plain names. Errors are *Error values.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		if i >= len(src) {
			toks = append(toks, token{kind: tEOF, pos: len(src), end: len(src)})
			return toks, nil
		}
		t, err := lexOne(src, i)
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i = t.end
	}
}

// lexOne reads the token that starts at src[i].
func lexOne(src string, i int) (token, error) {
	c := src[i]
	// An IPv6 address may start with "::".
	if c == ':' {
		if n := scanV6(src, i); n > 0 {
			return token{kind: tHID6, text: src[i : i+n], pos: i, end: i + n}, nil
		}
	}
	// Two-character operators first, then single ones.
	if i+1 < len(src) {
		switch src[i : i+2] {
		case ">=", "<=", "!=", "==", "<<", ">>", "&&", "||":
			return token{kind: tOp, text: src[i : i+2], pos: i, end: i + 2}, nil
		}
	}
	if strings.IndexByte("+-*/%:[]!<>()&|^=", c) >= 0 {
		return token{kind: tOp, text: src[i : i+1], pos: i, end: i + 1}, nil
	}
	if c == '\\' {
		j := i + 1
		for j < len(src) && strings.IndexByte(" !()\n\t", src[j]) < 0 {
			j++
		}
		if j == i+1 {
			return token{}, syntaxErr(src, i, "a backslash must be followed by a name")
		}
		return token{kind: tID, text: src[i+1 : j], pos: i, end: j}, nil
	}
	if c == '$' {
		n := scanHexDigits(src, i+1, 2)
		if n == 0 {
			return token{}, syntaxErr(src, i, "unexpected \"$\"")
		}
		return token{kind: tAID, text: src[i : i+1+n], pos: i, end: i + 1 + n}, nil
	}
	if !isAlnum(c) && c != ':' {
		return token{}, syntaxErr(src, i, fmt.Sprintf("unexpected character %q", c))
	}

	// Candidates, in order of priority for equal lengths.
	idLen := scanID(src, i)
	macLen := scanMAC(src, i)
	numLen := scanNum(src, i)
	hidLen := scanHID(src, i)
	v6Len := scanV6(src, i)
	bogusLen := scanBogusMAC(src, i)
	best := max(idLen, macLen, numLen, hidLen, v6Len, bogusLen)
	if best == 0 {
		return token{}, syntaxErr(src, i, fmt.Sprintf("unexpected character %q", c))
	}
	text := src[i : i+best]
	tok := token{text: text, pos: i, end: i + best}
	switch {
	case idLen == best && keywords[text] != kwNone:
		tok.kind, tok.kw = tKeyword, keywords[text]
	case macLen == best:
		tok.kind = tEID
	case numLen == best:
		v, err := parseNumber(text)
		if err != nil {
			return token{}, &Error{Expr: src, Pos: i, Msg: err.Error(), Err: ErrInvalid}
		}
		tok.kind, tok.num = tNUM, v
	case hidLen == best:
		tok.kind = tHID
	case v6Len == best:
		tok.kind = tHID6
	case bogusLen == best:
		return token{}, &Error{Expr: src, Pos: i, Msg: fmt.Sprintf("bogus ethernet address %s", text), Err: ErrInvalid}
	default:
		if v, ok := namedNumbers[text]; ok {
			tok.kind, tok.num = tNUM, v
		} else {
			tok.kind = tID
		}
	}
	return tok, nil
}

// scanID returns the length of the name at src[i:]: a letter or digit,
// then letters, digits, '-', '_' and '.', not ending in '-' or '_'.
func scanID(src string, i int) int {
	if i >= len(src) || !isAlnum(src[i]) {
		return 0
	}
	j := i + 1
	for j < len(src) && isIDChar(src[j]) {
		j++
	}
	for j > i+1 && (src[j-1] == '-' || src[j-1] == '_') {
		j--
	}
	return j - i
}

func scanHexDigits(src string, i, most int) int {
	n := 0
	for i+n < len(src) && n < most && isHex(src[i+n]) {
		n++
	}
	return n
}

// scanNumRaw returns the length of a number: decimal digits, or 0x and hex
// digits.
func scanNumRaw(src string, i int) int {
	if i >= len(src) || !isDigit(src[i]) {
		return 0
	}
	if src[i] == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
		if n := scanHexDigits(src, i+2, len(src)); n > 0 {
			return 2 + n
		}
	}
	j := i
	for j < len(src) && isDigit(src[j]) {
		j++
	}
	return j - i
}

func scanNum(src string, i int) int { return scanNumRaw(src, i) }

// scanHID returns the length of a dotted address of two to four numbers.
func scanHID(src string, i int) int {
	end, parts := i, 0
	j := i
	for parts < 4 {
		n := scanNumRaw(src, j)
		if n == 0 {
			break
		}
		parts++
		end = j + n
		if end < len(src) && src[end] == '.' && parts < 4 {
			j = end + 1
			continue
		}
		break
	}
	if parts < 2 {
		return 0
	}
	return end - i
}

// scanMAC returns the length of a MAC address: six groups of one or two hex
// digits separated by ':', '-' or '.' (one separator throughout), three
// groups of four separated by '.', or twelve hex digits.
func scanMAC(src string, i int) int {
	best := 0
	for _, sep := range []byte{':', '-', '.'} {
		j := i
		ok := true
		for g := 0; g < 6; g++ {
			n := scanHexDigits(src, j, 2)
			if n == 0 {
				ok = false
				break
			}
			j += n
			if g < 5 {
				if j >= len(src) || src[j] != sep {
					ok = false
					break
				}
				j++
			}
		}
		if ok && j-i > best {
			best = j - i
		}
	}
	// xxxx.xxxx.xxxx
	j := i
	ok := true
	for g := 0; g < 3; g++ {
		if scanHexDigits(src, j, 4) != 4 {
			ok = false
			break
		}
		j += 4
		if g < 2 {
			if j >= len(src) || src[j] != '.' {
				ok = false
				break
			}
			j++
		}
	}
	if ok && j-i > best {
		best = j - i
	}
	if scanHexDigits(src, i, 12) == 12 && best < 12 {
		best = 12
	}
	return best
}

// scanBogusMAC returns the length of something that looks like a
// colon-separated MAC address but is not one ("1:2:", "a::b:"), which
// libpcap's scanner rejects: hex groups each followed by one or more colons,
// at least two of them.
func scanBogusMAC(src string, i int) int {
	j, groups := i, 0
	for {
		n := scanHexDigits(src, j, 2)
		if n == 0 || j+n >= len(src) || src[j+n] != ':' {
			break
		}
		j += n
		for j < len(src) && src[j] == ':' {
			j++
		}
		groups++
	}
	if groups < 2 {
		return 0
	}
	return j - i
}

// scanV6 returns the length of the longest prefix of src[i:] shaped like an
// IPv6 address (see isV6Form). Whether it is a valid address is checked
// when it is used.
func scanV6(src string, i int) int {
	j := i
	for j < len(src) && j-i < 45 && (isHex(src[j]) || src[j] == ':' || src[j] == '.') {
		j++
	}
	for l := j - i; l >= 2; l-- {
		if isV6Form(src[i : i+l]) {
			return l
		}
	}
	return 0
}

// isV6Form reports whether s is written like an IPv6 address: groups of one
// to four hex digits separated by ':', eight of them or fewer with one
// "::", the last two optionally written as a dotted IPv4 address.
func isV6Form(s string) bool {
	if !strings.Contains(s, ":") {
		return false
	}
	double := strings.Count(s, "::")
	if double > 1 || strings.Contains(s, ":::") {
		return false
	}
	groups := 0
	rest := s
	if k := strings.LastIndexByte(s, ':'); strings.Contains(s[k+1:], ".") {
		if scanV4Tail(s, k+1) != len(s)-k-1 {
			return false
		}
		groups += 2
		rest = s[:k+1]
		if !strings.HasSuffix(rest, "::") {
			rest = rest[:len(rest)-1]
		}
	} else if strings.Contains(s, ".") {
		return false
	}
	if rest != "" {
		parts := strings.Split(rest, ":")
		for n, p := range parts {
			if p == "" {
				// Only the two sides of "::" may be empty.
				if double == 0 {
					return false
				}
				if n > 0 && n < len(parts)-1 && !(parts[n-1] == "" || parts[n+1] == "") {
					// "a::b" splits into "a", "", "b": one empty part.
					continue
				}
				continue
			}
			if len(p) > 4 {
				return false
			}
			groups++
		}
		// A lone ':' at either end is not allowed.
		if strings.HasPrefix(rest, ":") && !strings.HasPrefix(rest, "::") ||
			strings.HasSuffix(rest, ":") && !strings.HasSuffix(rest, "::") {
			return false
		}
	}
	if double == 0 {
		return groups == 8
	}
	return groups <= 7
}

// scanV4Tail returns the length of a dotted quad of decimal numbers.
func scanV4Tail(src string, i int) int {
	j := i
	for p := 0; p < 4; p++ {
		n := 0
		for j+n < len(src) && isDigit(src[j+n]) {
			n++
		}
		if n == 0 {
			return 0
		}
		j += n
		if p < 3 {
			if j >= len(src) || src[j] != '.' {
				return 0
			}
			j++
		}
	}
	return j - i
}

// parseNumber converts a number token as libpcap does: 0x for hex, a
// leading 0 for octal, decimal otherwise, at most 32 bits.
func parseNumber(s string) (uint32, error) {
	base := uint64(10)
	digits := s
	switch {
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		base, digits = 16, s[2:]
	case len(s) > 1 && s[0] == '0':
		base, digits = 8, s[1:]
	}
	var v uint64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d uint64
		switch {
		case isDigit(c):
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		case c >= 'A' && c <= 'F':
			d = uint64(c-'A') + 10
		}
		if d >= base {
			return 0, fmt.Errorf("number %s contains non-octal digit", s)
		}
		v = v*base + d
		if v > 0xffffffff {
			return 0, fmt.Errorf("number %s overflows 32 bits", s)
		}
	}
	return uint32(v), nil
}
