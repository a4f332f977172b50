package bpf

import (
	"fmt"
	"strings"
)

// Instruction is one classic BPF instruction. Its layout (a 16-bit opcode,
// two 8-bit jump offsets, a 32-bit operand; 8 bytes, no padding) is that of
// Linux's struct sock_filter, so a []Instruction can be handed to the
// SO_ATTACH_FILTER socket option as the filter array of a struct sock_fprog.
type Instruction struct {
	Code uint16 // class | size | mode, class | op | source, ...
	Jt   uint8  // instructions to skip when a conditional jump is true
	Jf   uint8  // instructions to skip when a conditional jump is false
	K    uint32 // operand
}

// Instruction classes, sizes, modes, operations and sources: the bits of
// Instruction.Code, with the values every classic BPF implementation uses.
const (
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	SizeW = 0x00 // 32 bits
	SizeH = 0x08 // 16 bits
	SizeB = 0x10 // 8 bits

	ModeIMM = 0x00 // constant
	ModeABS = 0x20 // packet at a constant offset
	ModeIND = 0x40 // packet at X plus a constant offset
	ModeMEM = 0x60 // scratch memory
	ModeLEN = 0x80 // packet length on the wire
	ModeMSH = 0xa0 // 4 * (packet byte & 0xf), the IPv4 header length

	AluAdd = 0x00
	AluSub = 0x10
	AluMul = 0x20
	AluDiv = 0x30
	AluOr  = 0x40
	AluAnd = 0x50
	AluLsh = 0x60
	AluRsh = 0x70
	AluNeg = 0x80
	AluMod = 0x90
	AluXor = 0xa0

	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40

	SrcK = 0x00 // operand is K
	SrcX = 0x08 // operand is X

	RetK = 0x00 // return K
	RetA = 0x10 // return A

	MiscTAX = 0x00
	MiscTXA = 0x80
)

// MemWords is the number of 32-bit scratch memory cells (M[0] to M[15]).
const MemWords = 16

// MaxInstructions is the longest program the Linux kernel accepts
// (BPF_MAXINSNS).
const MaxInstructions = 4096

func class(code uint16) uint16 { return code & 0x07 }

// stmt builds a non-jump instruction.
func stmt(code uint16, k uint32) Instruction { return Instruction{Code: code, K: k} }

// String returns the instruction in the notation of tcpdump -d, without the
// line number; jump targets are shown as relative offsets.
func (in Instruction) String() string { return in.format(-1) }

// format renders the instruction as libpcap's bpf_image does; pc >= 0 turns
// jump offsets into absolute instruction numbers, as tcpdump -d prints
// them.
func (in Instruction) format(pc int) string {
	k := in.K
	sk := int32(k) // libpcap prints offsets and decimal operands as signed
	target := func(off uint32) string {
		if pc < 0 {
			return fmt.Sprintf("+%d", off)
		}
		return fmt.Sprintf("%d", uint32(pc)+1+off)
	}
	op, operand := "unknown", fmt.Sprintf("0x%04x %d %d 0x%x", in.Code, in.Jt, in.Jf, k)
	sizes := map[uint16]string{SizeW: "", SizeH: "h", SizeB: "b"}
	switch class(in.Code) {
	case ClassLD:
		switch in.Code & 0xe0 {
		case ModeIMM:
			op, operand = "ld", fmt.Sprintf("#0x%x", k)
		case ModeABS:
			op, operand = "ld"+sizes[in.Code&0x18], fmt.Sprintf("[%d]", sk)
		case ModeIND:
			op, operand = "ld"+sizes[in.Code&0x18], fmt.Sprintf("[x + %d]", sk)
		case ModeMEM:
			op, operand = "ld", fmt.Sprintf("M[%d]", sk)
		case ModeLEN:
			op, operand = "ld", "#pktlen"
		}
	case ClassLDX:
		switch in.Code & 0xe0 {
		case ModeIMM:
			op, operand = "ldx", fmt.Sprintf("#0x%x", k)
		case ModeMEM:
			op, operand = "ldx", fmt.Sprintf("M[%d]", sk)
		case ModeLEN:
			op, operand = "ldx", "#pktlen"
		case ModeMSH:
			op, operand = "ldxb", fmt.Sprintf("4*([%d]&0xf)", sk)
		}
	case ClassST:
		op, operand = "st", fmt.Sprintf("M[%d]", sk)
	case ClassSTX:
		op, operand = "stx", fmt.Sprintf("M[%d]", sk)
	case ClassALU:
		name, ok := aluNames[in.Code&0xf0]
		if !ok {
			break
		}
		switch {
		case in.Code&0xf0 == AluNeg:
			op, operand = name, ""
		case in.Code&SrcX != 0:
			op, operand = name, "x"
		case in.Code&0xf0 == AluAnd || in.Code&0xf0 == AluOr || in.Code&0xf0 == AluXor:
			op, operand = name, fmt.Sprintf("#0x%x", k)
		default:
			op, operand = name, fmt.Sprintf("#%d", sk)
		}
	case ClassJMP:
		if in.Code&0xf0 == JmpJA {
			op, operand = "ja", target(k)
			break
		}
		name, ok := jmpNames[in.Code&0xf0]
		if !ok {
			break
		}
		operand = fmt.Sprintf("#0x%x", k)
		if in.Code&SrcX != 0 {
			operand = "x"
		}
		return fmt.Sprintf("%-8s %-16s jt %s\tjf %s", name, operand, target(uint32(in.Jt)), target(uint32(in.Jf)))
	case ClassRET:
		switch in.Code & 0x18 {
		case RetA:
			op, operand = "ret", ""
		case RetK:
			op, operand = "ret", fmt.Sprintf("#%d", sk)
		}
	case ClassMISC:
		switch in.Code & 0xf8 {
		case MiscTAX:
			op, operand = "tax", ""
		case MiscTXA:
			op, operand = "txa", ""
		}
	}
	return fmt.Sprintf("%-8s %s", op, operand)
}

var aluNames = map[uint16]string{
	AluAdd: "add", AluSub: "sub", AluMul: "mul", AluDiv: "div", AluOr: "or",
	AluAnd: "and", AluLsh: "lsh", AluRsh: "rsh", AluNeg: "neg", AluMod: "mod", AluXor: "xor",
}

var jmpNames = map[uint16]string{JmpJEQ: "jeq", JmpJGT: "jgt", JmpJGE: "jge", JmpJSET: "jset"}

// Disassemble renders a program one instruction a line in the notation of
// tcpdump -d ("(000) ldh      [12]").
func Disassemble(insns []Instruction) string {
	var b strings.Builder
	for pc, in := range insns {
		fmt.Fprintf(&b, "(%03d) %s\n", pc, in.format(pc))
	}
	return b.String()
}
