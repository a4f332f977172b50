package bpf

import (
	"errors"
	"fmt"
)

// The optimizer reproduces the transformations of libpcap's optimizer (the
// global data-flow optimizer described in "BPF+: Exploiting Global
// Data-flow Optimization in a Generalized Packet Filter Architecture",
// Begel, McCanne and Graham, SIGCOMM 1999), because they are visible: they
// decide which filters tcpdump refuses as matching nothing, and which
// loads a program still makes, hence what it decides on packets cut short
// by the snapshot length. It works on the block graph:
//
//   - value numbering: every value a block computes gets a number, equal
//     numbers for equal computations; a value that differs between the
//     paths merging into a block is unknown there;
//   - statement simplification: constant folding, x+0, x*0, x&0 and the
//     like, indexed loads with a known index made absolute, redundant loads
//     and stores removed, a few peephole rewrites, dead stores removed;
//   - jump threading: an edge into a block whose test is decided by a test
//     that dominates the edge (the same test on the same value, or an
//     equality with another constant that held) goes straight to the
//     block's successor;
//   - "or" and "and" pull-ups: in a chain of tests sharing their true (or
//     false) target, a later test of the value tested above is moved up
//     next to it.
//
// The first phase moves branches until nothing changes, the second
// simplifies statements until nothing changes.

// Atoms are the scratch cells M[0..15], A and X.
const (
	atomA  = MemWords
	atomX  = MemWords + 1
	atomAX = MemWords + 2 // "uses both A and X"
	nAtoms = MemWords + 2
)

const nopCode = 0xffff // a removed statement

// maxOptBlocks bounds the graphs the optimizer takes on: its time grows
// with the cube of their size (libpcap takes about as long), and a filter
// of some 250 port terms already takes seconds.
const maxOptBlocks = 6000

// errTooComplex reports a graph too big to optimize.
var errTooComplex = errors.New("filter too complex to optimize")

type oedge struct {
	id   int
	code int32 // the jump's opcode for a true edge, its negation for a false edge
	pred *oblk
	succ *oblk
	next *oedge // next edge into the same block
	edom bitset
}

type oblk struct {
	id     int
	stmts  []Instruction
	jmp    Instruction // a conditional jump, or a return
	et, ef oedge
	level  int
	link   *oblk // next block of the same level
	mark   int

	// Dominator tree: immediate dominator, children, and the preorder
	// interval of the subtree.
	preds     []*oblk
	idom      *oblk
	kids      []*oblk
	postNum   int
	pre, last int
	val       [nAtoms]uint32
	oval      uint32
	def       uint32
	kill      uint32
	inUse     uint32
	outUse    uint32
	in        *oedge
}

func (b *oblk) isRet() bool   { return class(b.jmp.Code) == ClassRET }
func (b *oblk) jt() *oblk     { return b.et.succ }
func (b *oblk) jf() *oblk     { return b.ef.succ }
func (b *oblk) setJT(t *oblk) { b.et.succ = t }
func (b *oblk) setJF(t *oblk) { b.ef.succ = t }

type bitset []uint64

func newBitset(n int) bitset        { return make(bitset, (n+63)/64) }
func (s bitset) add(i int)          { s[i/64] |= 1 << (i % 64) }
func (s bitset) fill()              { fillWords(s, ^uint64(0)) }
func (s bitset) clear()             { fillWords(s, 0) }
func (s bitset) intersect(o bitset) { andWords(s, o) }
func fillWords(s bitset, v uint64) {
	for i := range s {
		s[i] = v
	}
}
func andWords(s, o bitset) {
	for i := range s {
		s[i] &= o[i]
	}
}

type valueKey struct {
	code   uint16
	v0, v1 uint32
}

type optimizer struct {
	root    *oblk
	blocks  []*oblk
	edges   []*oedge
	levels  []*oblk
	markGen int

	hash    map[valueKey]uint32
	consts  map[uint32]uint32 // value number -> constant
	curval  uint32
	done    bool
	nonBran bool // a pass did more than move branches
	err     error

	domDirty bool // a pull-up changed the graph since findDom
	post     []*oblk
	stack    []*oblk
	byPre    []*oblk
}

// optimize runs libpcap's optimization on the graph rooted at entry (made of
// conditional and return blocks only) and returns the new root.
func optimize(entry *block) (*block, error) {
	o := &optimizer{}
	// Statements before the filter (a radiotap header's length) belong to
	// its first block, as in libpcap.
	var pre []Instruction
	for entry.kind == blkGoto {
		pre = append(pre, entry.stmts...)
		entry = entry.jt
	}
	o.root = o.importGraph(entry)
	o.root.stmts = append(pre, o.root.stmts...)
	o.numberBlocks()
	if len(o.blocks) > maxOptBlocks {
		return nil, errTooComplex
	}
	o.loop(false)
	if o.err == nil {
		o.loop(true)
	}
	if o.err != nil {
		return nil, o.err
	}
	o.internBlocks()
	o.optRoot()
	return o.exportGraph(), nil
}

// internBlocks merges blocks that are the same (same statements, test and
// successors) until none are left, as libpcap does before it emits code:
// a block is replaced by the equal block numbered after it.
func (o *optimizer) internBlocks() {
	type sig struct {
		code   uint16
		k      uint32
		jt, jf *oblk
		stmts  string
	}
	for {
		o.markGen++
		var mark func(b *oblk)
		mark = func(b *oblk) {
			if b == nil || b.mark == o.markGen {
				return
			}
			b.mark = o.markGen
			mark(b.jt())
			mark(b.jf())
		}
		mark(o.root)
		// Blocks that do the same thing, in increasing number.
		groups := map[sig][]int{}
		for i, b := range o.blocks {
			if b.mark != o.markGen {
				continue
			}
			var st []byte
			for _, s := range b.stmts {
				if s.Code != nopCode {
					st = fmt.Appendf(st, "%x:%x,", s.Code, s.K)
				}
			}
			key := sig{b.jmp.Code, b.jmp.K, b.jt(), b.jf(), string(st)}
			groups[key] = append(groups[key], i)
		}
		repl := make([]*oblk, len(o.blocks))
		for _, ids := range groups {
			// Each block is replaced by the next equal one, or by what
			// that one is replaced by.
			for n := len(ids) - 2; n >= 0; n-- {
				next := o.blocks[ids[n+1]]
				if r := repl[ids[n+1]]; r != nil {
					next = r
				}
				repl[ids[n]] = next
			}
		}
		changed := false
		for _, b := range o.blocks {
			if b.isRet() {
				continue
			}
			if r := repl[b.jt().id]; r != nil {
				b.setJT(r)
				changed = true
			}
			if r := repl[b.jf().id]; r != nil {
				b.setJF(r)
				changed = true
			}
		}
		if !changed {
			return
		}
	}
}

// optRoot skips root blocks that go to the same place either way, keeping
// their statements, and drops the statements of a returning root.
func (o *optimizer) optRoot() {
	stmts := o.root.stmts
	o.root.stmts = nil
	for !o.root.isRet() && o.root.jt() == o.root.jf() {
		o.root = o.root.jt()
	}
	o.root.stmts = append(stmts, o.root.stmts...)
	if o.root.isRet() {
		o.root.stmts = nil
	}
}

// exportGraph turns the optimized blocks back into code-generator blocks.
func (o *optimizer) exportGraph() *block {
	seen := map[*oblk]*block{}
	var conv func(b *oblk) *block
	conv = func(b *oblk) *block {
		if nb, ok := seen[b]; ok {
			return nb
		}
		nb := &block{}
		seen[b] = nb
		for _, s := range b.stmts {
			if s.Code != nopCode {
				nb.stmts = append(nb.stmts, s)
			}
		}
		if b.isRet() {
			nb.kind, nb.ret = blkRet, b.jmp.K
			return nb
		}
		nb.kind, nb.jmp = blkCond, b.jmp
		nb.jmp.Jt, nb.jmp.Jf = 0, 0
		nb.jt = conv(b.jt())
		nb.jf = conv(b.jf())
		return nb
	}
	return conv(o.root)
}
