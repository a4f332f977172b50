package bpf

import "fmt"

// The code generator builds a graph of blocks, as libpcap does: each block
// is straight-line code followed by a conditional jump (or a return). A
// boolean sub-expression is a fragment: an entry block and the lists of
// still unconnected edges taken when it is true and when it is false.
// "and", "or" and "not" connect and swap those lists, so evaluation
// short-circuits left to right exactly as the expression is written.

type blockKind uint8

const (
	blkCond blockKind = iota // stmts, then jump on jmp to jt or jf
	blkGoto                  // stmts, then continue at jt
	blkRet                   // return ret
)

type block struct {
	id    int
	kind  blockKind
	stmts []Instruction
	jmp   Instruction // for blkCond: the jump (its Jt/Jf are filled at layout)
	ret   uint32
	jt    *block
	jf    *block

	// layout
	mark int
	pc   int
}

// frag is a boolean fragment with dangling true and false edges.
type frag struct {
	entry *block
	t, f  []**block
}

func (c *compiler) newBlock(kind blockKind) *block {
	c.nblocks++
	return &block{id: c.nblocks, kind: kind}
}

// test returns a fragment that runs stmts and then jumps on jmp.
func (c *compiler) test(stmts []Instruction, op uint16, k uint32) frag {
	b := c.newBlock(blkCond)
	b.stmts = stmts
	b.jmp = Instruction{Code: ClassJMP | op, K: k}
	return frag{entry: b, t: []**block{&b.jt}, f: []**block{&b.jf}}
}

// constFrag returns a fragment that is always v: a test of a constant, as
// libpcap makes it ("ld #0; jeq #0" is true), which its optimizer then
// folds.
func (c *compiler) constFrag(v bool) frag {
	k := uint32(1)
	if v {
		k = 0
	}
	return c.test([]Instruction{stmt(ClassLD|ModeIMM, k)}, JmpJEQ, 0)
}

func patch(edges []**block, to *block) {
	for _, e := range edges {
		*e = to
	}
}

// and returns "a and b": b runs when a is true. Fragments are used once:
// a and b must not be used afterwards (their edge lists are reused).
func and(a, b frag) frag {
	patch(a.t, b.entry)
	return frag{entry: a.entry, t: b.t, f: append(a.f, b.f...)}
}

// or returns "a or b": b runs when a is false. a and b must not be used
// afterwards.
func or(a, b frag) frag {
	patch(a.f, b.entry)
	return frag{entry: a.entry, t: append(a.t, b.t...), f: b.f}
}

// not returns "not a".
func not(a frag) frag { return frag{entry: a.entry, t: a.f, f: a.t} }

// andAll and orAll fold a list of fragments.
func andAll(fs ...frag) frag {
	r := fs[0]
	for _, f := range fs[1:] {
		r = and(r, f)
	}
	return r
}

func orAll(fs ...frag) frag {
	r := fs[0]
	for _, f := range fs[1:] {
		r = or(r, f)
	}
	return r
}

// skipGotos follows empty goto blocks.
func skipGotos(b *block) *block {
	for n := 0; b != nil && b.kind == blkGoto && len(b.stmts) == 0 && n < 1<<20; n++ {
		b = b.jt
	}
	return b
}

// linearize lays the graph out as a program: blocks in an order where every
// jump goes forward (a reverse post-order of the graph, which has no
// cycles), empty gotos removed, and "ja" trampolines inserted where a
// conditional jump would be longer than 255 instructions.
func linearize(entry *block) ([]Instruction, error) {
	// Thread through empty gotos.
	entry = skipGotos(entry)
	var order []*block
	var visit func(b *block)
	visit = func(b *block) {
		if b.mark != 0 {
			return
		}
		b.mark = 1
		switch b.kind {
		case blkCond:
			b.jt, b.jf = skipGotos(b.jt), skipGotos(b.jf)
			// Visit the false branch first so that the true branch, and
			// then the false one, tend to follow the block.
			visit(b.jf)
			visit(b.jt)
		case blkGoto:
			b.jt = skipGotos(b.jt)
			visit(b.jt)
		}
		order = append(order, b)
	}
	visit(entry)
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	sizeOf := func(i int) int {
		b := order[i]
		if b.kind == blkGoto && i+1 < len(order) && order[i+1] == b.jt {
			return len(b.stmts)
		}
		return len(b.stmts) + 1
	}
	for {
		pc := 0
		for i, b := range order {
			b.pc = pc
			pc += sizeOf(i)
		}
		if pc > maxVMInstructions {
			return nil, fmt.Errorf("the program would have %d instructions (at most %d)", pc, maxVMInstructions)
		}
		// Insert trampolines for conditional jumps that are too long.
		var out []*block
		changed := false
		for i, b := range order {
			out = append(out, b)
			if b.kind != blkCond {
				continue
			}
			from := b.pc + sizeOf(i)
			if b.jt.pc-from > 255 {
				t := &block{kind: blkGoto, jt: b.jt, mark: 1}
				b.jt = t
				out = append(out, t)
				changed = true
			}
			if b.jf.pc-from > 255 {
				t := &block{kind: blkGoto, jt: b.jf, mark: 1}
				b.jf = t
				out = append(out, t)
				changed = true
			}
		}
		order = out
		if !changed {
			break
		}
	}
	prog := make([]Instruction, 0, len(order)*2)
	for i, b := range order {
		prog = append(prog, b.stmts...)
		end := b.pc + sizeOf(i)
		switch b.kind {
		case blkCond:
			j := b.jmp
			j.Jt = uint8(b.jt.pc - end)
			j.Jf = uint8(b.jf.pc - end)
			prog = append(prog, j)
		case blkGoto:
			if end != b.pc+len(b.stmts) {
				prog = append(prog, Instruction{Code: ClassJMP | JmpJA, K: uint32(b.jt.pc - end)})
			}
		case blkRet:
			prog = append(prog, Instruction{Code: ClassRET | RetK, K: b.ret})
		}
	}
	return prog, nil
}
