package signatures

import (
	"fmt"
	"net/netip"
	"strings"
)

// PatternKind says what data a content condition is matched against. The
// values follow Zeek's Rule::PatternType.
type PatternKind uint8

// The pattern kinds.
const (
	FileMagic         PatternKind = iota // file-magic: the beginning of a file
	Payload                              // payload: TCP stream / UDP or ICMP packet payload
	HTTPRequest                          // http-request (alias http): decoded request URIs
	HTTPRequestBody                      // http-request-body
	HTTPRequestHeader                    // http-request-header
	HTTPReplyBody                        // http-reply-body (alias http-body)
	HTTPReplyHeader                      // http-reply-header
	FTP                                  // ftp: FTP command lines
	Finger                               // finger: finger requests
	numKinds
)

var kindNames = [numKinds]string{"file-magic", "payload", "http-request", "http-request-body",
	"http-request-header", "http-reply-body", "http-reply-header", "ftp", "finger"}

// String returns the keyword of the kind.
func (k PatternKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("PatternKind(%d)", k)
}

// Comp is a comparison operator.
type Comp uint8

// The comparison operators, in Zeek's order (RuleHdrTest::Comp).
const (
	LE Comp = iota
	GE
	LT
	GT
	EQ
	NE
)

var compNames = [...]string{"<=", ">=", "<", ">", "==", "!="}

// String returns the operator as written.
func (c Comp) String() string {
	if int(c) < len(compNames) {
		return compNames[c]
	}
	return fmt.Sprintf("Comp(%d)", c)
}

// HeaderProto names the header a header test reads.
type HeaderProto uint8

// The header test kinds (Zeek's RuleHdrTest::Prot).
const (
	HdrIP    HeaderProto = iota + 1 // header ip[...]: the IPv4 header (no match on IPv6)
	HdrIP6                          // header ip6[...]: the IPv6 fixed header (no match on IPv4)
	HdrICMP                         // header icmp[...]: the transport header, whatever it is
	HdrICMP6                        // header icmp6[...]: likewise
	HdrTCP                          // header tcp[...], src-port, dst-port: likewise
	HdrUDP                          // header udp[...]: likewise
	HdrNext                         // ip-proto: the transport protocol number
	HdrSrcIP                        // src-ip
	HdrDstIP                        // dst-ip
)

var protoNames = [...]string{"", "ip", "ip6", "icmp", "icmp6", "tcp", "udp", "ip-proto", "src-ip", "dst-ip"}

// String returns the keyword of the header.
func (p HeaderProto) String() string {
	if int(p) < len(protoNames) {
		return protoNames[p]
	}
	return fmt.Sprintf("HeaderProto(%d)", p)
}

// Int is an integer written either as a number or as a script-level
// identifier (resolved by Compile).
type Int struct {
	V     uint32
	Ident string // non-empty: the value is the identifier's
}

// ValueKind says what a Value holds.
type ValueKind uint8

// The kinds of list values.
const (
	ValInt    ValueKind = iota // Val under Mask (a number, or a dotted quad with optional /len)
	ValRange                   // Lo-Hi inclusive
	ValPrefix                  // an address or CIDR prefix (src-ip, dst-ip)
	ValIdent                   // a script-level identifier (a constant or a set of them)
)

// Value is one element of a header test's value list.
type Value struct {
	Kind   ValueKind
	Val    uint32
	Mask   uint32
	Lo, Hi uint32
	Prefix netip.Prefix
	Ident  string
}

// HeaderTest is a header condition: src-ip, dst-ip, src-port, dst-port,
// ip-proto or header proto[offset:size] [& mask] cmp values. Header
// conditions are evaluated once per endpoint, on its first packet.
type HeaderTest struct {
	Proto  HeaderProto
	Offset Int // byte offset within the header (header form only)
	Size   Int // 1, 2 or 4 bytes (header form only)
	Comp   Comp
	Values []Value
	// Masked is set for the "& mask" form, whose single value is
	// compared after masking the header field with MaskInt.
	Masked  bool
	MaskInt Int
	Line    int
}

// Pattern is a content condition.
type Pattern struct {
	Kind PatternKind
	// Regex is the pattern text between the slashes; /re/i is stored as
	// (?i:re). Empty when Ident names a string constant holding it.
	Regex string
	Ident string
	// HasRange is set by the [offset:len] form; Zeek ignores the offset
	// (with a warning) and requires the match to end within Depth bytes.
	HasRange bool
	Offset   Int
	Depth    Int
	Line     int
}

// CondKind names a non-header, non-content condition.
type CondKind uint8

// The condition kinds.
const (
	CondPayloadSize CondKind = iota + 1 // payload-size cmp n
	CondSameIP                          // same-ip
	CondTCPState                        // tcp-state list
	CondUDPState                        // udp-state list
	CondIPOptions                       // ip-options list (never true, as in Zeek)
	CondEval                            // eval function
)

// StateSet is a set of tcp-state/udp-state keywords.
type StateSet uint8

// The state keywords (Zeek's RuleStateKind).
const (
	StateEstablished StateSet = 1 << iota
	StateOriginator
	StateResponder
	StateStateless
)

// IPOptions is a set of ip-options keywords.
type IPOptions uint8

// The IP option keywords.
const (
	OptLSRR IPOptions = 1 << iota
	OptLSRRE
	OptRR
	OptSSRR
)

// Condition is a payload-size, same-ip, tcp-state, udp-state, ip-options
// or eval condition.
type Condition struct {
	Kind    CondKind
	Comp    Comp      // payload-size
	Value   Int       // payload-size
	States  StateSet  // tcp-state, udp-state
	Options IPOptions // ip-options
	Func    string    // eval: the script function's name
	Line    int
}

// Requirement is a requires-signature or requires-reverse-signature
// condition.
type Requirement struct {
	ID      string
	Reverse bool // requires-reverse-signature: the other direction
	Negate  bool // "!": the signature must not match (decided at the end)
	Line    int
}

// ActionKind names an action.
type ActionKind uint8

// The action kinds.
const (
	ActEvent    ActionKind = iota + 1 // event ["msg"] / event name ["msg"]
	ActEnable                         // enable "analyzer"
	ActDisable                        // disable "analyzer"
	ActFileMIME                       // file-mime "type" [, strength]
)

// Action is what a signature does when it matches.
type Action struct {
	Kind ActionKind
	// Event names the event to raise; empty means signature_match.
	Event string
	// Msg is the message; HasMsg is false for "event name" without one.
	Msg    string
	HasMsg bool
	// Analyzer is the argument of enable/disable ("name" or
	// "parent:child", as written).
	Analyzer string
	// MIME is the file-mime type (or MIMEIdent names a string constant
	// holding it) and Strength its strength.
	MIME      string
	MIMEIdent string
	Strength  int
	Line      int
}

// Signature is one parsed signature.
type Signature struct {
	ID     string
	File   string
	Line   int
	Active bool // "active false" clears it; inactive signatures never match

	Headers    []HeaderTest
	Patterns   []Pattern
	Conditions []Condition
	Requires   []Requirement
	Actions    []Action
}

// EventMessage returns the message of the signature's first event action
// and whether it has one.
func (s *Signature) EventMessage() (string, bool) {
	for _, a := range s.Actions {
		if a.Kind == ActEvent && a.HasMsg {
			return a.Msg, true
		}
	}
	return "", false
}

// Enables returns the analyzers the signature's enable actions name.
func (s *Signature) Enables() []string {
	var out []string
	for _, a := range s.Actions {
		if a.Kind == ActEnable {
			out = append(out, a.Analyzer)
		}
	}
	return out
}

// Error is a problem in a signature file, reported as one line
// "signatures: FILE:LINE: what is wrong".
type Error struct {
	File string
	Line int
	Msg  string
}

// Error returns the one-line message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("signatures: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
		if e.Line > 0 {
			fmt.Fprintf(&b, "%d:", e.Line)
		}
		b.WriteByte(' ')
	}
	b.WriteString(e.Msg)
	return b.String()
}
