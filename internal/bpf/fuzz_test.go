package bpf

import (
	"encoding/binary"
	"errors"
	"testing"
)

// fuzzLinkTypes are the link types the fuzz targets choose from.
var fuzzLinkTypes = []uint32{
	LinkTypeEthernet, LinkTypeRaw, LinkTypeNull, LinkTypeLoop, LinkTypeLinuxSLL, LinkTypeLinuxSLL2,
	LinkTypePPP, LinkTypeFDDI, LinkTypeIEEE80211, LinkTypeRadiotap, LinkTypeIPv4, LinkTypeIPv6, LinkTypeNFLOG,
}

// FuzzCompile compiles arbitrary expressions: no panics; errors are
// *Error values with a position inside the expression; compiled programs
// are valid, acceptable to the kernel (scratch memory written before it is
// read), and run on arbitrary packets without panicking.
func FuzzCompile(f *testing.F) {
	for i, e := range diffExprs {
		f.Add(e, byte(i), []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0, 0x45, 0, 0, 40})
	}
	f.Fuzz(func(t *testing.T, expr string, lt byte, pkt []byte) {
		if len(expr) > 1024 {
			return
		}
		linkType := fuzzLinkTypes[int(lt)%len(fuzzLinkTypes)]
		p, err := Compile(expr, linkType, 1000)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%q: error %v is not an *Error", expr, err)
			}
			if e.Pos < -1 || e.Pos > len(expr) || e.Msg == "" || e.Expr != expr {
				t.Fatalf("%q: bad error %#v", expr, e)
			}
			if e.Err != ErrSyntax && e.Err != ErrInvalid && e.Err != ErrUnsupported && e.Err != ErrRejectsAll {
				t.Fatalf("%q: error %v has no kind", expr, err)
			}
			return
		}
		if err := Validate(p.insns); err != nil {
			t.Fatalf("%q: %v", expr, err)
		}
		if err := checkMemInit(p.insns); err != nil {
			t.Fatalf("%q: %v\n%s", expr, err, p)
		}
		for n := 0; n <= len(pkt); n += 1 + n/4 {
			if r := p.Run(pkt[:n], len(pkt)); r != 0 && r != 1000 {
				t.Fatalf("%q: returned %d", expr, r)
			}
		}
		// The optimizer must not change the decision on a packet that
		// neither program reads past the end of.
		u, err := compile(expr, Options{LinkType: linkType, Snaplen: 1000}, false)
		if err != nil {
			return // longer than the interpreter takes
		}
		long := append(append([]byte(nil), pkt...), make([]byte, 256)...)
		for _, data := range [][]byte{pkt, long} {
			r1, oob1 := refRunChecked(p.insns, data, uint32(len(data)))
			r2, oob2 := refRunChecked(u.insns, data, uint32(len(data)))
			if !oob1 && !oob2 && r1 != r2 {
				t.Fatalf("%q: optimized %d, as generated %d on %x\noptimized:\n%s\ngenerated:\n%s", expr, r1, r2, data, p, u)
			}
		}
	})
}

// checkMemInit checks, as the Linux kernel does before it accepts a
// classic BPF program, that no path reads a scratch memory cell before
// writing it.
func checkMemInit(insns []Instruction) error {
	const all = 1<<MemWords - 1
	valid := make([]uint32, len(insns)) // cells written on every path to pc
	reached := make([]bool, len(insns))
	for i := range valid {
		valid[i] = all
	}
	valid[0], reached[0] = 0, true
	for pc, in := range insns {
		if !reached[pc] {
			continue
		}
		m := valid[pc]
		switch {
		case in.Code == ClassLD|ModeMEM || in.Code == ClassLDX|ModeMEM:
			if m&(1<<in.K) == 0 {
				return errors.New("scratch memory read before it is written")
			}
		case class(in.Code) == ClassST || class(in.Code) == ClassSTX:
			m |= 1 << in.K
		}
		flow := func(to int) {
			if !reached[to] {
				reached[to], valid[to] = true, m
			} else {
				valid[to] &= m
			}
		}
		switch class(in.Code) {
		case ClassRET:
		case ClassJMP:
			if in.Code&0xf0 == JmpJA {
				flow(pc + 1 + int(in.K))
			} else {
				flow(pc + 1 + int(in.Jt))
				flow(pc + 1 + int(in.Jf))
			}
		default:
			flow(pc + 1)
		}
	}
	return nil
}

// FuzzRun runs arbitrary valid programs on arbitrary packets and compares
// the interpreter with a plainly written reference.
func FuzzRun(f *testing.F) {
	p, _ := Compile("tcp port 80 and ip[2:2] / 4 > ip[0] % 7", LinkTypeEthernet, 0)
	var prog []byte
	for _, in := range p.insns {
		prog = binary.LittleEndian.AppendUint16(prog, in.Code)
		prog = append(prog, in.Jt, in.Jf)
		prog = binary.LittleEndian.AppendUint32(prog, in.K)
	}
	f.Add(prog, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 8, 0, 0x45, 0, 0, 40}, uint16(60))
	f.Fuzz(func(t *testing.T, prog, pkt []byte, wire uint16) {
		var insns []Instruction
		for len(prog) >= 8 {
			insns = append(insns, Instruction{
				Code: binary.LittleEndian.Uint16(prog), Jt: prog[2], Jf: prog[3], K: binary.LittleEndian.Uint32(prog[4:]),
			})
			prog = prog[8:]
		}
		if Validate(insns) != nil {
			return
		}
		got := run(insns, pkt, uint32(wire))
		if want := refRun(insns, pkt, uint32(wire)); got != want {
			t.Fatalf("run = %d, reference = %d\n%s", got, want, Disassemble(insns))
		}
	})
}

// refRun is a straightforward classic BPF interpreter for FuzzRun.
func refRun(insns []Instruction, pkt []byte, wire uint32) uint32 {
	r, _ := refRunChecked(insns, pkt, wire)
	return r
}

// refRunChecked also reports whether the program stopped because it read
// past the end of the packet.
func refRunChecked(insns []Instruction, pkt []byte, wire uint32) (ret uint32, oob bool) {
	var a, x uint32
	var m [MemWords]uint32
	get := func(off int64, size int64) (uint32, bool) {
		if off < 0 || off+size > int64(len(pkt)) {
			return 0, false
		}
		var v uint32
		for i := int64(0); i < size; i++ {
			v = v<<8 | uint32(pkt[off+i])
		}
		return v, true
	}
	sizes := map[uint16]int64{SizeW: 4, SizeH: 2, SizeB: 1}
	for pc := 0; pc < len(insns); pc++ {
		in := insns[pc]
		switch class(in.Code) {
		case ClassLD:
			switch in.Code & 0xe0 {
			case ModeIMM:
				a = in.K
			case ModeLEN:
				a = wire
			case ModeMEM:
				a = m[in.K]
			case ModeABS, ModeIND:
				off := int64(in.K)
				if in.Code&0xe0 == ModeIND {
					off += int64(x)
				}
				v, ok := get(off, sizes[in.Code&0x18])
				if !ok {
					return 0, true
				}
				a = v
			}
		case ClassLDX:
			switch in.Code & 0xe0 {
			case ModeIMM:
				x = in.K
			case ModeLEN:
				x = wire
			case ModeMEM:
				x = m[in.K]
			case ModeMSH:
				v, ok := get(int64(in.K), 1)
				if !ok {
					return 0, true
				}
				x = 4 * (v & 15)
			}
		case ClassST:
			m[in.K] = a
		case ClassSTX:
			m[in.K] = x
		case ClassALU:
			b := in.K
			if in.Code&SrcX != 0 {
				b = x
			}
			switch in.Code & 0xf0 {
			case AluNeg:
				a = 0 - a
			case AluDiv, AluMod:
				if b == 0 {
					return 0, false
				}
				if in.Code&0xf0 == AluDiv {
					a /= b
				} else {
					a %= b
				}
			case AluLsh:
				a <<= b % 32
			case AluRsh:
				a >>= b % 32
			default:
				a = foldALU(in.Code&0xf0, a, b)
			}
		case ClassJMP:
			if in.Code&0xf0 == JmpJA {
				pc += int(in.K)
				continue
			}
			b := in.K
			if in.Code&SrcX != 0 {
				b = x
			}
			var c bool
			switch in.Code & 0xf0 {
			case JmpJEQ:
				c = a == b
			case JmpJGT:
				c = a > b
			case JmpJGE:
				c = a >= b
			case JmpJSET:
				c = a&b != 0
			}
			if c {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case ClassRET:
			if in.Code&0x18 == RetA {
				return a, false
			}
			return in.K, false
		case ClassMISC:
			if in.Code&0xf8 == MiscTAX {
				x = a
			} else {
				a = x
			}
		}
	}
	return 0, false
}
