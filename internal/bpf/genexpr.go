package bpf

// Code generation for the syntax tree: boolean structure, keyword
// primitives, relations and arithmetic.

// gen generates the fragment for a node. Nodes are visited in the order
// they are written, so that "vlan", "mpls" and "pppoes" affect exactly the
// primitives to their right, as in libpcap.
func (c *compiler) gen(n node) (frag, error) {
	switch n := n.(type) {
	case *andNode:
		l, err := c.gen(n.l)
		if err != nil {
			return frag{}, err
		}
		r, err := c.gen(n.r)
		if err != nil {
			return frag{}, err
		}
		return and(l, r), nil
	case *orNode:
		l, err := c.gen(n.l)
		if err != nil {
			return frag{}, err
		}
		r, err := c.gen(n.r)
		if err != nil {
			return frag{}, err
		}
		return or(l, r), nil
	case *notNode:
		x, err := c.gen(n.x)
		if err != nil {
			return frag{}, err
		}
		return not(x), nil
	case *idNode:
		return c.genID(n)
	case *protoNode:
		return c.genProtoName(n)
	case *castNode:
		return c.genCast(n)
	case *lenNode:
		l := []Instruction{stmt(ClassLD|ModeLEN, 0)}
		if n.greater {
			return c.test(l, JmpJGE, n.n), nil
		}
		return not(c.test(l, JmpJGT, n.n)), nil
	case *encapNode:
		return c.genEncap(n)
	case *simpleNode:
		return c.genSimple(n)
	case *llcNode:
		return c.genLLC(n)
	case *relNode:
		return c.genRelation(n)
	}
	return frag{}, c.errAt(n.position(), ErrSyntax, "unexpected construct")
}

// genProtoName handles a protocol name alone ("ip", "tcp", ...).
func (c *compiler) genProtoName(n *protoNode) (frag, error) {
	pos := n.pos
	switch n.kw {
	case kwIP:
		return c.linktype(etherIP, pos)
	case kwIP6:
		return c.linktype(etherIP6, pos)
	case kwArp:
		return c.linktype(etherARP, pos)
	case kwRarp:
		return c.linktype(etherRARP, pos)
	case kwTCP:
		return c.anyProto(protoTCP, pos)
	case kwUDP:
		return c.anyProto(protoUDP, pos)
	case kwSCTP:
		return c.anyProto(protoSCTP, pos)
	case kwICMP:
		return c.ipProto(protoICMP, pos)
	case kwICMP6:
		return c.ip6Proto(protoICMP6, pos)
	case kwIGMP:
		return c.ipProto(protoIGMP, pos)
	case kwIGRP:
		return c.ipProto(protoIGRP, pos)
	case kwPIM:
		return c.anyProto(protoPIM, pos)
	case kwVRRP, kwCARP:
		return c.ipProto(protoVRRP, pos)
	case kwAH:
		return c.anyProto(protoAH, pos)
	case kwESP:
		return c.anyProto(protoESP, pos)
	case kwAtalk:
		return c.linktype(etherAtalk, pos)
	case kwAarp:
		return c.linktype(etherAarp, pos)
	case kwDecnet:
		return c.linktype(etherDecnet, pos)
	case kwLat:
		return c.linktype(0x6004, pos)
	case kwSca:
		return c.linktype(0x6007, pos)
	case kwMoprc:
		return c.linktype(0x6002, pos)
	case kwMopdl:
		return c.linktype(0x6001, pos)
	case kwISO:
		return c.linktype(sapISO, pos)
	case kwSTP:
		return c.linktype(sapSTP, pos)
	case kwIPX:
		return c.linktype(sapIPX, pos)
	case kwNetbeui:
		return c.linktype(sapNetbeui, pos)
	case kwLink:
		return frag{}, c.errAt(pos, ErrInvalid, "\"%s\" alone is not a filter: use \"%s host\", \"%s proto\", \"%s broadcast\" or %s[...]", n.text, n.text, n.text, n.text, n.text)
	case kwRadio:
		return frag{}, c.errAt(pos, ErrInvalid, "\"radio\" alone is not a filter: use radio[...]")
	}
	return frag{}, c.errAt(pos, ErrUnsupported, "the %q primitive is not supported", n.text)
}

// genCast handles broadcast and multicast.
func (c *compiler) genCast(n *castNode) (frag, error) {
	pos := n.pos
	switch n.proto {
	case kwNone, kwLink:
		h := c.st.hdr
		switch c.st.info.mac {
		case macEther, macFDDI:
			dst := h
			if c.st.info.mac == macFDDI {
				dst = h.add(1)
			}
			if n.multicast {
				return c.test(c.load(1, dst), JmpJSET, 1), nil
			}
			return and(c.eq(4, dst.add(2), 0xffffffff), c.eq(2, dst, 0xffff)), nil
		case macIEEE80211:
			if n.multicast {
				return c.wlanDA(func(l loc) frag { return c.test(c.load(1, l), JmpJSET, 1) }), nil
			}
			return c.wlanDA(func(l loc) frag { return and(c.eq(4, l.add(2), 0xffffffff), c.eq(2, l, 0xffff)) }), nil
		}
		if n.multicast {
			return frag{}, c.errAt(pos, ErrInvalid, "link-layer multicast filters are supported only on Ethernet, FDDI and 802.11, not on %s", c.st.name)
		}
		return frag{}, c.errAt(pos, ErrInvalid, "%s is not a broadcast link", c.st.name)
	case kwIP:
		lt, err := c.linktype(etherIP, pos)
		if err != nil {
			return frag{}, err
		}
		if n.multicast {
			return and(lt, c.cmp(1, c.nl(16), 0xffffffff, JmpJGE, 224)), nil
		}
		// The netmask of a trace's interface is unknown: only the
		// all-zeroes and all-ones addresses are broadcasts.
		return and(lt, or(c.eq(4, c.nl(16), 0), c.eq(4, c.nl(16), 0xffffffff))), nil
	case kwIP6:
		if !n.multicast {
			return frag{}, c.errAt(pos, ErrInvalid, "IPv6 has no broadcast")
		}
		lt, err := c.linktype(etherIP6, pos)
		if err != nil {
			return frag{}, err
		}
		return and(lt, c.eq(1, c.nl(24), 0xff)), nil
	}
	if n.multicast {
		return frag{}, c.errAt(pos, ErrInvalid, "only link-layer, IP and IPv6 multicast filters are supported")
	}
	return frag{}, c.errAt(pos, ErrInvalid, "only link-layer and IP broadcast filters are supported")
}

// genEncap handles vlan, mpls, pppoes and geneve, which also move the
// offsets of the primitives that follow.
func (c *compiler) genEncap(n *encapNode) (frag, error) {
	st := &c.st
	pos := n.pos
	switch n.kw {
	case kwVlan:
		if st.mpls > 0 {
			return frag{}, c.errAt(pos, ErrInvalid, "no VLAN match after MPLS")
		}
		if st.pppoe || !st.vlanOK {
			name := st.name
			if st.pppoe {
				name = "PPP"
			}
			return frag{}, c.errAt(pos, ErrInvalid, "no VLAN support for %s", name)
		}
		if n.hasArg && n.arg > 4095 {
			return frag{}, c.errAt(n.argPos, ErrInvalid, "VLAN tag %d greater than maximum 4095", n.arg)
		}
		var fs []frag
		for _, t := range []uint32{etherVLAN, etherQinQ, etherQinQ2} {
			f, err := c.linktype(t, pos)
			if err != nil {
				return frag{}, err
			}
			fs = append(fs, f)
		}
		f := orAll(fs...)
		if n.hasArg {
			f = and(f, c.cmp(2, c.nl(0), 0x0fff, JmpJEQ, n.arg))
		}
		st.lt = st.lt.add(4)
		st.pl = st.pl.add(4)
		return f, nil
	case kwMPLS:
		if n.hasArg && n.arg > 0xfffff {
			return frag{}, c.errAt(n.argPos, ErrInvalid, "MPLS label %d greater than maximum 1048575", n.arg)
		}
		var f frag
		switch {
		case st.mpls > 0:
			// The previous label is not the bottom of the stack.
			f = c.cmp(1, c.nl(0).add(^uint32(1)), 1, JmpJEQ, 0)
		case st.pppoe || st.kind == ltPPP:
			f = c.eq(2, st.lt, 0x0281)
		case st.mplsOK && st.kind == ltEther:
			f = c.eq(2, st.lt, etherMPLS)
		default:
			return frag{}, c.errAt(pos, ErrInvalid, "no MPLS support for %s", st.name)
		}
		if n.hasArg {
			f = and(f, c.cmp(4, c.nl(0), 0xfffff000, JmpJEQ, n.arg<<12))
		}
		st.nl += 4
		st.mpls++
		return f, nil
	case kwPPPoES:
		if n.hasArg && n.arg > 0xffff {
			return frag{}, c.errAt(n.argPos, ErrInvalid, "PPPoE session number %d greater than maximum 65535", n.arg)
		}
		if st.mpls > 0 {
			return frag{}, c.errAt(pos, ErrInvalid, "only IPv4 and IPv6 can be matched inside MPLS")
		}
		f, err := c.linktype(etherPPPoES, pos)
		if err != nil {
			return frag{}, err
		}
		if n.hasArg {
			f = and(f, c.cmp(4, c.nl(0), 0xffff, JmpJEQ, n.arg))
		}
		// The PPP protocol follows the 6-byte PPPoE header.
		start := c.nl(0)
		st.kind = ltPPP
		st.pppoe = true
		st.lt = start.add(6)
		st.pl = start.add(8)
		st.nl = 0
		return f, nil
	}
	return frag{}, c.errAt(pos, ErrUnsupported, "\"geneve\" is not supported")
}

// genSimple handles pppoed, inbound, outbound and ifindex.
func (c *compiler) genSimple(n *simpleNode) (frag, error) {
	pos := n.pos
	switch n.kw {
	case kwPPPoED:
		if c.st.mpls > 0 {
			return frag{}, c.errAt(pos, ErrInvalid, "only IPv4 and IPv6 can be matched inside MPLS")
		}
		return c.linktype(etherPPPoED, pos)
	case kwInbound, kwOutbound:
		const outgoing = 4 // PACKET_OUTGOING
		var f frag
		switch c.st.info.sll {
		case 1:
			f = c.eq(2, abs(0), outgoing)
		case 2:
			f = c.eq(1, abs(10), outgoing)
		default:
			return frag{}, c.errAt(pos, ErrUnsupported, "inbound/outbound are supported only on Linux cooked captures, not on %s", c.st.name)
		}
		if n.kw == kwInbound {
			return not(f), nil
		}
		return f, nil
	case kwIfindex:
		if c.st.info.sll != 2 {
			return frag{}, c.errAt(pos, ErrInvalid, "ifindex not supported on %s", c.st.name)
		}
		return c.eq(4, abs(4), n.n), nil
	}
	return frag{}, c.errAt(pos, ErrUnsupported, "unsupported primitive")
}

// genLLC handles "llc".
func (c *compiler) genLLC(n *llcNode) (frag, error) {
	if n.sub != "" {
		return frag{}, c.errAt(n.subPos, ErrUnsupported, "\"llc %s\" is not supported", n.sub)
	}
	if !c.st.info.llc || c.st.pppoe {
		return frag{}, c.errAt(n.pos, ErrInvalid, "'llc' not supported for %s", c.st.name)
	}
	switch {
	case c.st.info.wlan:
		return c.dataFrame(), nil
	case c.st.kind == ltLLC:
		return c.constFrag(true), nil
	}
	// Ethernet: an 802.3 length, and not Novell's raw 802.3 (0xffff).
	return and(not(c.cmp(2, c.st.lt, 0xffffffff, JmpJGT, etherMTU)), not(c.eq(2, c.st.pl, 0xffff))), nil
}

// Relations and arithmetic.

// aval is the code for an arithmetic value: constant, or instructions that
// leave it in A, and the protocol checks (in order) that must hold first.
type aval struct {
	isConst bool
	k       uint32
	code    []Instruction
	checks  []frag
}

func (v aval) compute() []Instruction {
	if v.isConst {
		return []Instruction{stmt(ClassLD|ModeIMM, v.k)}
	}
	return v.code
}

var relOps = map[string]struct {
	op     uint16
	negate bool
}{
	"=": {JmpJEQ, false}, "!=": {JmpJEQ, true},
	">": {JmpJGT, false}, "<=": {JmpJGT, true},
	">=": {JmpJGE, false}, "<": {JmpJGE, true},
}

// arithPair computes the two sides of a binary arithmetic expression or
// relation: the left first and, when it is not a constant, a scratch cell
// (reg, -1 for none) reserved for it while the right side is computed, so
// that a long left-associative chain needs few cells. The cell is free
// again on return; the caller's code stores the left value in it.
func (c *compiler) arithPair(la, ra arith, pos int) (l, r aval, reg int, err error) {
	if l, err = c.arith(la); err != nil {
		return aval{}, aval{}, -1, err
	}
	reg = -1
	if !l.isConst {
		if reg = c.alloc(); reg < 0 {
			return aval{}, aval{}, -1, c.errAt(pos, ErrInvalid, "too many registers needed to evaluate the expression")
		}
	}
	r, err = c.arith(ra)
	if reg >= 0 {
		c.free(reg)
	}
	if err != nil {
		return aval{}, aval{}, -1, err
	}
	return l, r, reg, nil
}

// genRelation handles "arith relop arith": the protocol checks of both
// sides, then the comparison.
func (c *compiler) genRelation(n *relNode) (frag, error) {
	l, r, reg, err := c.arithPair(n.l, n.r, n.pos)
	if err != nil {
		return frag{}, err
	}
	ro := relOps[n.op]
	var cmp frag
	switch {
	case l.isConst && r.isConst:
		var v bool
		switch ro.op {
		case JmpJEQ:
			v = l.k == r.k
		case JmpJGT:
			v = l.k > r.k
		case JmpJGE:
			v = l.k >= r.k
		}
		cmp = c.constFrag(v)
	case r.isConst:
		cmp = c.test(l.compute(), ro.op, r.k)
	case l.isConst:
		code := append(append([]Instruction(nil), r.compute()...), stmt(ClassMISC|MiscTAX, 0), stmt(ClassLD|ModeIMM, l.k))
		cmp = c.test(code, ro.op|SrcX, 0)
	default:
		code := append(append([]Instruction(nil), l.compute()...), stmt(ClassST, uint32(reg)))
		code = append(code, r.compute()...)
		code = append(code, stmt(ClassMISC|MiscTAX, 0), stmt(ClassLD|ModeMEM, uint32(reg)))
		cmp = c.test(code, ro.op|SrcX, 0)
	}
	if ro.negate {
		cmp = not(cmp)
	}
	checks := append(append([]frag(nil), l.checks...), r.checks...)
	if len(checks) == 0 {
		return cmp, nil
	}
	return and(andAll(checks...), cmp), nil
}

var aluOps = map[string]uint16{
	"+": AluAdd, "-": AluSub, "*": AluMul, "/": AluDiv, "%": AluMod,
	"&": AluAnd, "|": AluOr, "^": AluXor, "<<": AluLsh, ">>": AluRsh,
}

func foldALU(op uint16, a, b uint32) uint32 {
	switch op {
	case AluAdd:
		return a + b
	case AluSub:
		return a - b
	case AluMul:
		return a * b
	case AluDiv:
		return a / b
	case AluMod:
		return a % b
	case AluAnd:
		return a & b
	case AluOr:
		return a | b
	case AluXor:
		return a ^ b
	case AluLsh:
		return a << b
	case AluRsh:
		return a >> b
	}
	return 0
}

// arith generates code for an arithmetic expression. Scratch cells used
// while computing are released before it returns, so the code of a value
// may be placed anywhere later.
func (c *compiler) arith(a arith) (aval, error) {
	switch a := a.(type) {
	case *numArith:
		return aval{isConst: true, k: a.v}, nil
	case *lenArith:
		return aval{code: []Instruction{stmt(ClassLD|ModeLEN, 0)}}, nil
	case *negArith:
		x, err := c.arith(a.x)
		if err != nil {
			return aval{}, err
		}
		if x.isConst {
			return aval{isConst: true, k: -x.k}, nil
		}
		return aval{code: append(x.code, stmt(ClassALU|AluNeg, 0)), checks: x.checks}, nil
	case *binArith:
		l, r, reg, err := c.arithPair(a.l, a.r, a.pos)
		if err != nil {
			return aval{}, err
		}
		op := aluOps[a.op]
		// libpcap refuses a literal zero divisor or a literal shift count
		// over 31; computed ones fail in the optimizer or at run time.
		if n, ok := a.r.(*numArith); ok {
			switch {
			case op == AluDiv && n.v == 0:
				return aval{}, c.errAt(a.pos, ErrInvalid, "division by zero")
			case op == AluMod && n.v == 0:
				return aval{}, c.errAt(a.pos, ErrInvalid, "modulus by zero")
			case (op == AluLsh || op == AluRsh) && n.v > 31:
				return aval{}, c.errAt(a.pos, ErrInvalid, "shift by more than 31 bits")
			}
		}
		checks := append(append([]frag(nil), l.checks...), r.checks...)
		foldable := l.isConst && r.isConst && !((op == AluDiv || op == AluMod) && r.k == 0) &&
			!((op == AluLsh || op == AluRsh) && r.k > 31)
		switch {
		case foldable:
			return aval{isConst: true, k: foldALU(op, l.k, r.k), checks: checks}, nil
		case r.isConst && r.k == 0 && (op == AluDiv || op == AluMod):
			// A computed zero divisor: the program rejects at run time.
			return aval{code: append(l.compute(), stmt(ClassLDX|ModeIMM, 0), stmt(ClassALU|op|SrcX, 0)), checks: checks}, nil
		case r.isConst:
			return aval{code: append(l.compute(), stmt(ClassALU|op|SrcK, r.k)), checks: checks}, nil
		case l.isConst || reg < 0:
			code := append(append([]Instruction(nil), r.compute()...), stmt(ClassMISC|MiscTAX, 0), stmt(ClassLD|ModeIMM, l.k))
			return aval{code: append(code, stmt(ClassALU|op|SrcX, 0)), checks: checks}, nil
		}
		code := append(append([]Instruction(nil), l.compute()...), stmt(ClassST, uint32(reg)))
		code = append(code, r.compute()...)
		code = append(code, stmt(ClassMISC|MiscTAX, 0), stmt(ClassLD|ModeMEM, uint32(reg)), stmt(ClassALU|op|SrcX, 0))
		return aval{code: code, checks: checks}, nil
	case *loadArith:
		return c.genLoad(a)
	}
	return aval{}, c.errAt(a.position(), ErrSyntax, "unexpected arithmetic")
}

// genLoad handles proto[expr:size].
func (c *compiler) genLoad(a *loadArith) (aval, error) {
	pos := a.pos
	switch a.size {
	case 1, 2, 4:
	default:
		return aval{}, c.errAt(a.sizePos, ErrInvalid, "data size must be 1, 2, or 4")
	}
	idx, err := c.arith(a.idx)
	if err != nil {
		return aval{}, err
	}
	checks := idx.checks
	if idx.isConst {
		// As libpcap, add the index at run time (where it wraps around);
		// the optimizer folds it into the offset.
		idx = aval{code: idx.compute()}
	}
	var base loc
	transport := false // relative to the IPv4 payload
	switch a.proto {
	case kwLink:
		base = c.st.hdr
	case kwRadio:
		if !c.st.info.radio {
			return aval{}, c.errAt(pos, ErrInvalid, "radio information not present in capture")
		}
		base = abs(0)
	case kwIP, kwArp, kwRarp, kwIP6, kwAtalk, kwAarp, kwDecnet, kwLat, kwSca, kwMoprc, kwMopdl:
		et := map[keyword]uint32{kwIP: etherIP, kwArp: etherARP, kwRarp: etherRARP, kwIP6: etherIP6,
			kwAtalk: etherAtalk, kwAarp: etherAarp, kwDecnet: etherDecnet, kwLat: 0x6004,
			kwSca: 0x6007, kwMoprc: 0x6002, kwMopdl: 0x6001}[a.proto]
		lt, err := c.linktype(et, pos)
		if err != nil {
			return aval{}, err
		}
		checks = append(checks, lt)
		base = c.nl(0)
	case kwTCP, kwUDP, kwICMP, kwIGMP, kwIGRP, kwPIM, kwVRRP, kwCARP, kwSCTP:
		p := map[keyword]uint32{kwTCP: protoTCP, kwUDP: protoUDP, kwICMP: protoICMP, kwIGMP: protoIGMP,
			kwIGRP: protoIGRP, kwPIM: protoPIM, kwVRRP: protoVRRP, kwCARP: protoVRRP, kwSCTP: protoSCTP}[a.proto]
		f, err := c.ipProto(p, pos)
		if err != nil {
			return aval{}, err
		}
		checks = append(checks, and(f, c.notFragment()))
		base = c.nl(0)
		transport = true
	case kwICMP6:
		lt, err := c.linktype(etherIP6, pos)
		if err != nil {
			return aval{}, err
		}
		checks = append(checks, and(lt, c.eq(1, c.nl(6), protoICMP6)))
		base = c.nl(40)
	default:
		return aval{}, c.errAt(pos, ErrInvalid, "unsupported index operation: %s[...]", a.text)
	}
	c.touch(base)
	ld := func(k uint32) Instruction { return stmt(ClassLD|sizeCode(a.size)|ModeIND, k) }
	var code []Instruction
	switch {
	case idx.isConst && !transport:
		code = c.load(a.size, base.add(idx.k))
	case idx.isConst && transport:
		code = append(c.ipHeaderLen(), ld(base.k+idx.k))
	case !transport && base.reg < 0:
		code = append(idx.code, stmt(ClassMISC|MiscTAX, 0), ld(base.k))
	case !transport:
		code = append(idx.code, stmt(ClassLDX|ModeMEM, uint32(base.reg)), stmt(ClassALU|AluAdd|SrcX, 0),
			stmt(ClassMISC|MiscTAX, 0), ld(base.k))
	default:
		reg := c.alloc()
		if reg < 0 {
			return aval{}, c.errAt(pos, ErrInvalid, "too many registers needed to evaluate the expression")
		}
		code = append(idx.code, stmt(ClassST, uint32(reg)))
		code = append(code, c.ipHeaderLen()...)
		code = append(code, stmt(ClassLD|ModeMEM, uint32(reg)), stmt(ClassALU|AluAdd|SrcX, 0),
			stmt(ClassMISC|MiscTAX, 0), ld(base.k))
		c.free(reg)
	}
	return aval{code: code, checks: checks}, nil
}
