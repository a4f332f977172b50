package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// DefaultSnaplen is the value a matching program returns when no snapshot
// length is given (libpcap's and tcpdump's default).
const DefaultSnaplen = 262144

// Options configure CompileOptions.
type Options struct {
	// LinkType is the LINKTYPE_ (or DLT_) value of the packets the program
	// will see, as a pcap file or pktsrc.Frame states it.
	LinkType uint32
	// Snaplen is the value the program returns for a packet it accepts;
	// 0 or less means DefaultSnaplen. The match decision does not depend
	// on it.
	Snaplen int
	// NullByteOrder is the byte order of the address-family word of BSD
	// loopback (LinkTypeNull) headers, which is that of the host that
	// wrote the capture: use the trace file's byte order. nil means this
	// host's, which is what libpcap assumes for a file written on it.
	NullByteOrder binary.ByteOrder
}

// Program is a compiled filter. It is immutable and safe for concurrent
// use.
type Program struct {
	insns    []Instruction
	expr     string
	linkType uint32
}

// Compile compiles a capture filter in tcpdump's language (pcap-filter(7))
// for packets of the given link type; snaplen is the value returned for
// accepted packets (0 for the default). An empty expression accepts every
// packet. Errors are *Error values, which say what is wrong and at which
// column.
func Compile(expr string, linkType uint32, snaplen int) (*Program, error) {
	return CompileOptions(expr, Options{LinkType: linkType, Snaplen: snaplen})
}

// CompileOptions is Compile with all options.
func CompileOptions(expr string, opts Options) (*Program, error) {
	return compile(expr, opts, true)
}

// compile compiles expr; without optimization (for tests) the program is
// the code generator's, as libpcap's is with tcpdump -O.
func compile(expr string, opts Options, optimizeIt bool) (*Program, error) {
	info, ok := linkInfos[opts.LinkType]
	if !ok {
		return nil, &Error{Expr: expr, Pos: -1, Msg: fmt.Sprintf("filters are not supported on link type %d", opts.LinkType), Err: ErrUnsupported}
	}
	snaplen := uint32(DefaultSnaplen)
	if opts.Snaplen > 0 {
		snaplen = uint32(min(opts.Snaplen, 1<<31-1))
	}
	root, err := parse(expr)
	if err != nil {
		return nil, err
	}
	c, entry, err := generate(expr, opts, info, root, snaplen)
	if err != nil {
		return nil, err
	}
	// libpcap does not optimize programs that compute the 802.11 header
	// length at run time; they run as generated.
	if !c.plUsed && optimizeIt {
		opt, err := optimize(entry)
		switch {
		case errors.Is(err, errTooComplex):
			// Run it as generated: libpcap would take minutes or hours.
		case err != nil:
			return nil, &Error{Expr: expr, Pos: -1, Msg: err.Error(), Err: ErrInvalid}
		case opt.kind == blkRet && opt.ret == 0:
			return nil, &Error{Expr: expr, Pos: -1, Msg: "the expression rejects all packets", Err: ErrRejectsAll}
		default:
			entry = opt
		}
	}
	insns, err := linearize(entry)
	if err != nil {
		return nil, &Error{Expr: expr, Pos: -1, Msg: err.Error(), Err: ErrInvalid}
	}
	if err := Validate(insns); err != nil {
		return nil, fmt.Errorf("bpf: %q: internal error: %w", expr, err)
	}
	return &Program{insns: insns, expr: expr, linkType: opts.LinkType}, nil
}

// generate builds the block graph of a parsed expression, with its
// prologue, and returns the compiler (for what it found) and the entry.
func generate(expr string, opts Options, info *linkInfo, root node, snaplen uint32) (*compiler, *block, error) {
	c := newCompiler(expr, opts, info)
	var f frag
	if root == nil {
		f = c.constFrag(true)
	} else {
		var err error
		if f, err = c.gen(root); err != nil {
			return nil, nil, err
		}
	}
	accept := c.newBlock(blkRet)
	accept.ret = snaplen
	reject := c.newBlock(blkRet)
	patch(f.t, accept)
	patch(f.f, reject)
	return c, c.prologue(f.entry), nil
}

// prologue returns the code that computes the run-time header offsets of
// 802.11 captures (when a primitive uses them), followed by next.
func (c *compiler) prologue(next *block) *block {
	if !c.plUsed && !c.hdrUsed {
		return next
	}
	end := c.newBlock(blkGoto)
	end.jt = next
	x := stmt(ClassMISC|MiscTAX, 0)
	var start []Instruction
	if c.hdrReg >= 0 {
		// The radiotap header's length, little-endian at offset 2.
		start = []Instruction{
			stmt(ClassLD|SizeB|ModeABS, 3), stmt(ClassALU|AluLsh|SrcK, 8), x,
			stmt(ClassLD|SizeB|ModeABS, 2), stmt(ClassALU|AluOr|SrcX, 0),
			stmt(ClassST, uint32(c.hdrReg)),
		}
		if !c.plUsed {
			b := c.newBlock(blkGoto)
			b.stmts, b.jt = start, end
			return b
		}
		start = append(start, x, stmt(ClassALU|AluAdd|SrcK, 24), stmt(ClassST, uint32(c.plReg)),
			stmt(ClassLD|SizeB|ModeIND, 0))
	} else {
		start = []Instruction{
			stmt(ClassLD|ModeIMM, 24), stmt(ClassST, uint32(c.plReg)),
			stmt(ClassLD|SizeB|ModeABS, 0),
		}
	}
	// Data frames of a QoS subtype have two more bytes of header.
	after := end
	if c.hdrReg >= 0 {
		after = c.radiotapPadding(end)
	}
	isData := c.test(start, JmpJSET, 0x08)
	notCtl := not(c.test(nil, JmpJSET, 0x04))
	qos := c.test(nil, JmpJSET, 0x80)
	f := andAll(isData, notCtl)
	patch(f.f, end)
	patch(f.t, qos.entry)
	add := c.newBlock(blkGoto)
	add.stmts = []Instruction{stmt(ClassLD|ModeMEM, uint32(c.plReg)), stmt(ClassALU|AluAdd|SrcK, 2), stmt(ClassST, uint32(c.plReg))}
	add.jt = after
	patch(qos.t, add)
	patch(qos.f, after)
	return f.entry
}

// radiotapPadding rounds the 802.11 header length up to a multiple of 4
// when the radiotap flags say the frame has padding after the header.
func (c *compiler) radiotapPadding(end *block) *block {
	// The present-flags word, read big-endian: FLAGS (bit 1) present, no
	// extension (bit 31), flags at 8 or after the 8-byte TSFT at 16.
	present := c.test([]Instruction{stmt(ClassLD|ModeABS, 4)}, JmpJSET, 0x02000000)
	noExt := not(c.test(nil, JmpJSET, 0x80))
	tsft := c.test(nil, JmpJSET, 0x01000000)
	f16 := c.test([]Instruction{stmt(ClassLD|SizeB|ModeABS, 16)}, JmpJSET, 0x20)
	f8 := c.test([]Instruction{stmt(ClassLD|SizeB|ModeABS, 8)}, JmpJSET, 0x20)
	patch(tsft.t, f16.entry)
	patch(tsft.f, f8.entry)
	pad := frag{entry: tsft.entry, t: append(f16.t, f8.t...), f: append(f16.f, f8.f...)}
	f := andAll(present, noExt, pad)
	round := c.newBlock(blkGoto)
	round.stmts = []Instruction{stmt(ClassLD|ModeMEM, uint32(c.plReg)), stmt(ClassALU|AluAdd|SrcK, 3),
		stmt(ClassALU|AluAnd|SrcK, 0xfffffffc), stmt(ClassST, uint32(c.plReg))}
	round.jt = end
	patch(f.t, round)
	patch(f.f, end)
	return f.entry
}

// LoadProgram checks a program built elsewhere (for instance by libpcap,
// as tcpdump -ddd prints it) and returns it for Match. The slice is
// copied.
func LoadProgram(insns []Instruction) (*Program, error) {
	if err := Validate(insns); err != nil {
		return nil, err
	}
	return &Program{insns: append([]Instruction(nil), insns...)}, nil
}

// Match reports whether the program accepts a packet whose captured bytes
// are pkt and whose length on the wire was wireLen (len(pkt) if wireLen is
// less than that). pkt is only read, and not retained. Match allocates
// nothing.
func (p *Program) Match(pkt []byte, wireLen int) bool {
	return p.Run(pkt, wireLen) != 0
}

// Run runs the program on a packet and returns its result: 0 to reject,
// else the number of bytes to keep (the snapshot length for compiled
// filters).
func (p *Program) Run(pkt []byte, wireLen int) uint32 {
	if wireLen < len(pkt) {
		wireLen = len(pkt)
	}
	w := uint64(wireLen)
	if w > 0xffffffff {
		w = 0xffffffff
	}
	return run(p.insns, pkt, uint32(w))
}

// Instructions returns a copy of the program.
func (p *Program) Instructions() []Instruction { return append([]Instruction(nil), p.insns...) }

// SockFilter returns the program as the filter array of the struct
// sock_fprog that Linux's SO_ATTACH_FILTER socket option takes (Instruction
// has struct sock_filter's layout), or an error if the kernel would refuse
// it for its length. Attaching it is the caller's business.
func (p *Program) SockFilter() ([]Instruction, error) {
	if len(p.insns) > MaxInstructions {
		return nil, fmt.Errorf("bpf: the filter has %d instructions; the kernel accepts at most %d", len(p.insns), MaxInstructions)
	}
	return p.Instructions(), nil
}

// Len returns the number of instructions.
func (p *Program) Len() int { return len(p.insns) }

// Expr returns the expression the program was compiled from ("" for
// LoadProgram).
func (p *Program) Expr() string { return p.expr }

// LinkType returns the link type the program was compiled for (0 for
// LoadProgram).
func (p *Program) LinkType() uint32 { return p.linkType }

// String returns the program in tcpdump -d notation.
func (p *Program) String() string { return Disassemble(p.insns) }
