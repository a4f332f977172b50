package udpmirror

import (
	"fmt"

	"github.com/heron-nsm/heron/internal/bpf"
)

// noSocket is what the steering program returns for a datagram it cannot
// place (no IP packet inside): an index past the group's end, on which the
// kernel falls back to its own hash of the outer addresses and ports.
const noSocket = 0xffffffff

// hashMul spreads the folded address hash over the upper bits (Fibonacci
// hashing: 2^32 divided by the golden ratio).
const hashMul = 0x9e3779b1

// steeringProgram returns the classic BPF program a reuseport group of n
// sockets attaches with SO_ATTACH_REUSEPORT_CBPF. For UDP the kernel runs
// it on the datagram's payload (the encapsulation header is at offset 0)
// and delivers the datagram to the socket whose index it returns.
//
// The program finds the inner packet's IP header (behind up to two VLAN
// tags for an Ethernet payload), XORs the source and destination addresses
// (all four words of each for IPv6) and reduces the result to 0..n-1; XOR
// does not change when the two addresses swap places, so both directions
// of a connection, and every fragment of a datagram, pick the same socket.
// Datagrams without an inner IPv4 or IPv6 header return noSocket. A load
// past the end of a short datagram ends a classic BPF program with 0, so
// those go to the first socket.
func steeringProgram(enc Encap, n int) ([]bpf.Instruction, error) {
	if n < 1 {
		return nil, fmt.Errorf("udpmirror: steering needs at least one socket, not %d", n)
	}
	var a asm
	const (
		mAcc  = 0 // the running XOR
		mTmp  = 1
		mBase = 2 // offset of the inner IPv6 header
	)
	if enc == Geneve {
		// X = 8 + 4*optlen, the start of the payload.
		a.op(bpf.ClassLD|bpf.SizeB|bpf.ModeABS, 0)
		a.op(bpf.ClassALU|bpf.AluAnd|bpf.SrcK, 0x3f)
		a.op(bpf.ClassALU|bpf.AluLsh|bpf.SrcK, 2)
		a.op(bpf.ClassALU|bpf.AluAdd|bpf.SrcK, headerLen)
		a.op(bpf.ClassMISC|bpf.MiscTAX, 0)
		a.op(bpf.ClassLD|bpf.SizeH|bpf.ModeABS, 2) // protocol type
		a.jeq(protoEthernet, "eth", "")
		a.jeq(protoIPv4, "ip4", "")
		a.jeq(protoIPv6, "ip6", "other")
	} else {
		a.op(bpf.ClassLDX|bpf.SizeW|bpf.ModeIMM, headerLen)
	}
	// An Ethernet frame at X: skip up to two VLAN tags, then X += 14.
	a.label("eth")
	a.op(bpf.ClassLD|bpf.SizeH|bpf.ModeIND, 12)
	for i := range 2 {
		next := fmt.Sprintf("tag%d", i)
		a.jeq(0x8100, next, "")
		a.jeq(0x88a8, next, "l2end")
		a.label(next)
		a.op(bpf.ClassMISC|bpf.MiscTXA, 0)
		a.op(bpf.ClassALU|bpf.AluAdd|bpf.SrcK, 4)
		a.op(bpf.ClassMISC|bpf.MiscTAX, 0)
		a.op(bpf.ClassLD|bpf.SizeH|bpf.ModeIND, 12)
	}
	a.label("l2end")
	a.op(bpf.ClassST, mTmp)
	a.op(bpf.ClassMISC|bpf.MiscTXA, 0)
	a.op(bpf.ClassALU|bpf.AluAdd|bpf.SrcK, 14)
	a.op(bpf.ClassMISC|bpf.MiscTAX, 0)
	a.op(bpf.ClassLD|bpf.SizeW|bpf.ModeMEM, mTmp)
	a.jeq(protoIPv4, "ip4", "")
	a.jeq(protoIPv6, "ip6", "other")

	// IPv4 at X: A = src ^ dst.
	a.label("ip4")
	a.op(bpf.ClassLD|bpf.SizeW|bpf.ModeIND, 12)
	a.op(bpf.ClassST, mAcc)
	a.op(bpf.ClassLD|bpf.SizeW|bpf.ModeIND, 16)
	a.op(bpf.ClassLDX|bpf.SizeW|bpf.ModeMEM, mAcc)
	a.op(bpf.ClassALU|bpf.AluXor|bpf.SrcX, 0)
	a.ja("mix")

	// IPv6 at X: A = XOR of the eight address words.
	a.label("ip6")
	a.op(bpf.ClassSTX, mBase)
	a.op(bpf.ClassLD|bpf.SizeW|bpf.ModeIND, 8)
	a.op(bpf.ClassST, mAcc)
	for off := uint32(12); off < 40; off += 4 {
		a.op(bpf.ClassLDX|bpf.SizeW|bpf.ModeMEM, mBase)
		a.op(bpf.ClassLD|bpf.SizeW|bpf.ModeIND, off)
		a.op(bpf.ClassLDX|bpf.SizeW|bpf.ModeMEM, mAcc)
		a.op(bpf.ClassALU|bpf.AluXor|bpf.SrcX, 0)
		a.op(bpf.ClassST, mAcc)
	}

	// A ^= A >> 16; A *= hashMul; A >>= 16; return A % n.
	a.label("mix")
	a.op(bpf.ClassST, mTmp)
	a.op(bpf.ClassALU|bpf.AluRsh|bpf.SrcK, 16)
	a.op(bpf.ClassLDX|bpf.SizeW|bpf.ModeMEM, mTmp)
	a.op(bpf.ClassALU|bpf.AluXor|bpf.SrcX, 0)
	a.op(bpf.ClassALU|bpf.AluMul|bpf.SrcK, hashMul)
	a.op(bpf.ClassALU|bpf.AluRsh|bpf.SrcK, 16)
	a.op(bpf.ClassALU|bpf.AluMod|bpf.SrcK, uint32(n))
	a.op(bpf.ClassRET|bpf.RetA, 0)

	a.label("other")
	a.op(bpf.ClassRET|bpf.RetK, noSocket)
	return a.assemble()
}

// asm collects classic BPF instructions with forward jumps to named
// labels and resolves them.
type asm struct {
	insns  []bpf.Instruction
	jumps  []jump
	labels map[string]int
}

// jump is a conditional or unconditional jump waiting for its targets;
// an empty name means the next instruction.
type jump struct {
	at     int
	jt, jf string
	always bool
}

func (a *asm) op(code uint16, k uint32) {
	a.insns = append(a.insns, bpf.Instruction{Code: code, K: k})
}

// jeq jumps to jt when A == k and to jf otherwise.
func (a *asm) jeq(k uint32, jt, jf string) {
	a.jumps = append(a.jumps, jump{at: len(a.insns), jt: jt, jf: jf})
	a.op(bpf.ClassJMP|bpf.JmpJEQ|bpf.SrcK, k)
}

// ja jumps to label.
func (a *asm) ja(label string) {
	a.jumps = append(a.jumps, jump{at: len(a.insns), jt: label, always: true})
	a.op(bpf.ClassJMP|bpf.JmpJA, 0)
}

func (a *asm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.insns)
}

func (a *asm) assemble() ([]bpf.Instruction, error) {
	offset := func(from int, name string) (int, error) {
		if name == "" {
			return 0, nil
		}
		to, ok := a.labels[name]
		if !ok || to <= from {
			return 0, fmt.Errorf("udpmirror: steering program: bad jump to %q", name)
		}
		return to - from - 1, nil
	}
	for _, j := range a.jumps {
		t, err := offset(j.at, j.jt)
		if err != nil {
			return nil, err
		}
		if j.always {
			a.insns[j.at].K = uint32(t)
			continue
		}
		f, err := offset(j.at, j.jf)
		if err != nil {
			return nil, err
		}
		if t > 255 || f > 255 {
			return nil, fmt.Errorf("udpmirror: steering program: jump too long")
		}
		a.insns[j.at].Jt, a.insns[j.at].Jf = uint8(t), uint8(f)
	}
	return a.insns, nil
}
