package signatures

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"

	"github.com/heron-nsm/heron/internal/signatures/regex"
)

// MaxFileSize bounds the size of a signature file Parse reads.
const MaxFileSize = 64 << 20

// Parse reads a signature file. name is used in error messages and in each
// Signature's File. The grammar is Zeek's (rule-parse.y); pattern syntax is
// checked here so that errors carry the line. Script-level identifiers are
// kept unresolved for Compile. Parsing stops at the first error, returned as
// an *Error.
func Parse(r io.Reader, name string) ([]*Signature, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("signatures: %s: %w", name, err)
	}
	if n > MaxFileSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("file larger than %d bytes", MaxFileSize)}
	}
	return ParseBytes(buf.Bytes(), name)
}

// ParseBytes is Parse on a file's contents; src is only read.
func ParseBytes(src []byte, name string) ([]*Signature, error) {
	p := &parser{lx: lexer{src: string(src), line: 1, file: name}, file: name}
	if err := p.advance(); err != nil {
		return nil, err
	}
	var out []*Signature
	for p.tok.kind != tEOF {
		sig, err := p.signature()
		if err != nil {
			return nil, err
		}
		out = append(out, sig)
	}
	return out, nil
}

type parser struct {
	lx   lexer
	tok  token
	file string
}

func (p *parser) advance() error {
	t, err := p.lx.next(false)
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// unexpected reports the current token where something else was wanted.
func (p *parser) unexpected(want string) error {
	what := p.tok.text
	switch p.tok.kind {
	case tEOF:
		what = "end of file"
	case tString:
		what = `"` + what + `"`
	case tPattern:
		what = "/" + what + "/"
	}
	return p.errorf(p.tok.line, "syntax error: unexpected %s, expected %s", what, want)
}

func (p *parser) isChar(c byte) bool { return p.tok.kind == tChar && p.tok.char == c }

func (p *parser) expectChar(c byte) error {
	if !p.isChar(c) {
		return p.unexpected(fmt.Sprintf("'%c'", c))
	}
	return p.advance()
}

// signature parses "signature ID { attributes }".
func (p *parser) signature() (*Signature, error) {
	if p.tok.kind != tKeyword || p.tok.kw != kwSignature {
		return nil, p.unexpected("'signature'")
	}
	line := p.tok.line
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind != tIdent {
		return nil, p.unexpected("a signature name")
	}
	sig := &Signature{ID: p.tok.text, File: p.file, Line: line, Active: true}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if err := p.expectChar('{'); err != nil {
		return nil, err
	}
	for !p.isChar('}') {
		if err := p.attribute(sig); err != nil {
			return nil, err
		}
	}
	return sig, p.advance()
}

// attribute parses one condition or action into sig.
func (p *parser) attribute(sig *Signature) error {
	t := p.tok
	switch t.kind {
	case tPatternType:
		return p.pattern(sig)
	case tKeyword:
	default:
		return p.unexpected("a condition, an action or '}'")
	}
	if t.kw == kwEval {
		// The next token is scanned as a script function name.
		nt, err := p.lx.next(true)
		if err != nil {
			return err
		}
		sig.Conditions = append(sig.Conditions, Condition{Kind: CondEval, Func: nt.text, Line: t.line})
		return p.advance()
	}
	if err := p.advance(); err != nil {
		return err
	}
	switch t.kw {
	case kwDstIP, kwSrcIP:
		comp, err := p.comp()
		if err != nil {
			return err
		}
		vals, err := p.prefixList()
		if err != nil {
			return err
		}
		proto := HdrDstIP
		if t.kw == kwSrcIP {
			proto = HdrSrcIP
		}
		sig.Headers = append(sig.Headers, HeaderTest{Proto: proto, Comp: comp, Values: vals, Line: t.line})
	case kwDstPort, kwSrcPort:
		comp, err := p.comp()
		if err != nil {
			return err
		}
		vals, err := p.valueList()
		if err != nil {
			return err
		}
		off := uint32(0)
		if t.kw == kwDstPort {
			off = 2
		}
		sig.Headers = append(sig.Headers, HeaderTest{Proto: HdrTCP, Offset: Int{V: off}, Size: Int{V: 2},
			Comp: comp, Values: vals, Line: t.line})
	case kwHeader:
		h, err := p.headerExpr(t.line)
		if err != nil {
			return err
		}
		sig.Headers = append(sig.Headers, h)
	case kwIPOptions:
		var opts IPOptions
		for {
			if p.tok.kind != tIPOptSym {
				return p.unexpected("an IP option (lsrr, lsrre, rr, ssrr)")
			}
			opts |= p.tok.opt
			if err := p.advance(); err != nil {
				return err
			}
			if !p.isChar(',') {
				break
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
		sig.Conditions = append(sig.Conditions, Condition{Kind: CondIPOptions, Options: opts, Line: t.line})
	case kwIPProto:
		comp, err := p.comp()
		if err != nil {
			return err
		}
		if p.tok.kind == tProt {
			var proto uint32
			switch p.tok.prot {
			case HdrICMP:
				proto = 1
			case HdrICMP6:
				proto = 58
			case HdrTCP:
				proto = 6
			case HdrUDP:
				proto = 17
			}
			if err := p.advance(); err != nil {
				return err
			}
			// "ip" and "ip6" are no-ops: tunnels are decapsulated
			// and signatures see the inner packet.
			if proto != 0 {
				sig.Headers = append(sig.Headers, HeaderTest{Proto: HdrNext, Comp: comp,
					Values: []Value{{Kind: ValInt, Val: proto, Mask: 0xffffffff}}, Line: t.line})
			}
			return nil
		}
		vals, err := p.valueList()
		if err != nil {
			return err
		}
		sig.Headers = append(sig.Headers, HeaderTest{Proto: HdrNext, Comp: comp, Values: vals, Line: t.line})
	case kwEvent:
		a := Action{Kind: ActEvent, Line: t.line}
		switch p.tok.kind {
		case tIdent:
			a.Event = p.tok.text
			if err := p.advance(); err != nil {
				return err
			}
			if p.tok.kind == tString {
				a.Msg, a.HasMsg = p.tok.text, true
				if err := p.advance(); err != nil {
					return err
				}
			}
		case tString:
			a.Msg, a.HasMsg = p.tok.text, true
			if err := p.advance(); err != nil {
				return err
			}
		default:
			return p.unexpected("an event name or a message string")
		}
		sig.Actions = append(sig.Actions, a)
	case kwFileMIME:
		a := Action{Kind: ActFileMIME, Line: t.line}
		switch p.tok.kind {
		case tString:
			a.MIME = p.tok.text
		case tIdent:
			a.MIMEIdent = p.tok.text
		default:
			return p.unexpected("a MIME type string")
		}
		if err := p.advance(); err != nil {
			return err
		}
		if p.isChar(',') {
			if err := p.advance(); err != nil {
				return err
			}
			neg := false
			if p.isChar('-') {
				neg = true
				if err := p.advance(); err != nil {
					return err
				}
			}
			if p.tok.kind != tInt {
				return p.unexpected("a strength")
			}
			a.Strength = int(int32(p.tok.val))
			if neg {
				a.Strength = -a.Strength
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
		sig.Actions = append(sig.Actions, a)
	case kwEnable, kwDisable:
		if p.tok.kind != tString {
			return p.unexpected("an analyzer name string")
		}
		kind := ActEnable
		if t.kw == kwDisable {
			kind = ActDisable
		}
		sig.Actions = append(sig.Actions, Action{Kind: kind, Analyzer: p.tok.text, Line: t.line})
		return p.advance()
	case kwPayloadSize:
		comp, err := p.comp()
		if err != nil {
			return err
		}
		v, err := p.integer()
		if err != nil {
			return err
		}
		sig.Conditions = append(sig.Conditions, Condition{Kind: CondPayloadSize, Comp: comp, Value: v, Line: t.line})
	case kwRequiresSig, kwRequiresRevSig:
		req := Requirement{Reverse: t.kw == kwRequiresRevSig, Line: t.line}
		if p.isChar('!') {
			req.Negate = true
			if err := p.advance(); err != nil {
				return err
			}
		}
		if p.tok.kind != tIdent {
			return p.unexpected("a signature name")
		}
		req.ID = p.tok.text
		sig.Requires = append(sig.Requires, req)
		return p.advance()
	case kwSameIP:
		sig.Conditions = append(sig.Conditions, Condition{Kind: CondSameIP, Line: t.line})
	case kwTCPState, kwUDPState:
		var states StateSet
		for {
			if p.tok.kind != tStateSym {
				return p.unexpected("a state (established, originator, responder, stateless)")
			}
			states |= p.tok.state
			if err := p.advance(); err != nil {
				return err
			}
			if !p.isChar(',') {
				break
			}
			if err := p.advance(); err != nil {
				return err
			}
		}
		kind := CondTCPState
		if t.kw == kwUDPState {
			kind = CondUDPState
			if states&StateEstablished != 0 {
				return p.errorf(t.line, "'established' is not a valid 'udp-state'")
			}
		}
		sig.Conditions = append(sig.Conditions, Condition{Kind: kind, States: states, Line: t.line})
	case kwActive:
		if p.tok.kind != tBool {
			return p.unexpected("true or false")
		}
		sig.Active = p.tok.b
		return p.advance()
	default:
		return p.errorf(t.line, "syntax error: unexpected %s, expected a condition, an action or '}'", t.text)
	}
	return nil
}

func (p *parser) comp() (Comp, error) {
	if p.tok.kind != tComp {
		return 0, p.unexpected("a comparison operator")
	}
	c := p.tok.comp
	return c, p.advance()
}

// integer parses a number or an identifier.
func (p *parser) integer() (Int, error) {
	switch p.tok.kind {
	case tInt:
		v := p.tok.val
		return Int{V: v}, p.advance()
	case tIdent:
		id := p.tok.text
		return Int{Ident: id}, p.advance()
	}
	return Int{}, p.unexpected("an integer")
}

// valueList parses a comma-separated list of numbers, dotted quads with
// optional /len, ranges n-m and identifiers.
func (p *parser) valueList() ([]Value, error) {
	var vals []Value
	for {
		switch p.tok.kind {
		case tInt:
			lo := p.tok.val
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.isChar('-') {
				if err := p.advance(); err != nil {
					return nil, err
				}
				if p.tok.kind != tInt {
					return nil, p.unexpected("the end of a range")
				}
				vals = append(vals, Value{Kind: ValRange, Lo: lo, Hi: p.tok.val})
				if err := p.advance(); err != nil {
					return nil, err
				}
			} else {
				vals = append(vals, Value{Kind: ValInt, Val: lo, Mask: 0xffffffff})
			}
		case tIP:
			vals = append(vals, Value{Kind: ValInt, Val: p.tok.val, Mask: p.tok.mask})
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tIdent:
			vals = append(vals, Value{Kind: ValIdent, Ident: p.tok.text})
			if err := p.advance(); err != nil {
				return nil, err
			}
		default:
			return nil, p.unexpected("a value")
		}
		if !p.isChar(',') {
			return vals, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// prefixList parses a comma-separated list of addresses, prefixes and
// identifiers.
func (p *parser) prefixList() ([]Value, error) {
	var vals []Value
	for {
		switch p.tok.kind {
		case tIP:
			bits := 32
			for m := p.tok.mask; bits > 0 && m&1 == 0; m >>= 1 {
				bits--
			}
			a := netip.AddrFrom4([4]byte{byte(p.tok.val >> 24), byte(p.tok.val >> 16), byte(p.tok.val >> 8), byte(p.tok.val)})
			vals = append(vals, Value{Kind: ValPrefix, Prefix: netip.PrefixFrom(a, bits).Masked()})
		case tIP6:
			vals = append(vals, Value{Kind: ValPrefix, Prefix: p.tok.prefix})
		case tIdent:
			vals = append(vals, Value{Kind: ValIdent, Ident: p.tok.text})
		default:
			return nil, p.unexpected("an address")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isChar(',') {
			return vals, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// headerExpr parses "proto[offset:size] [& mask] cmp values".
func (p *parser) headerExpr(line int) (HeaderTest, error) {
	h := HeaderTest{Line: line}
	if p.tok.kind != tProt {
		return h, p.unexpected("a protocol (ip, ip6, icmp, icmp6, tcp, udp)")
	}
	h.Proto = p.tok.prot
	if err := p.advance(); err != nil {
		return h, err
	}
	if err := p.expectChar('['); err != nil {
		return h, err
	}
	off, err := p.integer()
	if err != nil {
		return h, err
	}
	h.Offset, h.Size = off, Int{V: 1}
	if p.isChar(':') {
		if err := p.advance(); err != nil {
			return h, err
		}
		if h.Size, err = p.integer(); err != nil {
			return h, err
		}
	}
	if err := p.expectChar(']'); err != nil {
		return h, err
	}
	if h.Size.Ident == "" && h.Size.V != 1 && h.Size.V != 2 && h.Size.V != 4 {
		return h, p.errorf(line, "header size must be 1, 2 or 4, not %d", h.Size.V)
	}
	if p.isChar('&') {
		if err := p.advance(); err != nil {
			return h, err
		}
		if h.MaskInt, err = p.integer(); err != nil {
			return h, err
		}
		h.Masked = true
		if h.Comp, err = p.comp(); err != nil {
			return h, err
		}
		switch p.tok.kind {
		case tInt, tIP:
			h.Values = []Value{{Kind: ValInt, Val: p.tok.val}}
		default:
			return h, p.unexpected("a value")
		}
		return h, p.advance()
	}
	if h.Comp, err = p.comp(); err != nil {
		return h, err
	}
	h.Values, err = p.valueList()
	return h, err
}

// pattern parses "kind /re/" or "kind [range] /re/" (the current token is
// the kind).
func (p *parser) pattern(sig *Signature) error {
	pat := Pattern{Kind: p.tok.kind2, Line: p.tok.line}
	if err := p.advance(); err != nil {
		return err
	}
	if p.isChar('[') {
		if err := p.advance(); err != nil {
			return err
		}
		pat.HasRange = true
		pat.Depth = Int{V: 0xffffffff}
		if p.isChar(':') { // [:len]
			if err := p.advance(); err != nil {
				return err
			}
			d, err := p.integer()
			if err != nil {
				return err
			}
			pat.Depth = d
		} else {
			off, err := p.integer()
			if err != nil {
				return err
			}
			pat.Offset = off
			pat.Depth = Int{V: 1} // [n] is offset n, length 1
			if p.isChar(':') {
				if err := p.advance(); err != nil {
					return err
				}
				if p.isChar(']') { // [offset:]
					pat.Depth = Int{V: 0xffffffff}
				} else {
					d, err := p.integer()
					if err != nil {
						return err
					}
					pat.Depth = d
				}
			}
		}
		if err := p.expectChar(']'); err != nil {
			return err
		}
	}
	switch p.tok.kind {
	case tPattern:
		pat.Regex = p.tok.text
		if _, err := regex.Compile(pat.Regex); err != nil {
			return p.errorf(p.tok.line, "%v", err)
		}
	case tIdent:
		pat.Ident = p.tok.text
	default:
		return p.unexpected("a pattern /.../")
	}
	sig.Patterns = append(sig.Patterns, pat)
	return p.advance()
}
