package bpf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

func ins(code uint16, jt, jf uint8, k uint32) Instruction {
	return Instruction{Code: code, Jt: jt, Jf: jf, K: k}
}

func retA() Instruction { return ins(ClassRET|RetA, 0, 0, 0) }

// TestVM checks each instruction against its classic BPF meaning,
// including the out-of-bounds and division-by-zero rules.
func TestVM(t *testing.T) {
	pkt := []byte{0x45, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xf7}
	tests := []struct {
		name string
		prog []Instruction
		pkt  []byte
		wire int
		want uint32
	}{
		{"ld word", []Instruction{ins(ClassLD|SizeW|ModeABS, 0, 0, 1), retA()}, pkt, 0, 0x00010203},
		{"ld half", []Instruction{ins(ClassLD|SizeH|ModeABS, 0, 0, 7), retA()}, pkt, 0, 0x06f7},
		{"ld byte", []Instruction{ins(ClassLD|SizeB|ModeABS, 0, 0, 8), retA()}, pkt, 0, 0xf7},
		{"ld word past the end", []Instruction{ins(ClassLD|SizeW|ModeABS, 0, 0, 6), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"ld half past the end", []Instruction{ins(ClassLD|SizeH|ModeABS, 0, 0, 8), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"ld byte past the end", []Instruction{ins(ClassLD|SizeB|ModeABS, 0, 0, 9), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"ld huge offset", []Instruction{ins(ClassLD|SizeW|ModeABS, 0, 0, 0xfffffffe), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"ld ind", []Instruction{ins(ClassLDX|ModeIMM, 0, 0, 2), ins(ClassLD|SizeH|ModeIND, 0, 0, 1), retA()}, pkt, 0, 0x0203},
		{"ld ind wraps no more", []Instruction{ins(ClassLDX|ModeIMM, 0, 0, 0xffffffff), ins(ClassLD|SizeB|ModeIND, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"msh", []Instruction{ins(ClassLDX|SizeB|ModeMSH, 0, 0, 0), ins(ClassMISC|MiscTXA, 0, 0, 0), retA()}, pkt, 0, 20},
		{"msh past the end", []Instruction{ins(ClassLDX|SizeB|ModeMSH, 0, 0, 9), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"len", []Instruction{ins(ClassLD|ModeLEN, 0, 0, 0), retA()}, pkt, 1500, 1500},
		{"len defaults to the captured length", []Instruction{ins(ClassLD|ModeLEN, 0, 0, 0), retA()}, pkt, 0, 9},
		{"ldx len", []Instruction{ins(ClassLDX|ModeLEN, 0, 0, 0), ins(ClassMISC|MiscTXA, 0, 0, 0), retA()}, pkt, 60, 60},
		{"imm", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 7), retA()}, pkt, 0, 7},
		{"mem", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 7), ins(ClassST, 0, 0, 15), ins(ClassLD|ModeIMM, 0, 0, 0), ins(ClassLDX|ModeMEM, 0, 0, 15), ins(ClassSTX, 0, 0, 3), ins(ClassLD|ModeMEM, 0, 0, 3), retA()}, pkt, 0, 7},
		{"add", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 0xffffffff), ins(ClassALU|AluAdd|SrcK, 0, 0, 2), retA()}, pkt, 0, 1},
		{"sub", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 1), ins(ClassALU|AluSub|SrcK, 0, 0, 2), retA()}, pkt, 0, 0xffffffff},
		{"mul", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 6), ins(ClassLDX|ModeIMM, 0, 0, 7), ins(ClassALU|AluMul|SrcX, 0, 0, 0), retA()}, pkt, 0, 42},
		{"div", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 43), ins(ClassALU|AluDiv|SrcK, 0, 0, 7), retA()}, pkt, 0, 6},
		{"div by zero X", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 43), ins(ClassALU|AluDiv|SrcX, 0, 0, 0), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"mod", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 43), ins(ClassALU|AluMod|SrcK, 0, 0, 7), retA()}, pkt, 0, 1},
		{"mod by zero X", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 43), ins(ClassALU|AluMod|SrcX, 0, 0, 0), ins(ClassRET|RetK, 0, 0, 1)}, pkt, 0, 0},
		{"and or xor", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 0xf0), ins(ClassALU|AluAnd|SrcK, 0, 0, 0x3c), ins(ClassALU|AluOr|SrcK, 0, 0, 1), ins(ClassALU|AluXor|SrcK, 0, 0, 0xff), retA()}, pkt, 0, 0xce},
		{"lsh rsh", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 1), ins(ClassALU|AluLsh|SrcK, 0, 0, 31), ins(ClassALU|AluRsh|SrcK, 0, 0, 30), retA()}, pkt, 0, 2},
		{"shift count mod 32", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 1), ins(ClassLDX|ModeIMM, 0, 0, 33), ins(ClassALU|AluLsh|SrcX, 0, 0, 0), retA()}, pkt, 0, 2},
		{"neg", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 1), ins(ClassALU|AluNeg, 0, 0, 0), retA()}, pkt, 0, 0xffffffff},
		{"tax txa", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 9), ins(ClassMISC|MiscTAX, 0, 0, 0), ins(ClassLD|ModeIMM, 0, 0, 0), ins(ClassMISC|MiscTXA, 0, 0, 0), retA()}, pkt, 0, 9},
		{"ja", []Instruction{ins(ClassJMP|JmpJA, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 2},
		{"jeq", []Instruction{ins(ClassLD|SizeB|ModeABS, 0, 0, 0), ins(ClassJMP|JmpJEQ|SrcK, 0, 1, 0x45), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 1},
		{"jgt unsigned", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 0x80000000), ins(ClassJMP|JmpJGT|SrcK, 0, 1, 5), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 1},
		{"jge", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 5), ins(ClassJMP|JmpJGE|SrcK, 0, 1, 5), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 1},
		{"jset", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 4), ins(ClassJMP|JmpJSET|SrcK, 0, 1, 3), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 2},
		{"jeq x", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 4), ins(ClassLDX|ModeIMM, 0, 0, 4), ins(ClassJMP|JmpJEQ|SrcX, 0, 1, 0), ins(ClassRET|RetK, 0, 0, 1), ins(ClassRET|RetK, 0, 0, 2)}, pkt, 0, 1},
		{"ret k", []Instruction{ins(ClassRET|RetK, 0, 0, 96)}, nil, 0, 96},
	}
	for _, tt := range tests {
		if err := Validate(tt.prog); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		p, _ := LoadProgram(tt.prog)
		if got := p.Run(tt.pkt, tt.wire); got != tt.want {
			t.Errorf("%s: got %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	ret := ins(ClassRET|RetK, 0, 0, 1)
	tests := []struct {
		name string
		prog []Instruction
	}{
		{"empty", nil},
		{"no return at the end", []Instruction{ins(ClassLD|ModeIMM, 0, 0, 1)}},
		{"jump past the end", []Instruction{ins(ClassJMP|JmpJEQ, 1, 0, 0), ret}},
		{"ja past the end", []Instruction{ins(ClassJMP|JmpJA, 0, 0, 1), ret}},
		{"ja huge", []Instruction{ins(ClassJMP|JmpJA, 0, 0, 0xffffffff), ret}},
		{"memory index", []Instruction{ins(ClassST, 0, 0, 16), ret}},
		{"load memory index", []Instruction{ins(ClassLD|ModeMEM, 0, 0, 16), ret}},
		{"div by constant 0", []Instruction{ins(ClassALU|AluDiv|SrcK, 0, 0, 0), ret}},
		{"mod by constant 0", []Instruction{ins(ClassALU|AluMod|SrcK, 0, 0, 0), ret}},
		{"unknown alu", []Instruction{ins(ClassALU|0xb0, 0, 0, 0), ret}},
		{"unknown jump", []Instruction{ins(ClassJMP|0x50, 0, 0, 0), ret}},
		{"unknown load mode", []Instruction{ins(ClassLD|SizeB|ModeMSH, 0, 0, 0), ret}},
		{"ldx of a half word", []Instruction{ins(ClassLDX|SizeH|ModeABS, 0, 0, 0), ret}},
		{"unknown return", []Instruction{ins(ClassRET|0x18, 0, 0, 0)}},
		{"unknown misc", []Instruction{ins(ClassMISC|0x40, 0, 0, 0), ret}},
		{"high bits", []Instruction{ins(0x100|ClassLD|ModeIMM, 0, 0, 0), ret}},
	}
	for _, tt := range tests {
		err := Validate(tt.prog)
		if !errors.Is(err, ErrInvalidProgram) {
			t.Errorf("%s: Validate = %v, want ErrInvalidProgram", tt.name, err)
		}
		if _, err := LoadProgram(tt.prog); err == nil {
			t.Errorf("%s: LoadProgram accepted it", tt.name)
		}
	}
}

// TestSockFilterLayout checks that Instruction is laid out as Linux's
// struct sock_filter.
func TestSockFilterLayout(t *testing.T) {
	var in Instruction
	if unsafe.Sizeof(in) != 8 || unsafe.Offsetof(in.Code) != 0 || unsafe.Offsetof(in.Jt) != 2 ||
		unsafe.Offsetof(in.Jf) != 3 || unsafe.Offsetof(in.K) != 4 {
		t.Fatalf("Instruction layout differs from struct sock_filter")
	}
	p, err := Compile("tcp port 80", LinkTypeEthernet, 96)
	if err != nil {
		t.Fatal(err)
	}
	sf, err := p.SockFilter()
	if err != nil || len(sf) != p.Len() || sf[len(sf)-1].Code&0x07 != ClassRET {
		t.Fatalf("SockFilter: %v %v", sf, err)
	}
	// A long program: jumps over more than 255 instructions need "ja"
	// trampolines.
	var hosts []string
	for i := 0; i < 1500; i++ {
		hosts = append(hosts, fmt.Sprintf("host 10.0.%d.%d", i/256, i%256))
	}
	big, err := Compile(strings.Join(hosts, " or "), LinkTypeEthernet, 0)
	if err != nil {
		t.Fatal(err)
	}
	if big.Len() <= MaxInstructions {
		t.Fatalf("expected a program over the kernel's limit, got %d instructions", big.Len())
	}
	if _, err := big.SockFilter(); err == nil {
		t.Errorf("SockFilter accepted %d instructions", big.Len())
	}
	frame := func(last byte) []byte {
		f := make([]byte, 34)
		f[12], f[13], f[14] = 0x08, 0x00, 0x45
		copy(f[26:], []byte{10, 0, 5, last, 10, 9, 9, 9})
		return f
	}
	if !big.Match(frame(219), 0) || big.Match(frame(220), 0) {
		t.Errorf("the long program decides wrongly (10.0.5.219 is in the list, 10.0.5.220 is not)")
	}
}
