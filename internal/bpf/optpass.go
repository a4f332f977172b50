package bpf

import (
	"errors"
	"math/bits"
)

// The optimizer's passes: value numbering and statement simplification,
// peephole rewrites, dead stores, jump threading and pull-ups.

func (o *optimizer) initValues() {
	o.hash = map[valueKey]uint32{}
	o.consts = map[uint32]uint32{}
	o.curval = 0
}

// value returns the number of the computation (code, v0, v1); number 0
// means unknown.
func (o *optimizer) value(code uint16, v0, v1 uint32) uint32 {
	k := valueKey{code, v0, v1}
	if v, ok := o.hash[k]; ok {
		return v
	}
	o.curval++
	o.hash[k] = o.curval
	if code == ClassLD|ModeIMM {
		o.consts[o.curval] = v0
	}
	return o.curval
}

func (o *optimizer) konst(k uint32) uint32 { return o.value(ClassLD|ModeIMM, k, 0) }

func (o *optimizer) isConst(v uint32) (uint32, bool) {
	k, ok := o.consts[v]
	return k, ok
}

// store sets *valp to v, or removes the statement when the atom already
// holds v (and alter is set).
func (o *optimizer) store(s *Instruction, valp *uint32, v uint32, alter bool) {
	if alter && v != 0 && *valp == v {
		s.Code = nopCode
	} else {
		*valp = v
	}
}

// changed notes a change other than moving a branch.
func (o *optimizer) changed() {
	o.done = false
	o.nonBran = true
}

var (
	errDivZero = errors.New("division by zero")
	errModZero = errors.New("modulus by zero")
	errShift   = errors.New("shift by more than 31 bits")
)

// foldOp computes a constant operation into s.
func (o *optimizer) foldOp(s *Instruction, v0, v1 uint32) {
	a, _ := o.isConst(v0)
	b, _ := o.isConst(v1)
	switch s.Code & 0xf0 {
	case AluDiv:
		if b == 0 {
			o.err = errDivZero
			return
		}
	case AluMod:
		if b == 0 {
			o.err = errModZero
			return
		}
	case AluLsh, AluRsh:
		if b >= 32 {
			a, b = 0, 0
		}
	}
	s.K = foldALU(s.Code&0xf0, a, b)
	s.Code = ClassLD | ModeIMM
	o.changed()
}

// optStmt numbers the value a statement computes and, if alter is set,
// simplifies it.
func (o *optimizer) optStmt(s *Instruction, val *[nAtoms]uint32, alter bool) {
	switch {
	case s.Code == nopCode:
	case class(s.Code) == ClassLD && s.Code&0xe0 == ModeABS:
		o.store(s, &val[atomA], o.value(s.Code, s.K, 0), alter)
	case class(s.Code) == ClassLD && s.Code&0xe0 == ModeIND:
		v := val[atomX]
		if k, ok := o.isConst(v); ok && alter {
			s.Code = ClassLD | s.Code&0x18 | ModeABS
			s.K += k
			v = o.value(s.Code, s.K, 0)
			o.changed()
		} else {
			v = o.value(s.Code, s.K, v)
		}
		o.store(s, &val[atomA], v, alter)
	case s.Code == ClassLD|ModeLEN:
		o.store(s, &val[atomA], o.value(s.Code, 0, 0), alter)
	case s.Code == ClassLD|ModeIMM:
		o.store(s, &val[atomA], o.konst(s.K), alter)
	case s.Code == ClassLDX|ModeIMM:
		o.store(s, &val[atomX], o.konst(s.K), alter)
	case s.Code == ClassLDX|SizeB|ModeMSH:
		o.store(s, &val[atomX], o.value(s.Code, s.K, 0), alter)
	case s.Code == ClassALU|AluNeg:
		if k, ok := o.isConst(val[atomA]); ok && alter {
			s.Code, s.K = ClassLD|ModeIMM, -k
			val[atomA] = o.konst(s.K)
		} else {
			val[atomA] = o.value(s.Code, val[atomA], 0)
		}
	case class(s.Code) == ClassALU && s.Code&SrcX == 0:
		op := s.Code & 0xf0
		if alter {
			if s.K == 0 {
				switch op {
				case AluAdd, AluLsh, AluRsh, AluOr, AluXor:
					s.Code = nopCode
					return
				case AluMul, AluAnd:
					s.Code = ClassLD | ModeIMM
					val[atomA] = o.konst(0)
					return
				case AluDiv:
					o.err = errDivZero
					return
				case AluMod:
					o.err = errModZero
					return
				}
			}
			if _, ok := o.isConst(val[atomA]); ok {
				o.foldOp(s, val[atomA], o.konst(s.K))
				val[atomA] = o.konst(s.K)
				return
			}
		}
		val[atomA] = o.value(s.Code, val[atomA], o.konst(s.K))
	case class(s.Code) == ClassALU:
		op := s.Code & 0xf0
		if k, ok := o.isConst(val[atomX]); ok && alter {
			if _, ok := o.isConst(val[atomA]); ok {
				o.foldOp(s, val[atomA], val[atomX])
				val[atomA] = o.konst(s.K)
			} else {
				s.Code = ClassALU | op | SrcK
				s.K = k
				if (op == AluLsh || op == AluRsh) && k > 31 {
					o.err = errShift
					return
				}
				o.changed()
				val[atomA] = o.value(s.Code, val[atomA], o.konst(s.K))
			}
			return
		}
		if k, ok := o.isConst(val[atomA]); ok && alter && k == 0 {
			switch op {
			case AluAdd, AluOr, AluXor:
				s.Code = ClassMISC | MiscTXA
				o.store(s, &val[atomA], val[atomX], alter)
				return
			case AluMul, AluDiv, AluMod, AluAnd, AluLsh, AluRsh:
				s.Code, s.K = ClassLD|ModeIMM, 0
				o.store(s, &val[atomA], o.konst(0), alter)
				return
			}
		}
		val[atomA] = o.value(s.Code, val[atomA], val[atomX])
	case s.Code == ClassMISC|MiscTXA:
		o.store(s, &val[atomA], val[atomX], alter)
	case s.Code == ClassLD|ModeMEM:
		v := val[s.K%MemWords]
		if k, ok := o.isConst(v); ok && alter {
			s.Code, s.K = ClassLD|ModeIMM, k
			o.changed()
		}
		o.store(s, &val[atomA], v, alter)
	case s.Code == ClassMISC|MiscTAX:
		o.store(s, &val[atomX], val[atomA], alter)
	case s.Code == ClassLDX|ModeMEM:
		v := val[s.K%MemWords]
		if k, ok := o.isConst(v); ok && alter {
			s.Code, s.K = ClassLDX|ModeIMM, k
			o.changed()
		}
		o.store(s, &val[atomX], v, alter)
	case class(s.Code) == ClassST:
		o.store(s, &val[s.K%MemWords], val[atomA], alter)
	case class(s.Code) == ClassSTX:
		o.store(s, &val[s.K%MemWords], val[atomX], alter)
	}
}

// nextOp returns the index of the first statement at or after i that is
// not removed, or -1.
func nextOp(stmts []Instruction, i int) int {
	for ; i < len(stmts); i++ {
		if stmts[i].Code != nopCode {
			return i
		}
	}
	return -1
}

// optPeep applies peephole rewrites to a block.
func (o *optimizer) optPeep(b *oblk) {
	st := b.stmts
	if len(st) == 0 {
		return
	}
	// last ends as the last statement, or the first one (removed or not)
	// when there are fewer than two.
	last := 0
	for i := nextOp(st, 0); i >= 0; {
		next := nextOp(st, i+1)
		if next < 0 {
			break
		}
		last = next
		s, n := &st[i], &st[next]
		// st M[k]; ldx M[k]  ->  st M[k]; tax
		if class(s.Code) == ClassST && n.Code == ClassLDX|ModeMEM && s.K == n.K {
			o.changed()
			n.Code, n.K = ClassMISC|MiscTAX, 0
		}
		// ld #k; tax  ->  ldx #k; txa
		if s.Code == ClassLD|ModeIMM && n.Code == ClassMISC|MiscTAX {
			s.Code = ClassLDX | ModeIMM
			n.Code = ClassMISC | MiscTXA
			o.changed()
		}
		// ld #k; [ldxb 4*([j]&0xf)]; add x; tax; ld [x+m]  ->  [ldxb ...]; ld [x+m+k]
		if s.Code == ClassLD|ModeIMM && b.outUse&atomMask(atomX) == 0 {
			add := next
			if st[next].Code == ClassLDX|SizeB|ModeMSH {
				add = nextOp(st, next+1)
			}
			if add >= 0 && st[add].Code == ClassALU|AluAdd|SrcX {
				if tax := nextOp(st, add+1); tax >= 0 && st[tax].Code == ClassMISC|MiscTAX {
					if ild := nextOp(st, tax+1); ild >= 0 && class(st[ild].Code) == ClassLD && st[ild].Code&0xe0 == ModeIND {
						st[ild].K += s.K
						s.Code = nopCode
						st[add].Code = nopCode
						st[tax].Code = nopCode
						o.changed()
					}
				}
			}
		}
		i = next
	}
	// Simplify what precedes an equality test of a value nobody else uses.
	if b.jmp.Code == ClassJMP|JmpJEQ|SrcK && b.outUse&atomMask(atomA) == 0 {
		l := &st[last]
		switch {
		case l.Code == ClassALU|AluSub|SrcX:
			if k, ok := o.isConst(b.val[atomX]); ok {
				// sub x; jeq #y  ->  jeq #(y+x)
				b.jmp.K += k
				l.Code = nopCode
				o.changed()
			} else if b.jmp.K == 0 {
				// sub x; jeq #0  ->  jeq x
				l.Code = nopCode
				b.jmp.Code = ClassJMP | JmpJEQ | SrcX
				o.changed()
			}
		case l.Code == ClassALU|AluSub|SrcK:
			// sub #x; jeq #y  ->  jeq #(x+y)
			b.jmp.K += l.K
			l.Code = nopCode
			o.changed()
		case l.Code == ClassALU|AluAnd|SrcK && b.jmp.K == 0:
			// and #k; jeq #0  ->  jset #k, branches swapped
			b.jmp.K = l.K
			b.jmp.Code = ClassJMP | JmpJSET | SrcK
			l.Code = nopCode
			o.changed()
			b.et.succ, b.ef.succ = b.ef.succ, b.et.succ
		}
	}
	// jset #0 never jumps; jset #0xffffffff always does.
	if b.jmp.Code == ClassJMP|JmpJSET|SrcK {
		if b.jmp.K == 0 {
			b.setJT(b.jf())
		}
		if b.jmp.K == 0xffffffff {
			b.setJF(b.jt())
		}
	}
	// A comparison with a constant X uses the constant.
	if k, ok := o.isConst(b.val[atomX]); ok && b.jmp.Code&SrcX != 0 {
		b.jmp.Code &^= SrcX
		b.jmp.K = k
	}
	// A comparison of a constant A is decided.
	if a, ok := o.isConst(b.val[atomA]); ok && b.jmp.Code&SrcX == 0 {
		var v bool
		switch b.jmp.Code & 0xf0 {
		case JmpJEQ:
			v = a == b.jmp.K
		case JmpJGT:
			v = a > b.jmp.K
		case JmpJGE:
			v = a >= b.jmp.K
		case JmpJSET:
			v = a&b.jmp.K != 0
		}
		if b.jf() != b.jt() {
			o.changed()
		}
		if v {
			b.setJF(b.jt())
		} else {
			b.setJT(b.jf())
		}
	}
}

// optDeadstores removes statements whose result is overwritten before it
// is used, or is not used after the block.
func (o *optimizer) optDeadstores(b *oblk) {
	var last [nAtoms]*Instruction
	dead := func(s *Instruction) {
		if a := atomUse(*s); a >= 0 {
			if a == atomAX {
				last[atomX], last[atomA] = nil, nil
			} else {
				last[a] = nil
			}
		}
		if a := atomDef(*s); a >= 0 {
			if last[a] != nil {
				o.changed()
				last[a].Code = nopCode
			}
			last[a] = s
		}
	}
	for i := range b.stmts {
		dead(&b.stmts[i])
	}
	dead(&b.jmp)
	for a := 0; a < nAtoms; a++ {
		if last[a] != nil && b.outUse&atomMask(a) == 0 {
			last[a].Code = nopCode
			o.changed()
		}
	}
}

// optBlk numbers a block's values and simplifies it.
func (o *optimizer) optBlk(b *oblk, doStmts bool) {
	if b.in == nil {
		b.val = [nAtoms]uint32{}
	} else {
		b.val = b.in.pred.val
		for e := b.in.next; e != nil; e = e.next {
			for i := range b.val {
				if b.val[i] != e.pred.val[i] {
					b.val[i] = 0
				}
			}
		}
	}
	aval, xval := b.val[atomA], b.val[atomX]
	for i := range b.stmts {
		o.optStmt(&b.stmts[i], &b.val, doStmts)
		if o.err != nil {
			return
		}
	}
	if doStmts && (b.outUse == 0 && aval != 0 && b.val[atomA] == aval && xval != 0 && b.val[atomX] == xval || b.isRet()) {
		if len(b.stmts) != 0 {
			b.stmts = nil
			o.changed()
		}
	} else {
		o.optPeep(b)
		o.optDeadstores(b)
	}
	if b.jmp.Code&SrcX == 0 {
		b.oval = o.konst(b.jmp.K)
	} else {
		b.oval = b.val[atomX]
	}
	b.et.code = int32(b.jmp.Code)
	b.ef.code = -int32(b.jmp.Code)
}

// useConflict reports whether an atom used after succ has a different value
// at the end of b than at the end of succ.
func useConflict(b, succ *oblk) bool {
	use := succ.outUse
	if use == 0 {
		return false
	}
	for a := 0; a < nAtoms; a++ {
		if use&atomMask(a) != 0 && b.val[a] != succ.val[a] {
			return true
		}
	}
	return false
}

// foldEdge returns the successor of child that is certain when control
// passed along ep, or nil.
func foldEdge(child *oblk, ep *oedge) *oblk {
	code, sense := ep.code, true
	if code < 0 {
		code, sense = -code, false
	}
	if int32(child.jmp.Code) != code {
		return nil
	}
	if child.val[atomA] != ep.pred.val[atomA] {
		return nil
	}
	if child.oval == ep.pred.oval {
		if sense {
			return child.jt()
		}
		return child.jf()
	}
	if sense && code == int32(ClassJMP|JmpJEQ|SrcK) {
		return child.jf()
	}
	return nil
}

// optJ threads an edge past blocks whose outcome its dominators decide.
func (o *optimizer) optJ(ep *oedge) {
	if ep.succ.isRet() {
		return
	}
	if ep.succ.jt() == ep.succ.jf() && !useConflict(ep.pred, ep.succ.jt()) {
		o.changed()
		ep.succ = ep.succ.jt()
	}
top:
	for w, word := range ep.edom {
		for word != 0 {
			k := bits.TrailingZeros64(word)
			word &^= 1 << k
			target := foldEdge(ep.succ, o.edges[w*64+k])
			if target != nil && !useConflict(ep.pred, target) {
				o.done = false
				ep.succ = target
				if !target.isRet() {
					goto top
				}
				return
			}
		}
	}
}

// pullup moves, in a chain of tests sharing their true target (false
// target for "and"), a later test of the value the block's predecessors
// tested up above the first test of another value.
func (o *optimizer) pullup(b *oblk, isOr bool) {
	ep := b.in
	if ep == nil {
		return
	}
	val := ep.pred.val[atomA]
	for e := ep.next; e != nil; e = e.next {
		if e.pred.val[atomA] != val {
			return
		}
	}
	// chain is the branch followed down the chain; shared the one its
	// tests have in common.
	chain := func(x *oblk) **oblk {
		if isOr {
			return &x.ef.succ
		}
		return &x.et.succ
	}
	shared := func(x *oblk) *oblk {
		if isOr {
			return x.jt()
		}
		return x.jf()
	}
	var diffp **oblk
	if b.in.pred.jt() == b {
		diffp = &b.in.pred.et.succ
	} else {
		diffp = &b.in.pred.ef.succ
	}
	atTop := true
	for {
		d := *diffp
		if d.isRet() || shared(d) != shared(b) || !o.dominates(b, d) {
			return
		}
		if d.val[atomA] != val {
			break
		}
		diffp = chain(d)
		atTop = false
	}
	samep := chain(*diffp)
	for {
		s := *samep
		if s == nil || s.isRet() || shared(s) != shared(b) || !o.dominates(b, s) {
			return
		}
		if s.val[atomA] == val {
			break
		}
		samep = chain(s)
	}
	pull := *samep
	*samep = *chain(pull)
	*chain(pull) = *diffp
	if atTop {
		for e := b.in; e != nil; e = e.next {
			if e.pred.jt() == b {
				e.pred.setJT(pull)
			} else {
				e.pred.setJF(pull)
			}
		}
	} else {
		*diffp = pull
	}
	o.done = false
	// libpcap 1.10 keeps using the dominators computed at the start of the
	// pass, which can move a test out of a chain that another path still
	// needs; later libpcap recomputes them, and so does this.
	o.domDirty = true
}

// optBlks runs one pass: value numbering and simplification and, in the
// first phase, branch movement.
func (o *optimizer) optBlks(doStmts bool) {
	o.initValues()
	o.findInEdges()
	for i := o.maxLevel(); i >= 0; i-- {
		for b := o.levels[i]; b != nil; b = b.link {
			o.optBlk(b, doStmts)
			if o.err != nil {
				return
			}
		}
	}
	if doStmts {
		return
	}
	for i := 1; i <= o.maxLevel(); i++ {
		for b := o.levels[i]; b != nil; b = b.link {
			o.optJ(&b.et)
			o.optJ(&b.ef)
		}
	}
	o.findInEdges()
	for i := 1; i <= o.maxLevel(); i++ {
		for b := o.levels[i]; b != nil; b = b.link {
			o.pullup(b, true)
			o.pullup(b, false)
		}
	}
}

// loop repeats passes until nothing changes, or until 100 passes in a row
// have only moved branches (libpcap's guard against cycles).
func (o *optimizer) loop(doStmts bool) {
	idle := 0
	for {
		o.done = true
		o.nonBran = false
		o.findLevels()
		o.findDom()
		o.findUD()
		o.findEdom()
		o.optBlks(doStmts)
		if o.err != nil || o.done {
			return
		}
		if o.nonBran {
			idle = 0
		} else if idle++; idle >= 100 {
			return
		}
	}
}
