package bpf

// Graph analyses for the optimizer: numbering, levels, dominators, edge
// dominators, uses and definitions, in-edges.

// importGraph copies the block graph into optimizer blocks.
func (o *optimizer) importGraph(entry *block) *oblk {
	seen := map[*block]*oblk{}
	var conv func(b *block) *oblk
	conv = func(b *block) *oblk {
		b = skipGotos(b)
		if ob, ok := seen[b]; ok {
			return ob
		}
		ob := &oblk{stmts: append([]Instruction(nil), b.stmts...)}
		seen[b] = ob
		if b.kind == blkRet {
			ob.jmp = Instruction{Code: ClassRET | RetK, K: b.ret}
			return ob
		}
		ob.jmp = b.jmp
		ob.setJT(conv(b.jt))
		ob.setJF(conv(b.jf))
		return ob
	}
	return conv(entry)
}

// numberBlocks numbers blocks in preorder (true branch first) and their
// edges: a block's true edge has its number, its false edge that plus the
// number of blocks. The numbers stay fixed while the graph changes.
func (o *optimizer) numberBlocks() {
	o.markGen++
	var walk func(b *oblk)
	walk = func(b *oblk) {
		if b == nil || b.mark == o.markGen {
			return
		}
		b.mark = o.markGen
		b.id = len(o.blocks)
		o.blocks = append(o.blocks, b)
		walk(b.jt())
		walk(b.jf())
	}
	walk(o.root)
	n := len(o.blocks)
	o.edges = make([]*oedge, 2*n)
	for i, b := range o.blocks {
		b.et.id, b.ef.id = i, n+i
		b.et.pred, b.ef.pred = b, b
		o.edges[i], o.edges[n+i] = &b.et, &b.ef
		b.et.edom = newBitset(2 * n)
		b.ef.edom = newBitset(2 * n)
	}
}

// findLevels sets each reachable block's level (0 for returns, else one
// more than its highest successor) and lists the blocks of each level, in
// the order libpcap lists them.
func (o *optimizer) findLevels() {
	o.markGen++
	o.levels = o.levels[:0]
	var walk func(b *oblk)
	walk = func(b *oblk) {
		if b.mark == o.markGen {
			return
		}
		b.mark = o.markGen
		b.link = nil
		level := 0
		if !b.isRet() {
			walk(b.jt())
			walk(b.jf())
			level = max(b.jt().level, b.jf().level) + 1
		}
		b.level = level
		for len(o.levels) <= level {
			o.levels = append(o.levels, nil)
		}
		b.link = o.levels[level]
		o.levels[level] = b
	}
	walk(o.root)
}

func (o *optimizer) maxLevel() int { return o.root.level }

// findDom computes the dominator tree of the reachable blocks (with the
// Cooper-Harvey-Kennedy algorithm, in one pass since the graph is acyclic)
// and numbers it so that dominates answers in constant time.
func (o *optimizer) findDom() {
	o.domDirty = false
	o.markGen++
	// Postorder of the non-return blocks (returns are never asked about,
	// and are where most paths merge: leaving them out keeps this fast).
	post := o.post[:0]
	stack := o.stack[:0]
	if !o.root.isRet() {
		o.root.mark = o.markGen
		stack = append(stack, o.root)
	}
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		pushed := false
		for _, s := range [2]*oblk{b.jt(), b.jf()} {
			if !s.isRet() && s.mark != o.markGen {
				s.mark = o.markGen
				stack = append(stack, s)
				pushed = true
				break
			}
		}
		if pushed {
			continue
		}
		stack = stack[:len(stack)-1]
		b.postNum = len(post)
		post = append(post, b)
		b.preds = b.preds[:0]
		b.kids = b.kids[:0]
		b.idom = nil
	}
	for _, b := range post {
		for i, s := range [2]*oblk{b.jt(), b.jf()} {
			if !s.isRet() && (i == 0 || s != b.jt()) {
				s.preds = append(s.preds, b)
			}
		}
	}
	o.post, o.stack = post, stack
	if len(post) == 0 {
		return
	}
	o.root.idom = o.root
	for i := len(post) - 2; i >= 0; i-- { // reverse postorder, after the root
		b := post[i]
		var d *oblk
		for _, p := range b.preds {
			if p.idom == nil {
				continue
			}
			if d == nil {
				d = p
				continue
			}
			x, y := p, d
			for x != y {
				for x.postNum < y.postNum {
					x = x.idom
				}
				for y.postNum < x.postNum {
					y = y.idom
				}
			}
			d = x
		}
		b.idom = d
	}
	// Number the tree in preorder; a subtree covers the numbers from its
	// root's to its last descendant's.
	for _, b := range post {
		if b != o.root && b.idom != nil {
			b.idom.kids = append(b.idom.kids, b)
		}
	}
	n := 0
	stack = append(stack[:0], o.root)
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		b.pre = n
		n++
		stack = append(stack, b.kids...)
	}
	o.stack = stack
	o.byPre = o.byPre[:0]
	for range n {
		o.byPre = append(o.byPre, nil)
	}
	for _, b := range post {
		b.last = b.pre
		o.byPre[b.pre] = b
	}
	for i := n - 1; i > 0; i-- {
		b := o.byPre[i]
		if b.idom.last < b.last {
			b.idom.last = b.last
		}
	}
}

// dominates reports whether every path from the root to d passes a (both
// conditional blocks).
func (o *optimizer) dominates(a, d *oblk) bool {
	if o.domDirty {
		o.findDom()
	}
	return a.pre <= d.pre && d.pre <= a.last
}

// findEdom computes the edges that dominate every edge.
func (o *optimizer) findEdom() {
	for _, e := range o.edges {
		e.edom.fill()
	}
	o.root.et.edom.clear()
	o.root.ef.edom.clear()
	prop := func(e *oedge) {
		e.edom.add(e.id)
		if e.succ != nil {
			e.succ.et.edom.intersect(e.edom)
			e.succ.ef.edom.intersect(e.edom)
		}
	}
	for i := o.maxLevel(); i >= 0; i-- {
		for b := o.levels[i]; b != nil; b = b.link {
			prop(&b.et)
			prop(&b.ef)
		}
	}
}

// atomUse returns the atom an instruction reads (atomAX for both A and X),
// or -1.
func atomUse(in Instruction) int {
	if in.Code == nopCode {
		return -1
	}
	switch class(in.Code) {
	case ClassRET:
		if in.Code&0x18 == RetA {
			return atomA
		}
		return -1
	case ClassLD, ClassLDX:
		switch in.Code & 0xe0 {
		case ModeIND:
			return atomX
		case ModeMEM:
			return int(in.K % MemWords)
		}
		return -1
	case ClassST:
		return atomA
	case ClassSTX:
		return atomX
	case ClassJMP, ClassALU:
		if in.Code&SrcX != 0 {
			return atomAX
		}
		return atomA
	case ClassMISC:
		if in.Code&0xf8 == MiscTXA {
			return atomX
		}
		return atomA
	}
	return -1
}

// atomDef returns the atom an instruction writes, or -1.
func atomDef(in Instruction) int {
	if in.Code == nopCode {
		return -1
	}
	switch class(in.Code) {
	case ClassLD, ClassALU:
		return atomA
	case ClassLDX:
		return atomX
	case ClassST, ClassSTX:
		return int(in.K % MemWords)
	case ClassMISC:
		if in.Code&0xf8 == MiscTAX {
			return atomX
		}
		return atomA
	}
	return -1
}

func atomMask(a int) uint32 { return 1 << a }

// addUse notes that an atom is read, unless the block defined it first.
func addUse(use *uint32, def uint32, atom int) {
	switch {
	case atom < 0:
	case atom == atomAX:
		if def&atomMask(atomX) == 0 {
			*use |= atomMask(atomX)
		}
		if def&atomMask(atomA) == 0 {
			*use |= atomMask(atomA)
		}
	default:
		if def&atomMask(atom) == 0 {
			*use |= atomMask(atom)
		}
	}
}

// findUD computes which atoms each block uses, defines and kills, and which
// are live on entry and exit.
func (o *optimizer) findUD() {
	for i := o.maxLevel(); i >= 0; i-- {
		for b := o.levels[i]; b != nil; b = b.link {
			var def, use, kill uint32
			for _, s := range b.stmts {
				if s.Code == nopCode {
					continue
				}
				addUse(&use, def, atomUse(s))
				if a := atomDef(s); a >= 0 {
					if use&atomMask(a) == 0 {
						kill |= atomMask(a)
					}
					def |= atomMask(a)
				}
			}
			if class(b.jmp.Code) == ClassJMP {
				addUse(&use, def, atomUse(b.jmp))
			}
			b.def, b.kill, b.inUse, b.outUse = def, kill, use, 0
		}
	}
	for i := 1; i <= o.maxLevel(); i++ {
		for b := o.levels[i]; b != nil; b = b.link {
			b.outUse |= b.jt().inUse | b.jf().inUse
			b.inUse |= b.outUse &^ b.kill
		}
	}
}

// findInEdges lists the edges into every block (each list in the order
// libpcap builds it).
func (o *optimizer) findInEdges() {
	for _, b := range o.blocks {
		b.in = nil
	}
	for i := o.maxLevel(); i > 0; i-- {
		for b := o.levels[i]; b != nil; b = b.link {
			for _, e := range [2]*oedge{&b.et, &b.ef} {
				e.next = e.succ.in
				e.succ.in = e
			}
		}
	}
}
