package bpf

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// compiler generates code for one expression and link type.
type compiler struct {
	src     string
	opts    Options
	st      linkState
	nblocks int

	// Scratch memory: cells in use, and the cells that hold the run-time
	// header offsets (-1 until a primitive needs them).
	used    uint16
	hdrReg  int
	plReg   int
	hdrUsed bool
	plUsed  bool
}

// touch notes that code uses a run-time offset, so that the prologue
// computes it.
func (c *compiler) touch(l loc) {
	switch {
	case l.reg < 0:
	case l.reg == c.hdrReg:
		c.hdrUsed = true
	case l.reg == c.plReg:
		c.plUsed = true
	}
}

// errAt builds an error about the token at pos.
func (c *compiler) errAt(pos int, kind error, format string, args ...any) *Error {
	return &Error{Expr: c.src, Pos: pos, Msg: fmt.Sprintf(format, args...), Err: kind}
}

func newCompiler(src string, opts Options, info *linkInfo) *compiler {
	c := &compiler{src: src, opts: opts, hdrReg: -1, plReg: -1}
	c.st = linkState{
		info: info, kind: info.kind, name: info.name,
		lt: abs(info.lt), hdr: abs(0), pl: abs(info.pl), nl: info.nl,
		vlanOK: info.vlan, mplsOK: info.mpls,
	}
	if info.radio {
		c.hdrReg = c.alloc()
		c.st.hdr = loc{reg: c.hdrReg}
	}
	if info.wlan {
		c.plReg = c.alloc()
		c.st.pl = loc{reg: c.plReg}
		c.st.lt = c.st.pl.add(6)
	}
	return c
}

// alloc reserves a scratch memory cell; -1 when all are taken.
func (c *compiler) alloc() int {
	for i := 0; i < MemWords; i++ {
		if c.used&(1<<i) == 0 {
			c.used |= 1 << i
			return i
		}
	}
	return -1
}

func (c *compiler) free(r int) { c.used &^= 1 << r }

// Loads.

func sizeCode(size uint32) uint16 {
	switch size {
	case 1:
		return SizeB
	case 2:
		return SizeH
	}
	return SizeW
}

// load returns code that loads size bytes at l into A.
func (c *compiler) load(size uint32, l loc) []Instruction {
	c.touch(l)
	if l.reg < 0 {
		return []Instruction{stmt(ClassLD|sizeCode(size)|ModeABS, l.k)}
	}
	return []Instruction{stmt(ClassLDX|ModeMEM, uint32(l.reg)), stmt(ClassLD|sizeCode(size)|ModeIND, l.k)}
}

// cmp returns a test of the size bytes at l, masked, against v.
func (c *compiler) cmp(size uint32, l loc, mask uint32, op uint16, v uint32) frag {
	code := c.load(size, l)
	if mask != 0xffffffff {
		code = append(code, stmt(ClassALU|AluAnd|SrcK, mask))
	}
	return c.test(code, op, v)
}

func (c *compiler) eq(size uint32, l loc, v uint32) frag {
	return c.cmp(size, l, 0xffffffff, JmpJEQ, v)
}

// nl returns the location off bytes into the network layer.
func (c *compiler) nl(off uint32) loc { return c.st.pl.add(c.st.nl + off) }

// ipHeaderLen returns code that sets X to the start of the IPv4 payload
// minus the network-layer offset (plus the run-time base, if any): X =
// base + 4*(ip[0]&0xf).
func (c *compiler) ipHeaderLen() []Instruction {
	n := c.nl(0)
	c.touch(n)
	if n.reg < 0 {
		return []Instruction{stmt(ClassLDX|SizeB|ModeMSH, n.k)}
	}
	return []Instruction{
		stmt(ClassLDX|ModeMEM, uint32(n.reg)),
		stmt(ClassLD|SizeB|ModeIND, n.k),
		stmt(ClassALU|AluAnd|SrcK, 0xf),
		stmt(ClassALU|AluLsh|SrcK, 2),
		stmt(ClassALU|AluAdd|SrcX, 0),
		stmt(ClassMISC|MiscTAX, 0),
	}
}

// transport returns a test of the size bytes off bytes into the IPv4
// payload.
func (c *compiler) transport(size, off uint32, op uint16, v uint32) frag {
	code := append(c.ipHeaderLen(), stmt(ClassLD|sizeCode(size)|ModeIND, c.nl(0).k+off))
	return c.test(code, op, v)
}

// Link-layer protocol tests.

// linktype returns a test that the link layer carries protocol proto (an
// Ethernet type or LLC SAP, as "ether proto" takes it).
func (c *compiler) linktype(proto uint32, pos int) (frag, error) {
	st := &c.st
	if st.mpls > 0 {
		var nib uint32
		switch proto {
		case etherIP:
			nib = 0x40
		case etherIP6:
			nib = 0x60
		default:
			return frag{}, c.errAt(pos, ErrInvalid, "only IPv4 and IPv6 can be matched inside MPLS")
		}
		bos := c.cmp(1, c.nl(0).add(^uint32(1)), 1, JmpJEQ, 1) // bottom of stack bit of the last label
		return and(bos, c.cmp(1, c.nl(0), 0xf0, JmpJEQ, nib)), nil
	}
	switch st.kind {
	case ltNone:
		return frag{}, c.errAt(pos, ErrInvalid, "protocol filtering is not implemented for %s (libpcap neither)", st.name)
	case ltEther:
		return c.etherLinktype(proto), nil
	case ltSLL:
		return c.sllLinktype(proto), nil
	case ltSLL2:
		return c.eq(2, st.lt, proto), nil
	case ltPPP:
		return c.eq(2, st.lt, pppProto(proto)), nil
	case ltNull, ltLoop:
		// The address family: AF_INET is 2 everywhere; for IPv6 a trace
		// may come from any BSD (24 on NetBSD and OpenBSD, 28 on FreeBSD,
		// 30 on macOS), which libpcap checks when it reads a file.
		var afs []uint32
		switch proto {
		case etherIP:
			afs = []uint32{2}
		case etherIP6:
			afs = []uint32{30, 24, 28}
		default:
			return c.constFrag(false), nil
		}
		var fs []frag
		for _, af := range afs {
			if st.kind == ltNull {
				order := c.opts.NullByteOrder
				if order == nil {
					order = binary.NativeEndian
				}
				var b [4]byte
				order.PutUint32(b[:], af)
				af = binary.BigEndian.Uint32(b[:])
			}
			fs = append(fs, c.eq(4, st.lt, af))
		}
		return orAll(fs...), nil
	case ltRaw:
		switch proto {
		case etherIP:
			return c.cmp(1, c.nl(0), 0xf0, JmpJEQ, 0x40), nil
		case etherIP6:
			return c.cmp(1, c.nl(0), 0xf0, JmpJEQ, 0x60), nil
		}
		return c.constFrag(false), nil
	case ltIPv4:
		return c.constFrag(proto == etherIP), nil
	case ltIPv6:
		return c.constFrag(proto == etherIP6), nil
	case ltLLC:
		f := c.llcLinktype(proto)
		if st.info.wlan {
			return and(c.dataFrame(), f), nil
		}
		return f, nil
	}
	return frag{}, c.errAt(pos, ErrInvalid, "protocol filtering is not implemented for %s", st.name)
}

// etherLinktype: Ethernet types above 1500 are compared; smaller values
// are LLC SAPs of 802.3 frames, with libpcap's special cases.
func (c *compiler) etherLinktype(proto uint32) frag {
	lt, pl := c.st.lt, c.st.pl
	is8023 := func() frag { return not(c.cmp(2, lt, 0xffffffff, JmpJGT, etherMTU)) }
	switch proto {
	case sapISO, sapIP, sapNetbeui:
		return and(is8023(), c.eq(2, pl, proto<<8|proto))
	case sapIPX:
		return or(c.eq(2, lt, 0x8137), and(is8023(), orAll(
			and(c.eq(4, pl.add(4), 0x8137), c.eq(4, pl, 0xaaaa0300)),
			c.eq(1, pl, sapIPX),
			c.eq(2, pl, 0xffff))))
	case etherAtalk:
		return or(c.eq(2, lt, etherAtalk), and(is8023(),
			and(c.eq(4, pl.add(4), 0x07809b), c.eq(4, pl, 0xaaaa0308))))
	case etherAarp:
		return or(c.eq(2, lt, etherAarp), and(is8023(),
			and(c.eq(4, pl.add(4), etherAarp), c.eq(4, pl, 0xaaaa0300))))
	}
	if proto <= etherMTU {
		return and(is8023(), c.eq(1, pl, proto))
	}
	return c.eq(2, lt, proto)
}

// sllLinktype: Linux cooked captures use pseudo-types 1 (802.3 without
// LLC, Novell) and 4 (802.2 LLC) below 1500.
func (c *compiler) sllLinktype(proto uint32) frag {
	lt, pl := c.st.lt, c.st.pl
	const sll8023, sll8022 = 1, 4
	switch proto {
	case sapISO, sapIP, sapNetbeui:
		return and(c.eq(2, lt, sll8022), c.eq(2, pl, proto<<8|proto))
	case sapIPX:
		return orAll(c.eq(2, lt, 0x8137), c.eq(2, lt, sll8023), and(c.eq(2, lt, sll8022),
			or(c.eq(1, pl, sapIPX), and(c.eq(4, pl.add(4), 0x8137), c.eq(4, pl, 0xaaaa0300)))))
	case etherAtalk:
		return or(c.eq(2, lt, etherAtalk), and(c.eq(2, lt, sll8022),
			and(c.eq(4, pl.add(4), 0x07809b), c.eq(4, pl, 0xaaaa0308))))
	case etherAarp:
		return or(c.eq(2, lt, etherAarp), and(c.eq(2, lt, sll8022),
			and(c.eq(4, pl.add(4), etherAarp), c.eq(4, pl, 0xaaaa0300))))
	}
	if proto <= etherMTU {
		return and(c.eq(2, lt, sll8022), c.eq(1, pl, proto))
	}
	return c.eq(2, lt, proto)
}

// llcLinktype: FDDI and 802.11 carry LLC; most protocols are matched by
// the type of a SNAP header, without checking that it is one.
func (c *compiler) llcLinktype(proto uint32) frag {
	pl := c.st.pl
	switch proto {
	case sapISO, sapIP, sapNetbeui:
		return c.eq(2, pl, proto<<8|proto)
	case sapIPX:
		return c.eq(1, pl, sapIPX)
	case etherAtalk:
		return and(c.eq(4, pl.add(4), 0x07809b), c.eq(4, pl, 0xaaaa0308))
	}
	if proto <= etherMTU {
		return c.eq(1, pl, proto)
	}
	return c.eq(2, pl.add(6), proto)
}

// pppProto maps an Ethernet type or SAP to the PPP protocol number.
func pppProto(proto uint32) uint32 {
	switch proto {
	case etherIP:
		return 0x0021
	case etherIP6:
		return 0x0057
	case etherDecnet:
		return 0x0027
	case etherAtalk:
		return 0x0029
	case sapIPX:
		return 0x002b
	case sapISO:
		return 0x0023
	case sapSTP:
		return 0x0031
	}
	return proto
}

// dataFrame tests that an 802.11 frame is a data frame (type 2).
func (c *compiler) dataFrame() frag {
	fc := c.load(1, c.st.hdr)
	return and(not(c.test(fc, JmpJSET, 0x04)), c.test(c.load(1, c.st.hdr), JmpJSET, 0x08))
}

// Network-layer primitives.

// ipProto tests for IPv4 with the given protocol.
func (c *compiler) ipProto(p uint32, pos int) (frag, error) {
	lt, err := c.linktype(etherIP, pos)
	if err != nil {
		return frag{}, err
	}
	return and(lt, c.eq(1, c.nl(9), p)), nil
}

// ip6Proto tests for IPv6 with the given next header, looking past one
// fragment header as libpcap does.
func (c *compiler) ip6Proto(p uint32, pos int) (frag, error) {
	lt, err := c.linktype(etherIP6, pos)
	if err != nil {
		return frag{}, err
	}
	return and(lt, or(c.eq(1, c.nl(6), p), and(c.eq(1, c.nl(6), protoFrag6), c.eq(1, c.nl(40), p)))), nil
}

// anyProto tests for IPv4 or IPv6 with the given protocol.
func (c *compiler) anyProto(p uint32, pos int) (frag, error) {
	f4, err := c.ipProto(p, pos)
	if err != nil {
		return frag{}, err
	}
	f6, err := c.ip6Proto(p, pos)
	if err != nil {
		return frag{}, err
	}
	return or(f4, f6), nil
}

// dirop combines a source and a destination test as the direction says.
func (c *compiler) dirop(dir dirQual, pos int, src, dst func() frag) (frag, error) {
	switch dir {
	case dirSrc:
		return src(), nil
	case dirDst:
		return dst(), nil
	case dirAnd:
		return and(src(), dst()), nil
	case dirDefault, dirOr:
		return or(src(), dst()), nil
	}
	return frag{}, c.errAt(pos, ErrInvalid, "%q applies only to 802.11 addresses", dirNames[dir])
}

// hostop tests a masked IPv4 address at the source or destination offset
// of the network layer of protocol et. Like libpcap, each direction tests
// the link-layer protocol itself: "(ip and src) or (ip and dst)".
func (c *compiler) hostop(addr, mask uint32, dir dirQual, et uint32, srcOff, dstOff uint32, pos int) (frag, error) {
	var err error
	one := func(off uint32) func() frag {
		return func() frag {
			lt, e := c.linktype(et, pos)
			if e != nil {
				err = e
				return c.constFrag(false)
			}
			return and(lt, c.cmp(4, c.nl(off), mask, JmpJEQ, addr&mask))
		}
	}
	d, e := c.dirop(dir, pos, one(srcOff), one(dstOff))
	if e != nil {
		return frag{}, e
	}
	return d, err
}

// host tests an IPv4 address (or network) as "host" and "net" do.
func (c *compiler) host(addr, mask uint32, q qual, pos int) (frag, error) {
	what := "host"
	if q.addr == kwNet {
		what = "net"
	}
	switch q.proto {
	case kwNone:
		f, err := c.hostop(addr, mask, q.dir, etherIP, 12, 16, pos)
		if err != nil {
			return frag{}, err
		}
		if c.st.mpls > 0 {
			return f, nil
		}
		fa, err := c.hostop(addr, mask, q.dir, etherARP, 14, 24, pos)
		if err != nil {
			return frag{}, err
		}
		fr, err := c.hostop(addr, mask, q.dir, etherRARP, 14, 24, pos)
		if err != nil {
			return frag{}, err
		}
		return orAll(f, fa, fr), nil
	case kwIP:
		return c.hostop(addr, mask, q.dir, etherIP, 12, 16, pos)
	case kwArp:
		return c.hostop(addr, mask, q.dir, etherARP, 14, 24, pos)
	case kwRarp:
		return c.hostop(addr, mask, q.dir, etherRARP, 14, 24, pos)
	case kwLink:
		return frag{}, c.errAt(q.protoPos, ErrInvalid, "link-layer modifier applied to %s", what)
	case kwIP6:
		return frag{}, c.errAt(q.protoPos, ErrInvalid, "'ip6' modifier applied to ip %s", what)
	case kwDecnet:
		return frag{}, c.errAt(q.protoPos, ErrUnsupported, "DECnet addresses are not supported")
	}
	return frag{}, c.errAt(q.protoPos, ErrInvalid, "'%s' modifier applied to %s", q.protoText, what)
}

// host6 tests an IPv6 address (or network).
func (c *compiler) host6(addr, mask [16]byte, q qual, pos int) (frag, error) {
	what := "host"
	if q.addr == kwNet {
		what = "net"
	}
	switch q.proto {
	case kwNone, kwIP6:
	case kwLink:
		return frag{}, c.errAt(q.protoPos, ErrInvalid, "link-layer modifier applied to ip6 %s", what)
	default:
		return frag{}, c.errAt(q.protoPos, ErrInvalid, "'%s' modifier applied to ip6 %s", q.protoText, what)
	}
	var err error
	one := func(off uint32) func() frag {
		return func() frag {
			lt, e := c.linktype(etherIP6, pos)
			if e != nil {
				err = e
				return c.constFrag(false)
			}
			var fs []frag
			for i := uint32(0); i < 4; i++ {
				m := binary.BigEndian.Uint32(mask[4*i:])
				a := binary.BigEndian.Uint32(addr[4*i:])
				fs = append(fs, c.cmp(4, c.nl(off+4*i), m, JmpJEQ, a&m))
			}
			return and(lt, andAll(fs...))
		}
	}
	d, e := c.dirop(q.dir, pos, one(8), one(24))
	if e != nil {
		return frag{}, e
	}
	return d, err
}

// Transport ports.

// portTest returns the test of the port field(s) for one direction: a
// single port, or a range lo..hi.
type portCheck func(load func(off uint32, op uint16, v uint32) frag) frag

func portEq(port uint32) func(off uint32) portCheck {
	return func(off uint32) portCheck {
		return func(load func(off uint32, op uint16, v uint32) frag) frag {
			return load(off, JmpJEQ, port)
		}
	}
}

func portRange(lo, hi uint32) func(off uint32) portCheck {
	return func(off uint32) portCheck {
		return func(load func(off uint32, op uint16, v uint32) frag) frag {
			return and(load(off, JmpJGE, lo), not(load(off, JmpJGT, hi)))
		}
	}
}

// ports tests TCP, UDP or SCTP (proto, or all three for protoUndef) ports
// over IPv6 and then IPv4, as libpcap orders them.
func (c *compiler) ports(proto int, dir dirQual, pos int, check func(off uint32) portCheck) (frag, error) {
	protos := []uint32{protoSCTP, protoTCP, protoUDP}
	if proto != protoUndef {
		protos = []uint32{uint32(proto)}
	}
	// IPv6: fixed 40-byte header, no extension headers.
	lt6, err := c.linktype(etherIP6, pos)
	if err != nil {
		return frag{}, err
	}
	var per6 []frag
	for _, p := range protos {
		load := func(off uint32, op uint16, v uint32) frag { return c.cmp(2, c.nl(40+off), 0xffffffff, op, v) }
		d, err := c.dirop(dir, pos, func() frag { return check(0)(load) }, func() frag { return check(2)(load) })
		if err != nil {
			return frag{}, err
		}
		per6 = append(per6, and(c.eq(1, c.nl(6), p), d))
	}
	f6 := and(lt6, orAll(per6...))
	// IPv4: not a later fragment; the header length from the packet.
	lt4, err := c.linktype(etherIP, pos)
	if err != nil {
		return frag{}, err
	}
	var per4 []frag
	for _, p := range protos {
		load := func(off uint32, op uint16, v uint32) frag { return c.transport(2, off, op, v) }
		d, err := c.dirop(dir, pos, func() frag { return check(0)(load) }, func() frag { return check(2)(load) })
		if err != nil {
			return frag{}, err
		}
		per4 = append(per4, andAll(c.eq(1, c.nl(9), p), c.notFragment(), d))
	}
	f4 := and(lt4, orAll(per4...))
	return or(f6, f4), nil
}

// notFragment tests that an IPv4 packet is the first fragment or not
// fragmented.
func (c *compiler) notFragment() frag {
	return not(c.cmp(2, c.nl(6), 0xffffffff, JmpJSET, 0x1fff))
}

// Identifiers with qualifiers.

func (c *compiler) genID(n *idNode) (frag, error) {
	q := n.q
	pos := n.pos
	if !q.valid {
		return frag{}, c.errAt(pos, ErrSyntax, "%s has no qualifier: after \"and\" or \"or\", a bare name or number takes the qualifiers of the primitive before it (as in \"port 80 or 443\"), and there is none", n.id)
	}
	switch q.addr {
	case kwGateway:
		return frag{}, c.errAt(pos, ErrUnsupported, "\"gateway\" needs host name resolution, which Heron does not do; use \"ether host MAC and not host ADDR\"")
	case kwProtochain:
		return frag{}, c.errAt(pos, ErrUnsupported, "\"protochain\" is not supported")
	}
	switch n.id.kind {
	case tNUM:
		return c.genNum(n.id.num, q, pos)
	case tHID:
		return c.genHID(n, q)
	case tHID6:
		return c.genHID6(n, q)
	case tEID:
		return c.genEID(n, q)
	case tAID:
		return frag{}, c.errAt(pos, ErrUnsupported, "ARCnet addresses are not supported")
	}
	return c.genName(n, q)
}

func (c *compiler) checkPortProto(q qual, pos int, what string) (int, error) {
	switch q.proto {
	case kwNone:
		return protoUndef, nil
	case kwTCP:
		return protoTCP, nil
	case kwUDP:
		return protoUDP, nil
	case kwSCTP:
		return protoSCTP, nil
	}
	return 0, c.errAt(pos, ErrInvalid, "illegal qualifier of '%s'", what)
}

// genNum handles a number with qualifiers.
func (c *compiler) genNum(v uint32, q qual, pos int) (frag, error) {
	switch q.addr {
	case kwNone, kwHost, kwNet:
		if q.proto == kwLink {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal link layer address")
		}
		mask := uint32(0xffffffff)
		if q.addr == kwNet {
			// A short network number is shifted to the top: net 10 is 10.0.0.0/8.
			for v != 0 && v&0xff000000 == 0 {
				v <<= 8
				mask <<= 8
			}
		}
		return c.host(v, mask, q, pos)
	case kwPort:
		proto, err := c.checkPortProto(q, pos, "port")
		if err != nil {
			return frag{}, err
		}
		if v > 65535 {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal port number %d > 65535", v)
		}
		return c.ports(proto, q.dir, pos, portEq(v))
	case kwPortrange:
		proto, err := c.checkPortProto(q, pos, "portrange")
		if err != nil {
			return frag{}, err
		}
		if v > 65535 {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal port number %d > 65535", v)
		}
		return c.ports(proto, q.dir, pos, portRange(v, v))
	case kwProto:
		return c.genProto(v, q, pos)
	}
	return frag{}, c.errAt(pos, ErrSyntax, "unexpected number")
}

// genProto handles "[ip|ip6|ether] proto N".
func (c *compiler) genProto(v uint32, q qual, pos int) (frag, error) {
	switch q.proto {
	case kwNone:
		return c.anyProto(v, pos)
	case kwIP:
		return c.ipProto(v, pos)
	case kwIP6:
		return c.ip6Proto(v, pos)
	case kwLink:
		return c.linktype(v, pos)
	case kwISO, kwESIS, kwISIS, kwCLNP:
		return frag{}, c.errAt(q.protoPos, ErrUnsupported, "\"%s proto\" is not supported", q.protoText)
	}
	return frag{}, c.errAt(q.protoPos, ErrInvalid, "'%s' modifier applied to proto", q.protoText)
}

// genHID handles a dotted IPv4 address or prefix, with an optional mask.
func (c *compiler) genHID(n *idNode, q qual) (frag, error) {
	pos := n.pos
	switch q.addr {
	case kwPort, kwPortrange, kwProto:
		return frag{}, c.errAt(pos, ErrInvalid, "'%s' modifier applied to ip host", keywordName(q.addr))
	}
	v, bitsLen, ok := parseDotted(n.id.text)
	if !ok {
		return frag{}, c.errAt(pos, ErrInvalid, "invalid IPv4 address '%s'", n.id.text)
	}
	if q.proto == kwLink {
		return frag{}, c.errAt(pos, ErrInvalid, "illegal link layer address")
	}
	if n.mask == nil {
		mask := uint32(0xffffffff) << (32 - bitsLen)
		return c.host(v<<(32-bitsLen), mask, q, pos)
	}
	if q.addr != kwNet {
		return frag{}, c.errAt(pos, ErrInvalid, "mask syntax is for networks only (use \"net\")")
	}
	var mask uint32
	written := n.id.text
	if n.mask.kind == tNUM {
		if n.mask.num > 32 {
			return frag{}, c.errAt(n.mask.pos, ErrInvalid, "mask length must be <= 32")
		}
		if n.mask.num > 0 {
			mask = 0xffffffff << (32 - n.mask.num)
		}
		written += "/" + n.mask.text
	} else {
		m, mbits, ok := parseDotted(n.mask.text)
		if !ok {
			return frag{}, c.errAt(n.mask.pos, ErrInvalid, "invalid IPv4 address '%s'", n.mask.text)
		}
		mask = m << (32 - mbits)
		written += " mask " + n.mask.text
	}
	addr := v << (32 - bitsLen)
	if addr&^mask != 0 {
		return frag{}, c.errAt(pos, ErrInvalid, "non-network bits set in \"%s\"", written)
	}
	return c.host(addr, mask, q, pos)
}

// parseDotted parses two to four decimal numbers up to 255 separated by
// dots; it returns the value and its length in bits.
func parseDotted(s string) (uint32, uint, bool) {
	parts := strings.Split(s, ".")
	var v uint32
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || n > 255 {
			return 0, 0, false
		}
		v = v<<8 | uint32(n)
	}
	return v, uint(8 * len(parts)), true
}

// genHID6 handles an IPv6 address with an optional prefix length.
func (c *compiler) genHID6(n *idNode, q qual) (frag, error) {
	pos := n.pos
	a, err := netip.ParseAddr(n.id.text)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return frag{}, c.errAt(pos, ErrInvalid, "bogus IPv6 address %s", n.id.text)
	}
	switch q.addr {
	case kwPort, kwPortrange, kwProto:
		return frag{}, c.errAt(pos, ErrInvalid, "'%s' modifier applied to ip6 host", keywordName(q.addr))
	}
	plen := uint32(128)
	written := n.id.text
	if n.mask != nil {
		if n.mask.num > 128 {
			return frag{}, c.errAt(n.mask.pos, ErrInvalid, "mask length must be <= 128")
		}
		if q.addr != kwNet {
			return frag{}, c.errAt(pos, ErrInvalid, "mask syntax is for networks only (use \"net\")")
		}
		plen = n.mask.num
		written += "/" + n.mask.text
	}
	var mask [16]byte
	for i := uint32(0); i < plen; i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	addr := a.As16()
	for i := range addr {
		if addr[i]&^mask[i] != 0 {
			return frag{}, c.errAt(pos, ErrInvalid, "non-network bits set in \"%s\"", written)
		}
	}
	return c.host6(addr, mask, q, pos)
}

// genEID handles a MAC address.
func (c *compiler) genEID(n *idNode, q qual) (frag, error) {
	pos := n.pos
	if (q.addr != kwNone && q.addr != kwHost) || q.proto != kwLink {
		return frag{}, c.errAt(pos, ErrInvalid, "ethernet address used in non-ether expression")
	}
	mac, ok := parseMAC(n.id.text)
	if !ok {
		return frag{}, c.errAt(pos, ErrInvalid, "bogus ethernet address %s", n.id.text)
	}
	return c.etherHost(mac, q.dir, pos)
}

// parseMAC parses the MAC forms the lexer accepts.
func parseMAC(s string) ([6]byte, bool) {
	var mac [6]byte
	var digits []byte
	var groups []string
	if strings.ContainsAny(s, ":-.") {
		groups = strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == '-' || r == '.' })
	} else {
		groups = []string{s}
	}
	for _, g := range groups {
		if len(g)%2 == 1 {
			g = "0" + g
		}
		digits = append(digits, g...)
	}
	if len(digits) != 12 {
		return mac, false
	}
	for i := 0; i < 6; i++ {
		v, err := strconv.ParseUint(string(digits[2*i:2*i+2]), 16, 8)
		if err != nil {
			return mac, false
		}
		mac[i] = byte(v)
	}
	return mac, true
}

// macAt tests the 6-byte address at l (last four bytes first, as libpcap).
func (c *compiler) macAt(l loc, mac [6]byte) frag {
	return and(c.eq(4, l.add(2), binary.BigEndian.Uint32(mac[2:])), c.eq(2, l, uint32(binary.BigEndian.Uint16(mac[:2]))))
}

// etherHost tests link-layer source and destination addresses.
func (c *compiler) etherHost(mac [6]byte, dir dirQual, pos int) (frag, error) {
	hdr := c.st.hdr
	switch c.st.info.mac {
	case macEther:
		return c.dirop(dir, pos, func() frag { return c.macAt(hdr.add(6), mac) }, func() frag { return c.macAt(hdr, mac) })
	case macFDDI:
		return c.dirop(dir, pos, func() frag { return c.macAt(hdr.add(7), mac) }, func() frag { return c.macAt(hdr.add(1), mac) })
	case macIEEE80211:
		return c.dirop(dir, pos, func() frag { return c.wlanSA(func(l loc) frag { return c.macAt(l, mac) }) },
			func() frag { return c.wlanDA(func(l loc) frag { return c.macAt(l, mac) }) })
	}
	return frag{}, c.errAt(pos, ErrInvalid, "ethernet addresses are supported only on Ethernet, FDDI and 802.11, not on %s", c.st.name)
}

// wlanSA tests the 802.11 source address: in data frames it is the second,
// third or fourth address depending on the DS bits; in management frames
// the second; control frames have none.
func (c *compiler) wlanSA(at func(loc) frag) frag {
	h := c.st.hdr
	fc0 := func(bit uint32) frag { return c.test(c.load(1, h), JmpJSET, bit) }
	fc1 := func(bit uint32) frag { return c.test(c.load(1, h.add(1)), JmpJSET, bit) }
	data := and(fc1(0x02), or(and(fc1(0x01), at(h.add(24))), and(not(fc1(0x01)), at(h.add(16)))))
	data = or(data, and(not(fc1(0x02)), at(h.add(10))))
	return and(not(fc0(0x04)), or(and(fc0(0x08), data), and(not(fc0(0x08)), at(h.add(10)))))
}

// wlanDA tests the 802.11 destination address: in data frames the third
// address if ToDS is set, else the first; in management frames the first.
func (c *compiler) wlanDA(at func(loc) frag) frag {
	h := c.st.hdr
	fc0 := func(bit uint32) frag { return c.test(c.load(1, h), JmpJSET, bit) }
	fc1 := func(bit uint32) frag { return c.test(c.load(1, h.add(1)), JmpJSET, bit) }
	data := or(and(fc1(0x01), at(h.add(16))), and(not(fc1(0x01)), at(h.add(4))))
	return and(not(fc0(0x04)), or(and(fc0(0x08), data), and(not(fc0(0x08)), at(h.add(4)))))
}

// genName handles a name: a port or protocol name (hosts and networks by
// name need resolution, which Heron does not do).
func (c *compiler) genName(n *idNode, q qual) (frag, error) {
	pos, name := n.pos, n.id.text
	switch q.addr {
	case kwNone, kwHost, kwNet:
		if q.proto == kwLink {
			return frag{}, c.errAt(pos, ErrUnsupported, "Ethernet host names are not supported; write the MAC address")
		}
		return frag{}, c.errAt(pos, ErrUnsupported, "host and network names are not resolved; write the address (unknown host '%s')", name)
	case kwPort:
		proto, err := c.checkPortProto(q, pos, "port")
		if err != nil {
			return frag{}, err
		}
		port, real, ok := lookupPort(name)
		if !ok {
			return frag{}, c.errAt(pos, ErrInvalid, "unknown port '%s'", name)
		}
		real, err = c.narrowPortProto(proto, real, name, pos)
		if err != nil {
			return frag{}, err
		}
		if port > 65535 {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal port number %d > 65535", port)
		}
		return c.ports(real, q.dir, pos, portEq(uint32(port)))
	case kwPortrange:
		proto, err := c.checkPortProto(q, pos, "portrange")
		if err != nil {
			return frag{}, err
		}
		lo, hi, real, ok := lookupPortRange(name)
		if !ok {
			return frag{}, c.errAt(pos, ErrInvalid, "unknown port in range '%s'", name)
		}
		real, err = c.narrowPortProto(proto, real, name, pos)
		if err != nil {
			return frag{}, err
		}
		if lo > 65535 {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal port number %d > 65535", lo)
		}
		if hi > 65535 {
			return frag{}, c.errAt(pos, ErrInvalid, "illegal port number %d > 65535", hi)
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		return c.ports(real, q.dir, pos, portRange(uint32(lo), uint32(hi)))
	case kwProto:
		if q.proto == kwLink {
			v, ok := etherProtoNames[name]
			if !ok {
				return frag{}, c.errAt(pos, ErrInvalid, "unknown ether proto '%s'", name)
			}
			return c.linktype(v, pos)
		}
		switch q.proto {
		case kwNone, kwIP, kwIP6:
		default:
			return c.genProto(0, q, pos)
		}
		v, ok := lookupProtocol(name)
		if !ok {
			return frag{}, c.errAt(pos, ErrInvalid, "unknown ip proto '%s'", name)
		}
		return c.genProto(v, q, pos)
	}
	return frag{}, c.errAt(pos, ErrSyntax, "unexpected name %q", name)
}

// narrowPortProto combines the protocol a qualifier asks for with the one
// a service name belongs to.
func (c *compiler) narrowPortProto(want, real int, name string, pos int) (int, error) {
	if want == protoUndef {
		return real, nil
	}
	names := map[int]string{protoTCP: "tcp", protoUDP: "udp", protoSCTP: "sctp"}
	if real != protoUndef && real != want {
		return 0, c.errAt(pos, ErrInvalid, "port '%s' is %s", name, names[real])
	}
	return want, nil
}

// lookupPortRange resolves "lo-hi" where each side is a number or a
// service name.
func lookupPortRange(s string) (lo, hi, proto int, ok bool) {
	// Two numbers (anything may follow, as with sscanf "%d-%d").
	if a, rest, found := cutNumber(s); found && strings.HasPrefix(rest, "-") {
		if b, _, found := cutNumber(rest[1:]); found {
			return a, b, protoUndef, true
		}
	}
	first, second, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, 0, false
	}
	p1, pr1, ok1 := lookupPort(first)
	p2, pr2, ok2 := lookupPort(second)
	if !ok1 || !ok2 {
		return 0, 0, 0, false
	}
	proto = pr1
	if pr1 != pr2 {
		proto = protoUndef
	}
	return p1, p2, proto, true
}

// cutNumber reads a leading decimal number.
func cutNumber(s string) (int, string, bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || i > 9 {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:], true
}

func keywordName(kw keyword) string {
	switch kw {
	case kwPort:
		return "port"
	case kwPortrange:
		return "portrange"
	case kwProto:
		return "proto"
	}
	return "?"
}
