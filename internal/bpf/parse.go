package bpf

import (
	"fmt"
)

// The parser turns tokens into a syntax tree. The grammar is libpcap's
// (pcap-filter(7)):
//
//	expr    = term { ("and" | "&&" | "or" | "||") (term | id) }   left to right, equal precedence
//	term    = ("not" | "!") term | rterm
//	rterm   = head id | "(" expr ")" | pname | arith relop arith | other
//	head    = [pname] dqual [aqual] | [pname] aqual | [pname] "proto" | [pname] "protochain" | ...
//	id      = name | number | address ["/" len | "mask" address] | "not" id | "(" id {("and"|"or") id} ")"
//
// A bare id after "and"/"or" takes the qualifiers of the primitive before
// it ("port 80 or 443"); after a parenthesized expression, those in effect
// before the parenthesis.

// dirQual is a direction qualifier.
type dirQual int

const (
	dirDefault dirQual = iota
	dirSrc
	dirDst
	dirOr  // src or dst
	dirAnd // src and dst
	dirAddr1
	dirAddr2
	dirAddr3
	dirAddr4
	dirRA
	dirTA
)

var dirNames = [...]string{"", "src", "dst", "src or dst", "src and dst", "addr1", "addr2", "addr3", "addr4", "ra", "ta"}

// qual is the set of qualifiers of a primitive.
type qual struct {
	valid     bool    // false where a bare id cannot inherit (after "ip", a relation, ...)
	proto     keyword // kwNone for the default
	protoText string  // as written ("ether", "fddi"), for messages
	protoPos  int
	dir       dirQual
	addr      keyword // kwNone (default, i.e. host), kwHost, kwNet, kwPort, kwPortrange, kwGateway, kwProto, kwProtochain, kwType, kwSubtype, kwDir
}

// node is a boolean expression of the syntax tree.
type node interface{ position() int }

type (
	andNode struct{ l, r node }
	orNode  struct{ l, r node }
	notNode struct {
		x   node
		pos int
	}
	// idNode is a qualified id: "src host 10.1.2.3", "port http", "net 10/8".
	idNode struct {
		q    qual
		id   token
		mask *token // the length after '/', or the address after "mask"
		pos  int
	}
	// protoNode is a protocol name alone: "ip", "tcp", "arp".
	protoNode struct {
		kw   keyword
		text string
		pos  int
	}
	// castNode is "[proto] broadcast" or "[proto] multicast".
	castNode struct {
		proto     keyword
		protoText string
		multicast bool
		pos       int
	}
	// lenNode is "less N" or "greater N".
	lenNode struct {
		greater bool
		n       uint32
		pos     int
	}
	// encapNode is "vlan [N]", "mpls [N]", "pppoes [N]", "geneve [N]".
	encapNode struct {
		kw     keyword
		hasArg bool
		arg    uint32
		pos    int
		argPos int
	}
	// simpleNode is a keyword primitive without arguments or with one
	// number: pppoed, inbound, outbound, ifindex N.
	simpleNode struct {
		kw  keyword
		n   uint32
		pos int
	}
	// llcNode is "llc [type]".
	llcNode struct {
		sub    string
		subPos int
		pos    int
	}
	// relNode is "arith relop arith".
	relNode struct {
		op   string
		l, r arith
		pos  int
	}
)

func (n *andNode) position() int    { return n.l.position() }
func (n *orNode) position() int     { return n.l.position() }
func (n *notNode) position() int    { return n.pos }
func (n *idNode) position() int     { return n.pos }
func (n *protoNode) position() int  { return n.pos }
func (n *castNode) position() int   { return n.pos }
func (n *lenNode) position() int    { return n.pos }
func (n *encapNode) position() int  { return n.pos }
func (n *simpleNode) position() int { return n.pos }
func (n *llcNode) position() int    { return n.pos }
func (n *relNode) position() int    { return n.pos }

// arith is an arithmetic expression.
type arith interface{ position() int }

type (
	numArith struct {
		v   uint32
		pos int
	}
	lenArith  struct{ pos int }
	loadArith struct {
		proto   keyword
		text    string
		idx     arith
		size    uint32
		pos     int
		sizePos int
	}
	binArith struct {
		op   string
		l, r arith
		pos  int
	}
	negArith struct {
		x   arith
		pos int
	}
)

func (a *numArith) position() int  { return a.pos }
func (a *lenArith) position() int  { return a.pos }
func (a *loadArith) position() int { return a.pos }
func (a *binArith) position() int  { return a.pos }
func (a *negArith) position() int  { return a.pos }

// parser is a recursive-descent parser with backtracking over the token
// slice (the grammar needs to look past a parenthesis to tell an
// arithmetic expression from a list of ids from a nested expression).
type parser struct {
	src  string
	toks []token
	p    int
	// furthest is the syntax error found furthest into the input, reported
	// when every alternative fails.
	furthest *Error
	// relFailed remembers where a relation was tried and failed, so that
	// backtracking stays linear (nested parentheses would otherwise be
	// tried as arithmetic at every level).
	relFailed map[int]error
	// arithMemo remembers the arithmetic expressions parsed at each
	// position, for the same reason.
	arithMemo map[int]arithResult
}

type arithResult struct {
	a   arith
	end int
	err error
}

func (p *parser) peek() token { return p.toks[p.p] }
func (p *parser) peekAt(n int) token {
	if p.p+n < len(p.toks) {
		return p.toks[p.p+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

func (t token) isOp(op string) bool  { return t.kind == tOp && t.text == op }
func (t token) isKw(kw keyword) bool { return t.kind == tKeyword && t.kw == kw }
func (t token) isAnd() bool          { return t.isKw(kwAnd) || t.isOp("&&") }
func (t token) isOr() bool           { return t.isKw(kwOr) || t.isOp("||") }
func (t token) isNot() bool          { return t.isKw(kwNot) || t.isOp("!") }
func (p *parser) fail(t token, msg string) *Error {
	e := syntaxErr(p.src, t.pos, msg)
	if p.furthest == nil || e.Pos >= p.furthest.Pos {
		p.furthest = e
	}
	return e
}
func (p *parser) unexpected(t token) *Error {
	return p.fail(t, "unexpected "+t.String())
}

// parse parses a whole expression; an empty one yields a nil node.
func parse(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	if p.peek().kind == tEOF {
		return nil, nil
	}
	n, _, err := p.expr(qual{})
	if err != nil {
		return nil, p.best(err)
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.best(p.unexpected(t))
	}
	return n, nil
}

// best returns the syntax error found furthest into the input, which says
// more than the one an outer alternative reports.
func (p *parser) best(err error) error {
	if e, ok := err.(*Error); ok && e.Err == ErrSyntax && p.furthest != nil && p.furthest.Pos > e.Pos {
		return p.furthest
	}
	return err
}

// expr parses a sequence of terms joined by and/or. q is the qualifier in
// effect before it; the qualifier in effect after it is returned.
func (p *parser) expr(q qual) (node, qual, error) {
	n, q, err := p.term(q, false)
	if err != nil {
		return nil, q, err
	}
	for {
		t := p.peek()
		if !t.isAnd() && !t.isOr() {
			return n, q, nil
		}
		p.next()
		var r node
		r, q, err = p.term(q, true)
		if err != nil {
			return nil, q, err
		}
		if t.isAnd() {
			n = &andNode{n, r}
		} else {
			n = &orNode{n, r}
		}
	}
}

// term parses "not term", a bare id (when allowed: after and/or) or an
// rterm.
func (p *parser) term(q qual, allowBare bool) (node, qual, error) {
	t := p.peek()
	if t.isNot() {
		p.next()
		x, q2, err := p.term(q, allowBare)
		if err != nil {
			return nil, q2, err
		}
		return &notNode{x, t.pos}, q2, nil
	}
	if allowBare {
		save := p.p
		if p.startsArith() {
			if n, err := p.relation(); err == nil {
				return n, qual{}, nil
			}
			p.p = save
		}
		if p.startsID() {
			n, err := p.id(q)
			if err == nil {
				return n, q, nil
			}
			if t.kind != tOp {
				return nil, q, err
			}
			p.p = save
		}
	}
	return p.rterm(q)
}

// startsArith reports whether the next tokens can begin an arithmetic
// expression.
func (p *parser) startsArith() bool {
	t := p.peek()
	switch {
	case t.kind == tNUM, t.isOp("("), t.isOp("-"), t.isKw(kwLen):
		return true
	case t.kind == tKeyword && isPname(t.kw):
		return p.peekAt(1).isOp("[")
	}
	return false
}

// startsID reports whether the next token can begin an id.
func (p *parser) startsID() bool {
	t := p.peek()
	switch t.kind {
	case tID, tNUM, tHID, tHID6, tEID, tAID:
		return true
	}
	return t.isOp("(") || t.isNot()
}

// isPname reports whether kw names a protocol that can qualify a
// primitive or index packet data.
func isPname(kw keyword) bool {
	switch kw {
	case kwLink, kwIP, kwArp, kwRarp, kwSCTP, kwTCP, kwUDP, kwICMP, kwIGMP, kwIGRP, kwPIM,
		kwVRRP, kwCARP, kwRadio, kwIP6, kwICMP6, kwAH, kwESP, kwAtalk, kwAarp, kwDecnet,
		kwLat, kwSca, kwMoprc, kwMopdl, kwISO, kwESIS, kwISIS, kwCLNP, kwSTP, kwIPX,
		kwNetbeui, kwL1, kwL2, kwIIH, kwLSP, kwSNP, kwCSNP, kwPSNP:
		return true
	}
	return false
}

func isDqual(kw keyword) bool {
	switch kw {
	case kwSrc, kwDst, kwAddr1, kwAddr2, kwAddr3, kwAddr4, kwRA, kwTA:
		return true
	}
	return false
}

func isAqual(kw keyword) bool {
	switch kw {
	case kwHost, kwNet, kwPort, kwPortrange, kwGateway:
		return true
	}
	return false
}

// rterm parses a primitive or a parenthesized expression.
func (p *parser) rterm(q qual) (node, qual, error) {
	t := p.peek()
	save := p.p
	if p.startsArith() {
		n, err := p.relation()
		if err == nil {
			return n, qual{}, nil
		}
		if !t.isOp("(") {
			return nil, q, err
		}
		p.p = save
	}
	if t.isOp("(") {
		p.next()
		n, _, err := p.expr(q)
		if err != nil {
			return nil, q, err
		}
		if c := p.peek(); !c.isOp(")") {
			return nil, q, p.unexpected(c)
		}
		p.next()
		return n, q, nil
	}
	switch t.kind {
	case tKeyword:
	case tID, tHID, tHID6, tEID, tAID:
		return nil, q, p.fail(t, fmt.Sprintf("unexpected %s: a name or address needs a qualifier such as \"host\" or \"port\" before it", t))
	default:
		return nil, q, p.unexpected(t)
	}
	kw := t.kw
	switch {
	case isPname(kw):
		n1 := p.peekAt(1)
		if n1.kind == tKeyword {
			switch {
			case n1.kw == kwBroadcast || n1.kw == kwMulticast:
				p.next()
				p.next()
				return &castNode{proto: kw, protoText: t.text, multicast: n1.kw == kwMulticast, pos: t.pos}, qual{}, nil
			case isDqual(n1.kw) || isAqual(n1.kw) || n1.kw == kwProto || n1.kw == kwProtochain ||
				n1.kw == kwType || n1.kw == kwSubtype || n1.kw == kwDir:
				return p.head()
			}
		}
		p.next()
		return &protoNode{kw: kw, text: t.text, pos: t.pos}, qual{}, nil
	case isDqual(kw) || isAqual(kw) || kw == kwProto || kw == kwProtochain || kw == kwType || kw == kwSubtype || kw == kwDir:
		return p.head()
	case kw == kwBroadcast || kw == kwMulticast:
		p.next()
		return &castNode{multicast: kw == kwMulticast, pos: t.pos}, qual{}, nil
	case kw == kwLess || kw == kwGreater:
		p.next()
		nt := p.peek()
		if nt.kind != tNUM {
			return nil, q, p.unexpected(nt)
		}
		p.next()
		return &lenNode{greater: kw == kwGreater, n: nt.num, pos: t.pos}, qual{}, nil
	case kw == kwVlan || kw == kwMPLS || kw == kwPPPoES || kw == kwGeneve:
		p.next()
		n := &encapNode{kw: kw, pos: t.pos, argPos: p.peek().pos}
		if v, ok := p.pnum(); ok {
			n.hasArg, n.arg = true, v
		}
		return n, qual{}, nil
	case kw == kwPPPoED || kw == kwInbound || kw == kwOutbound:
		p.next()
		return &simpleNode{kw: kw, pos: t.pos}, qual{}, nil
	case kw == kwIfindex:
		p.next()
		nt := p.peek()
		if nt.kind != tNUM {
			return nil, q, p.unexpected(nt)
		}
		p.next()
		return &simpleNode{kw: kw, n: nt.num, pos: t.pos}, qual{}, nil
	case kw == kwLLC:
		p.next()
		n := &llcNode{pos: t.pos}
		if st := p.peek(); st.kind == tID {
			p.next()
			n.sub, n.subPos = st.text, st.pos
		}
		return n, qual{}, nil
	case kw == kwAnd || kw == kwOr || kw == kwMask:
		return nil, q, p.unexpected(t)
	}
	return nil, q, &Error{Expr: p.src, Pos: t.pos, Msg: fmt.Sprintf("the %q primitive is not supported", t.text), Err: ErrUnsupported}
}

// pnum parses an optional number, possibly in parentheses.
func (p *parser) pnum() (uint32, bool) {
	save := p.p
	depth := 0
	for p.peek().isOp("(") {
		p.next()
		depth++
	}
	t := p.peek()
	if t.kind != tNUM {
		p.p = save
		return 0, false
	}
	p.next()
	for ; depth > 0; depth-- {
		if !p.peek().isOp(")") {
			p.p = save
			return 0, false
		}
		p.next()
	}
	return t.num, true
}

// head parses the qualifiers of a primitive and its id.
func (p *parser) head() (node, qual, error) {
	start := p.peek()
	q := qual{valid: true}
	t := p.peek()
	if t.kind == tKeyword && isPname(t.kw) {
		p.next()
		q.proto, q.protoText, q.protoPos = t.kw, t.text, t.pos
		t = p.peek()
	}
	if t.kind == tKeyword && isDqual(t.kw) {
		p.next()
		switch t.kw {
		case kwSrc, kwDst:
			first := t.kw
			q.dir = dirSrc
			if first == kwDst {
				q.dir = dirDst
			}
			if c := p.peek(); c.isAnd() || c.isOr() {
				other := p.peekAt(1)
				want := kwDst
				if first == kwDst {
					want = kwSrc
				}
				if !other.isKw(want) {
					return nil, q, p.unexpected(other)
				}
				p.next()
				p.next()
				if c.isAnd() {
					q.dir = dirAnd
				} else {
					q.dir = dirOr
				}
			}
		case kwAddr1:
			q.dir = dirAddr1
		case kwAddr2:
			q.dir = dirAddr2
		case kwAddr3:
			q.dir = dirAddr3
		case kwAddr4:
			q.dir = dirAddr4
		case kwRA:
			q.dir = dirRA
		case kwTA:
			q.dir = dirTA
		}
		t = p.peek()
		if t.kind == tKeyword && isAqual(t.kw) {
			p.next()
			q.addr = t.kw
		}
	} else if t.kind == tKeyword && (isAqual(t.kw) || t.kw == kwProto || t.kw == kwProtochain ||
		t.kw == kwType || t.kw == kwSubtype || t.kw == kwDir) {
		p.next()
		q.addr = t.kw
	} else {
		return nil, q, p.unexpected(t)
	}
	switch q.addr {
	case kwType, kwSubtype, kwDir:
		return nil, q, &Error{Expr: p.src, Pos: start.pos, Msg: "802.11 type, subtype and direction filters are not supported", Err: ErrUnsupported}
	}
	n, err := p.id(q)
	if err != nil {
		return nil, q, err
	}
	return n, q, nil
}

// id parses an id with the qualifiers q: a name, number or address, "not
// id", or a parenthesized list of ids joined by and/or.
func (p *parser) id(q qual) (node, error) {
	t := p.peek()
	switch {
	case t.isNot():
		p.next()
		x, err := p.id(q)
		if err != nil {
			return nil, err
		}
		return &notNode{x, t.pos}, nil
	case t.isOp("("):
		p.next()
		n, err := p.id(q)
		if err != nil {
			return nil, err
		}
		for {
			c := p.peek()
			if c.isOp(")") {
				p.next()
				return n, nil
			}
			if !c.isAnd() && !c.isOr() {
				return nil, p.unexpected(c)
			}
			p.next()
			r, err := p.id(q)
			if err != nil {
				return nil, err
			}
			if c.isAnd() {
				n = &andNode{n, r}
			} else {
				n = &orNode{n, r}
			}
		}
	}
	switch t.kind {
	case tID, tNUM, tEID, tAID:
		p.next()
		return &idNode{q: q, id: t, pos: t.pos}, nil
	case tHID:
		p.next()
		n := &idNode{q: q, id: t, pos: t.pos}
		if c := p.peek(); c.isOp("/") {
			p.next()
			m := p.peek()
			if m.kind != tNUM {
				return nil, p.unexpected(m)
			}
			p.next()
			n.mask = &m
		} else if c.isKw(kwMask) {
			p.next()
			m := p.peek()
			if m.kind != tHID {
				return nil, p.unexpected(m)
			}
			p.next()
			n.mask = &m
		}
		return n, nil
	case tHID6:
		p.next()
		n := &idNode{q: q, id: t, pos: t.pos}
		if c := p.peek(); c.isOp("/") {
			p.next()
			m := p.peek()
			if m.kind != tNUM {
				return nil, p.unexpected(m)
			}
			p.next()
			n.mask = &m
		}
		return n, nil
	}
	return nil, p.unexpected(t)
}

// relation parses "arith relop arith".
func (p *parser) relation() (node, error) {
	at := p.p
	if err, ok := p.relFailed[at]; ok {
		return nil, err
	}
	n, err := p.relation1()
	if err != nil {
		if p.relFailed == nil {
			p.relFailed = map[int]error{}
		}
		p.relFailed[at] = err
	}
	return n, err
}

func (p *parser) relation1() (node, error) {
	start := p.peek()
	l, err := p.arith(0)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	switch {
	case t.isOp(">"), t.isOp("<"), t.isOp(">="), t.isOp("<="), t.isOp("="), t.isOp("=="), t.isOp("!="):
	default:
		return nil, p.fail(t, fmt.Sprintf("unexpected %s: expected a comparison (=, !=, <, <=, >, >=)", t))
	}
	p.next()
	r, err := p.arith(0)
	if err != nil {
		return nil, err
	}
	op := t.text
	if op == "==" {
		op = "="
	}
	return &relNode{op: op, l: l, r: r, pos: start.pos}, nil
}

// Binary operators by precedence level, lowest first, as in C.
var arithLevels = [][]string{{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "%"}}

// arith parses an arithmetic expression at precedence level lvl and above.
func (p *parser) arith(lvl int) (arith, error) {
	if lvl == 0 {
		at := p.p
		if r, ok := p.arithMemo[at]; ok {
			p.p = r.end
			return r.a, r.err
		}
		a, err := p.arith1(0)
		if p.arithMemo == nil {
			p.arithMemo = map[int]arithResult{}
		}
		p.arithMemo[at] = arithResult{a, p.p, err}
		return a, err
	}
	return p.arith1(lvl)
}

func (p *parser) arith1(lvl int) (arith, error) {
	if lvl == len(arithLevels) {
		return p.unary()
	}
	l, err := p.arith(lvl + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		found := false
		for _, op := range arithLevels[lvl] {
			if t.isOp(op) {
				found = true
			}
		}
		if !found {
			return l, nil
		}
		p.next()
		r, err := p.arith(lvl + 1)
		if err != nil {
			return nil, err
		}
		l = &binArith{op: t.text, l: l, r: r, pos: t.pos}
	}
}

// unary parses a negation or an operand.
func (p *parser) unary() (arith, error) {
	t := p.peek()
	if t.isOp("-") {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &negArith{x: x, pos: t.pos}, nil
	}
	switch {
	case t.kind == tNUM:
		p.next()
		return &numArith{v: t.num, pos: t.pos}, nil
	case t.isKw(kwLen):
		p.next()
		return &lenArith{pos: t.pos}, nil
	case t.isOp("("):
		p.next()
		x, err := p.arith(0)
		if err != nil {
			return nil, err
		}
		if c := p.peek(); !c.isOp(")") {
			return nil, p.unexpected(c)
		}
		p.next()
		return x, nil
	case t.kind == tKeyword && isPname(t.kw) && p.peekAt(1).isOp("["):
		p.next()
		p.next()
		idx, err := p.arith(0)
		if err != nil {
			return nil, err
		}
		ld := &loadArith{proto: t.kw, text: t.text, idx: idx, size: 1, pos: t.pos}
		if c := p.peek(); c.isOp(":") {
			p.next()
			st := p.peek()
			if st.kind != tNUM {
				return nil, p.unexpected(st)
			}
			p.next()
			ld.size, ld.sizePos = st.num, st.pos
		}
		if c := p.peek(); !c.isOp("]") {
			return nil, p.unexpected(c)
		}
		p.next()
		return ld, nil
	}
	return nil, p.unexpected(t)
}
