package regex

import (
	"errors"
	"fmt"
)

// MaxPatterns is the largest number of patterns one Set can hold (a
// stream's matched patterns are one 64-bit mask).
const MaxPatterns = 64

// DefaultMaxInsts bounds the size of a Set's NFA when CompileOptions leave
// it zero.
const DefaultMaxInsts = 1 << 20

// ErrTooLarge is returned when the patterns would need more NFA states than
// allowed.
var ErrTooLarge = errors.New("regex: pattern set too large")

// Symbols beyond the bytes: the begin- and end-of-data markers.
const (
	symBOL = 256
	symEOL = 257
)

type instOp uint8

const (
	iSet   instOp = iota // consume a byte of sets[set], go to out
	iBOL                 // consume the begin-of-data marker
	iEOL                 // consume the end-of-data marker
	iSplit               // go to out and out1
	iJmp                 // go to out
	iMatch               // pattern pat has matched
)

// inst is one NFA state.
type inst struct {
	op   instOp
	set  int32 // index into Set.sets for iSet
	out  int32
	out1 int32
	pat  int32 // for iMatch
}

// Set is a compiled set of patterns. It is immutable and safe for
// concurrent use; matching needs a Matcher.
type Set struct {
	patterns []string
	insts    []inst
	sets     []byteSet
	start    int32
	all      uint64 // mask of all patterns

	// Symbol classes: bytes with the same transitions everywhere share a
	// class. Classes 0..nbyte-1 are byte classes; nbyte is the
	// begin-of-data marker and nbyte+1 the end-of-data marker.
	classOf [256]uint8
	nbyte   int
	rep     []int // a representative symbol of each class
}

// CompileOptions tune CompileSet.
type CompileOptions struct {
	// MaxInsts bounds the NFA size; 0 means DefaultMaxInsts.
	MaxInsts int
}

// Compile compiles a single pattern; it is CompileSet with one pattern.
func Compile(pattern string) (*Set, error) {
	return CompileSet([]string{pattern}, CompileOptions{})
}

// CompileSet compiles patterns into one set machine; pattern i reports
// matches as index i. Bracket expressions are cached across the patterns by
// their text, as Zeek does (see the package documentation).
func CompileSet(patterns []string, opts CompileOptions) (*Set, error) {
	if len(patterns) > MaxPatterns {
		return nil, fmt.Errorf("regex: %d patterns in one set, at most %d", len(patterns), MaxPatterns)
	}
	limit := opts.MaxInsts
	if limit <= 0 {
		limit = DefaultMaxInsts
	}
	c := &compiler{limit: limit, setIndex: make(map[byteSet]int32)}
	ccl := make(map[string]byteSet)
	trees := make([]*node, len(patterns))
	for i, pat := range patterns {
		t, err := parsePattern(pat, ccl)
		if err != nil {
			return nil, err
		}
		trees[i] = t
	}
	s := &Set{patterns: append([]string(nil), patterns...)}
	// start: split -> (BOL -> alt) | alt, i.e. Zeek's "^?" prefix.
	start := c.emit(inst{op: iSplit})
	bol := c.emit(inst{op: iBOL})
	alt := c.emit(inst{op: iJmp, out: -1})
	c.insts[start].out = bol
	c.insts[start].out1 = alt
	c.insts[bol].out = alt
	var entries []int32
	for i, t := range trees {
		if size(t, limit) >= limit-len(c.insts) {
			return nil, fmt.Errorf("%w: /%s/", ErrTooLarge, patterns[i])
		}
		f := c.compile(t)
		m := c.emit(inst{op: iMatch, pat: int32(i)})
		c.patch(f.outs, m)
		entries = append(entries, f.start)
		s.all |= 1 << uint(i)
	}
	// Fan out from alt to every pattern.
	if len(entries) == 0 {
		// No pattern: nothing can match.
		c.insts[alt].op = iSet
		c.insts[alt].set = c.setID(byteSet{})
		c.insts[alt].out = alt
	} else {
		target := entries[len(entries)-1]
		for i := len(entries) - 2; i >= 0; i-- {
			target = c.emit(inst{op: iSplit, out: entries[i], out1: target})
		}
		c.insts[alt].out = target
	}
	if len(c.insts) > limit {
		return nil, ErrTooLarge
	}
	s.insts = c.insts
	s.sets = c.sets
	s.start = start
	s.buildClasses()
	return s, nil
}

// Len returns the number of patterns.
func (s *Set) Len() int { return len(s.patterns) }

// Pattern returns the text of pattern i.
func (s *Set) Pattern(i int) string { return s.patterns[i] }

// NumStates returns the number of NFA states, a measure of the set's size.
func (s *Set) NumStates() int { return len(s.insts) }

// NumClasses returns the number of symbol classes (including the two
// markers), the width of a DFA state's transition table.
func (s *Set) NumClasses() int { return s.nbyte + 2 }

// size estimates the number of NFA states t compiles to, saturating at
// limit.
func size(t *node, limit int) int {
	n := 0
	switch t.op {
	case opEmpty, opSet, opBOL, opEOL:
		return 1
	case opCat, opAlt:
		for _, s := range t.subs {
			n += size(s, limit) + 1
			if n >= limit {
				return limit
			}
		}
		return n
	case opStar, opPlus, opQuest:
		return size(t.subs[0], limit) + 2
	case opRepeat:
		k := t.max
		if k < 0 {
			k = t.min + 1
		}
		sub := size(t.subs[0], limit) + 2
		if sub >= limit || k >= limit/sub {
			return limit
		}
		return sub * k
	}
	return 1
}

type compiler struct {
	insts    []inst
	sets     []byteSet
	setIndex map[byteSet]int32
	limit    int
}

// patchRef names an unfilled out (which=0) or out1 (which=1) of an inst.
type patchRef struct {
	idx   int32
	which uint8
}

type frag struct {
	start int32
	outs  []patchRef
}

func (c *compiler) emit(in inst) int32 {
	c.insts = append(c.insts, in)
	return int32(len(c.insts) - 1)
}

func (c *compiler) patch(outs []patchRef, to int32) {
	for _, o := range outs {
		if o.which == 0 {
			c.insts[o.idx].out = to
		} else {
			c.insts[o.idx].out1 = to
		}
	}
}

func (c *compiler) setID(s byteSet) int32 {
	if id, ok := c.setIndex[s]; ok {
		return id
	}
	c.sets = append(c.sets, s)
	id := int32(len(c.sets) - 1)
	c.setIndex[s] = id
	return id
}

// compile emits the NFA of t (Thompson's construction).
func (c *compiler) compile(t *node) frag {
	switch t.op {
	case opEmpty:
		i := c.emit(inst{op: iJmp, out: -1})
		return frag{i, []patchRef{{i, 0}}}
	case opSet:
		i := c.emit(inst{op: iSet, set: c.setID(t.set), out: -1})
		return frag{i, []patchRef{{i, 0}}}
	case opBOL:
		i := c.emit(inst{op: iBOL, out: -1})
		return frag{i, []patchRef{{i, 0}}}
	case opEOL:
		i := c.emit(inst{op: iEOL, out: -1})
		return frag{i, []patchRef{{i, 0}}}
	case opCat:
		f := c.compile(t.subs[0])
		for _, s := range t.subs[1:] {
			g := c.compile(s)
			c.patch(f.outs, g.start)
			f.outs = g.outs
		}
		return f
	case opAlt:
		f := c.compile(t.subs[0])
		for _, s := range t.subs[1:] {
			g := c.compile(s)
			sp := c.emit(inst{op: iSplit, out: f.start, out1: g.start})
			f = frag{sp, append(f.outs, g.outs...)}
		}
		return f
	case opStar:
		sp := c.emit(inst{op: iSplit, out: -1, out1: -1})
		f := c.compile(t.subs[0])
		c.insts[sp].out = f.start
		c.patch(f.outs, sp)
		return frag{sp, []patchRef{{sp, 1}}}
	case opPlus:
		f := c.compile(t.subs[0])
		sp := c.emit(inst{op: iSplit, out: f.start, out1: -1})
		c.patch(f.outs, sp)
		return frag{f.start, []patchRef{{sp, 1}}}
	case opQuest:
		f := c.compile(t.subs[0])
		sp := c.emit(inst{op: iSplit, out: f.start, out1: -1})
		return frag{sp, append(f.outs, patchRef{sp, 1})}
	case opRepeat:
		// min mandatory copies, then max-min optional ones (or a
		// closure when unbounded), like Zeek's MakeRepl.
		sub := t.subs[0]
		var f frag
		have := false
		appendFrag := func(g frag) {
			if !have {
				f, have = g, true
				return
			}
			c.patch(f.outs, g.start)
			f.outs = g.outs
		}
		for i := 0; i < t.min; i++ {
			appendFrag(c.compile(sub))
		}
		if t.max < 0 {
			appendFrag(c.compile(&node{op: opStar, subs: []*node{sub}}))
		} else {
			for i := t.min; i < t.max; i++ {
				appendFrag(c.compile(&node{op: opQuest, subs: []*node{sub}}))
			}
		}
		if !have {
			return c.compile(&node{op: opEmpty})
		}
		return f
	}
	panic("regex: unknown node")
}

// buildClasses partitions the bytes into classes of bytes that every
// character set treats alike.
func (s *Set) buildClasses() {
	var class [256]int
	n := 1
	for _, set := range s.sets {
		remap := make(map[[2]int]int)
		next := 0
		for b := 0; b < 256; b++ {
			in := 0
			if set.has(b) {
				in = 1
			}
			k := [2]int{class[b], in}
			id, ok := remap[k]
			if !ok {
				id = next
				next++
				remap[k] = id
			}
			class[b] = id
		}
		n = next
	}
	s.nbyte = n
	s.rep = make([]int, n+2)
	for i := range s.rep {
		s.rep[i] = -1
	}
	for b := 0; b < 256; b++ {
		s.classOf[b] = uint8(class[b])
		if s.rep[class[b]] < 0 {
			s.rep[class[b]] = b
		}
	}
	s.rep[n] = symBOL
	s.rep[n+1] = symEOL
}
