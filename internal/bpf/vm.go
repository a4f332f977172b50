package bpf

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// maxVMInstructions bounds the programs the interpreter accepts. The
// kernel's limit is MaxInstructions; libpcap's interpreter has none, and
// large filters (long host lists) can exceed the kernel's.
const maxVMInstructions = 1 << 16

// ErrInvalidProgram is wrapped by the errors Validate returns.
var ErrInvalidProgram = errors.New("bpf: invalid program")

// Validate checks that insns is a program the interpreter (and, if it has
// at most MaxInstructions instructions, the Linux kernel) can run: every
// opcode is known, every jump lands inside the program and goes forward,
// scratch memory indexes are below MemWords, no division or modulus by a
// constant zero, and the last instruction returns. Validated programs
// always terminate, since jumps only go forward.
func Validate(insns []Instruction) error {
	if len(insns) == 0 {
		return fmt.Errorf("%w: empty program", ErrInvalidProgram)
	}
	if len(insns) > maxVMInstructions {
		return fmt.Errorf("%w: %d instructions (at most %d)", ErrInvalidProgram, len(insns), maxVMInstructions)
	}
	n := uint64(len(insns))
	for pc, in := range insns {
		bad := func(what string) error {
			return fmt.Errorf("%w: instruction %d (%s): %s", ErrInvalidProgram, pc, in, what)
		}
		switch class(in.Code) {
		case ClassLD:
			switch in.Code {
			case ClassLD | SizeW | ModeIMM, ClassLD | SizeW | ModeLEN:
			case ClassLD | SizeW | ModeABS, ClassLD | SizeH | ModeABS, ClassLD | SizeB | ModeABS,
				ClassLD | SizeW | ModeIND, ClassLD | SizeH | ModeIND, ClassLD | SizeB | ModeIND:
			case ClassLD | SizeW | ModeMEM:
				if in.K >= MemWords {
					return bad("scratch memory index out of range")
				}
			default:
				return bad("unknown load")
			}
		case ClassLDX:
			switch in.Code {
			case ClassLDX | SizeW | ModeIMM, ClassLDX | SizeW | ModeLEN, ClassLDX | SizeB | ModeMSH:
			case ClassLDX | SizeW | ModeMEM:
				if in.K >= MemWords {
					return bad("scratch memory index out of range")
				}
			default:
				return bad("unknown load")
			}
		case ClassST, ClassSTX:
			if in.Code&^0x07 != 0 {
				return bad("unknown store")
			}
			if in.K >= MemWords {
				return bad("scratch memory index out of range")
			}
		case ClassALU:
			op := in.Code & 0xf0
			if _, ok := aluNames[op]; !ok || in.Code&^0xff != 0 || in.Code&0x07 != ClassALU {
				return bad("unknown arithmetic operation")
			}
			if op == AluNeg {
				if in.Code&SrcX != 0 {
					return bad("unknown arithmetic operation")
				}
			} else if in.Code&SrcX == 0 && (op == AluDiv || op == AluMod) && in.K == 0 {
				return bad("division by zero")
			}
		case ClassJMP:
			op := in.Code & 0xf0
			if in.Code&^0xff != 0 {
				return bad("unknown jump")
			}
			if op == JmpJA {
				if in.Code != ClassJMP|JmpJA {
					return bad("unknown jump")
				}
				if uint64(pc)+1+uint64(in.K) >= n {
					return bad("jump out of the program")
				}
				continue
			}
			if _, ok := jmpNames[op]; !ok {
				return bad("unknown jump")
			}
			if uint64(pc)+1+uint64(in.Jt) >= n || uint64(pc)+1+uint64(in.Jf) >= n {
				return bad("jump out of the program")
			}
		case ClassRET:
			switch in.Code {
			case ClassRET | RetK, ClassRET | RetA:
			default:
				return bad("unknown return")
			}
		case ClassMISC:
			switch in.Code {
			case ClassMISC | MiscTAX, ClassMISC | MiscTXA:
			default:
				return bad("unknown operation")
			}
		}
	}
	if class(insns[len(insns)-1].Code) != ClassRET {
		return fmt.Errorf("%w: the last instruction does not return", ErrInvalidProgram)
	}
	return nil
}

// run interprets a validated program on a packet whose captured bytes are
// pkt and whose length on the wire was wireLen, with the semantics of
// libpcap's and the kernel's interpreters: A, X and the scratch memory start
// at zero, multi-byte loads are big-endian, a load outside the captured
// bytes or a division by zero ends the program with 0, and shifts use the
// low five bits of their count (as the x86 shift instructions those
// interpreters compile to do). It allocates nothing.
func run(insns []Instruction, pkt []byte, wireLen uint32) uint32 {
	var a, x uint32
	var mem [MemWords]uint32
	n := uint64(len(pkt))
	for pc := 0; pc < len(insns); pc++ {
		in := insns[pc]
		switch in.Code {
		case ClassLD | SizeW | ModeABS:
			k := uint64(in.K)
			if k+4 > n {
				return 0
			}
			a = binary.BigEndian.Uint32(pkt[k:])
		case ClassLD | SizeH | ModeABS:
			k := uint64(in.K)
			if k+2 > n {
				return 0
			}
			a = uint32(binary.BigEndian.Uint16(pkt[k:]))
		case ClassLD | SizeB | ModeABS:
			k := uint64(in.K)
			if k >= n {
				return 0
			}
			a = uint32(pkt[k])
		case ClassLD | SizeW | ModeIND:
			k := uint64(in.K) + uint64(x)
			if k+4 > n {
				return 0
			}
			a = binary.BigEndian.Uint32(pkt[k:])
		case ClassLD | SizeH | ModeIND:
			k := uint64(in.K) + uint64(x)
			if k+2 > n {
				return 0
			}
			a = uint32(binary.BigEndian.Uint16(pkt[k:]))
		case ClassLD | SizeB | ModeIND:
			k := uint64(in.K) + uint64(x)
			if k >= n {
				return 0
			}
			a = uint32(pkt[k])
		case ClassLD | SizeW | ModeLEN:
			a = wireLen
		case ClassLD | SizeW | ModeIMM:
			a = in.K
		case ClassLD | SizeW | ModeMEM:
			a = mem[in.K&(MemWords-1)]
		case ClassLDX | SizeW | ModeIMM:
			x = in.K
		case ClassLDX | SizeW | ModeLEN:
			x = wireLen
		case ClassLDX | SizeW | ModeMEM:
			x = mem[in.K&(MemWords-1)]
		case ClassLDX | SizeB | ModeMSH:
			k := uint64(in.K)
			if k >= n {
				return 0
			}
			x = uint32(pkt[k]&0xf) << 2
		case ClassST:
			mem[in.K&(MemWords-1)] = a
		case ClassSTX:
			mem[in.K&(MemWords-1)] = x
		case ClassALU | AluAdd | SrcK:
			a += in.K
		case ClassALU | AluSub | SrcK:
			a -= in.K
		case ClassALU | AluMul | SrcK:
			a *= in.K
		case ClassALU | AluDiv | SrcK:
			if in.K == 0 {
				return 0
			}
			a /= in.K
		case ClassALU | AluMod | SrcK:
			if in.K == 0 {
				return 0
			}
			a %= in.K
		case ClassALU | AluAnd | SrcK:
			a &= in.K
		case ClassALU | AluOr | SrcK:
			a |= in.K
		case ClassALU | AluXor | SrcK:
			a ^= in.K
		case ClassALU | AluLsh | SrcK:
			a <<= in.K & 31
		case ClassALU | AluRsh | SrcK:
			a >>= in.K & 31
		case ClassALU | AluAdd | SrcX:
			a += x
		case ClassALU | AluSub | SrcX:
			a -= x
		case ClassALU | AluMul | SrcX:
			a *= x
		case ClassALU | AluDiv | SrcX:
			if x == 0 {
				return 0
			}
			a /= x
		case ClassALU | AluMod | SrcX:
			if x == 0 {
				return 0
			}
			a %= x
		case ClassALU | AluAnd | SrcX:
			a &= x
		case ClassALU | AluOr | SrcX:
			a |= x
		case ClassALU | AluXor | SrcX:
			a ^= x
		case ClassALU | AluLsh | SrcX:
			a <<= x & 31
		case ClassALU | AluRsh | SrcX:
			a >>= x & 31
		case ClassALU | AluNeg:
			a = -a
		case ClassJMP | JmpJA:
			pc += int(in.K)
		case ClassJMP | JmpJEQ | SrcK:
			pc += branch(a == in.K, in)
		case ClassJMP | JmpJGT | SrcK:
			pc += branch(a > in.K, in)
		case ClassJMP | JmpJGE | SrcK:
			pc += branch(a >= in.K, in)
		case ClassJMP | JmpJSET | SrcK:
			pc += branch(a&in.K != 0, in)
		case ClassJMP | JmpJEQ | SrcX:
			pc += branch(a == x, in)
		case ClassJMP | JmpJGT | SrcX:
			pc += branch(a > x, in)
		case ClassJMP | JmpJGE | SrcX:
			pc += branch(a >= x, in)
		case ClassJMP | JmpJSET | SrcX:
			pc += branch(a&x != 0, in)
		case ClassRET | RetK:
			return in.K
		case ClassRET | RetA:
			return a
		case ClassMISC | MiscTAX:
			x = a
		case ClassMISC | MiscTXA:
			a = x
		default:
			// Validate admits no other opcode.
			return 0
		}
	}
	return 0
}

func branch(cond bool, in Instruction) int {
	if cond {
		return int(in.Jt)
	}
	return int(in.Jf)
}
