package signatures

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/heron-nsm/heron/internal/signatures/regex"
)

// Defaults of Options, Zeek's values.
const (
	// DefaultMaxGroupSize is Zeek's sig_max_group_size: patterns are
	// compiled into automata of at most this many plus one patterns.
	DefaultMaxGroupSize = 50
	// DefaultREDepth is Zeek's RE_level: header-test tree nodes deeper
	// than this share the automata of their ancestor at this depth.
	DefaultREDepth = 4
)

// ScriptKind says what a ScriptValue holds.
type ScriptKind uint8

// The kinds of script values an identifier can resolve to.
const (
	ScriptCount  ScriptKind = iota + 1 // count, int, bool, enum, port: Count
	ScriptString                       // string: Str
	ScriptSubnet                       // subnet: Subnet
	ScriptSet                          // set or table: Elems
)

// ScriptValue is the value of a script-level identifier that a signature
// refers to (e.g. "dst-ip == local_nets", "ip-proto == my_proto").
type ScriptValue struct {
	Kind   ScriptKind
	Count  uint64
	Str    string
	Subnet netip.Prefix
	Elems  []ScriptValue
}

// EvalState describes the signature and endpoint an eval function is
// asked about (Zeek's signature_state).
type EvalState struct {
	Sig         *Signature
	Conn        ConnHeader
	IsOrig      bool
	PayloadSize int // -1 before any payload, else the first non-empty chunk's size (0 if none yet)
}

// EvalFunc decides an eval condition. data is the current chunk (nil when
// there is none); it is only valid during the call.
type EvalFunc func(st EvalState, data []byte) bool

// Options tune Compile.
type Options struct {
	// Resolve returns the value of a script-level identifier used in a
	// signature. Without it, identifiers are errors.
	Resolve func(name string) (ScriptValue, bool)
	// Eval returns the implementation of an eval condition's function.
	// Heron cannot run Zeek script functions: without it, or when it
	// does not know the name, a signature with eval is a compile error.
	Eval func(name string) (EvalFunc, bool)
	// MaxGroupSize overrides DefaultMaxGroupSize (at most 63).
	MaxGroupSize int
	// REDepth overrides DefaultREDepth.
	REDepth int
	// DFAMemory bounds the DFA cache of each pattern group per Matcher;
	// 0 means regex.DefaultMaxMemory.
	DFAMemory int
}

// rule is a compiled signature.
type rule struct {
	sig        *Signature
	index      int
	hdrs       []*hdrTest
	patterns   []rpattern
	conds      []rcond
	preconds   []precond
	dependents []*rule
	node       *node
	mimes      []MIMEMatch // the file-mime actions, identifiers resolved
}

type rpattern struct {
	kind  PatternKind
	regex string
	id    int    // global pattern id (parse order)
	depth uint32 // the match must end within depth symbols
}

type rcond struct {
	Condition
	value uint32
	eval  EvalFunc
}

type precond struct {
	rule    *rule
	reverse bool
	negate  bool
}

// mval is one value of a header test list: val under mask, or the range
// lo..hi (mask all ones).
type mval struct {
	val, mask uint32
	lo, hi    uint32
	isRange   bool
}

// prefix is an address prefix in IPv6 space (IPv4 v4-mapped, length +96).
type prefix struct {
	addr [16]byte
	bits int
}

type hdrTest struct {
	proto        HeaderProto
	offset, size uint32
	comp         Comp
	vals         []mval
	prefixes     []prefix
}

// node is a node of Zeek's header-test tree: the rules whose header tests
// are exactly the path to it, and the pattern groups matched for endpoints
// that reach it.
type node struct {
	test         *hdrTest // nil at the root
	level        int
	children     []*node // newest first, as Zeek prepends
	patternRules []*rule // newest first
	pureRules    []*rule // newest first
	groups       [numKinds][]*group
}

// group is one compiled pattern set.
type group struct {
	index    int
	kind     PatternKind
	set      *regex.Set
	patterns []int // global pattern ids by local index
}

// Set is a compiled collection of signatures. It is immutable and safe for
// concurrent use; matching needs a Matcher per goroutine.
type Set struct {
	sigs         []*Signature
	rules        []*rule
	byID         map[string]*rule
	root         *node
	groups       []*group
	fileMagic    []*group // the root's file-magic groups
	patternRule  []*rule  // by pattern id
	reDepth      int
	dfaMemory    int
	hasConnRules bool
	hasFileMagic bool
	warnings     []string
}

// Signatures returns the compiled signatures in load order.
func (s *Set) Signatures() []*Signature { return s.sigs }

// Lookup returns the signature with the given id.
func (s *Set) Lookup(id string) (*Signature, bool) {
	r, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return r.sig, true
}

// Warnings returns the warnings compiling produced (e.g. pattern offsets,
// which Zeek ignores).
func (s *Set) Warnings() []string { return s.warnings }

// HasConnRules reports whether any active signature can match on
// connections (one without patterns, or with a non-file-magic pattern);
// callers can skip connection matching otherwise, as Zeek does.
func (s *Set) HasConnRules() bool { return s.hasConnRules }

// NumGroups returns the number of compiled pattern automata.
func (s *Set) NumGroups() int { return len(s.groups) }

func errAt(sig *Signature, line int, format string, args ...any) error {
	if line == 0 {
		line = sig.Line
	}
	return &Error{File: sig.File, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Compile compiles signatures (from one or more files, in load order) with
// default options. Duplicate ids, unknown required signatures, identifiers
// and eval conditions are errors.
func Compile(sigs []*Signature) (*Set, error) {
	return CompileWith(sigs, Options{})
}

// CompileWith is Compile with options.
func CompileWith(sigs []*Signature, opts Options) (*Set, error) {
	maxGroup := opts.MaxGroupSize
	if maxGroup <= 0 {
		maxGroup = DefaultMaxGroupSize
	}
	if maxGroup > regex.MaxPatterns-1 {
		maxGroup = regex.MaxPatterns - 1
	}
	reDepth := opts.REDepth
	if reDepth <= 0 {
		reDepth = DefaultREDepth
	}
	s := &Set{
		sigs:      sigs,
		byID:      make(map[string]*rule, len(sigs)),
		root:      &node{},
		reDepth:   reDepth,
		dfaMemory: opts.DFAMemory,
	}
	c := &compiler{opts: opts, set: s}
	for i, sig := range sigs {
		if _, dup := s.byID[sig.ID]; dup {
			return nil, errAt(sig, 0, "signature %s defined twice", sig.ID)
		}
		r, err := c.rule(sig, i)
		if err != nil {
			return nil, err
		}
		s.rules = append(s.rules, r)
		s.byID[sig.ID] = r
	}
	for _, r := range s.rules {
		if !r.sig.Active {
			continue
		}
		if len(r.patterns) == 0 {
			s.hasConnRules = true
		}
		for _, p := range r.patterns {
			if p.kind != FileMagic {
				s.hasConnRules = true
			}
		}
		for i, req := range r.sig.Requires {
			dep, ok := s.byID[req.ID]
			if !ok {
				return nil, errAt(r.sig, req.Line, "signature %s: unknown signature %s referenced", r.sig.ID, req.ID)
			}
			r.preconds[i].rule = dep
			if !containsRule(dep.dependents, r) {
				dep.dependents = append(dep.dependents, r)
			}
		}
		s.insert(r)
	}
	if err := c.buildGroups(s.root, maxGroup); err != nil {
		return nil, err
	}
	s.fileMagic = s.root.groups[FileMagic]
	s.hasFileMagic = len(s.fileMagic) > 0
	return s, nil
}

func containsRule(rs []*rule, r *rule) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

type compiler struct {
	opts Options
	set  *Set
}

func (c *compiler) resolve(sig *Signature, line int, name string) (ScriptValue, error) {
	if c.opts.Resolve != nil {
		if v, ok := c.opts.Resolve(name); ok {
			return v, nil
		}
	}
	return ScriptValue{}, errAt(sig, line, "unknown script-level identifier %s", name)
}

func (c *compiler) integer(sig *Signature, line int, v Int) (uint32, error) {
	if v.Ident == "" {
		return v.V, nil
	}
	sv, err := c.resolve(sig, line, v.Ident)
	if err != nil {
		return 0, err
	}
	if sv.Kind != ScriptCount {
		return 0, errAt(sig, line, "identifier %s must refer to an integer", v.Ident)
	}
	return uint32(sv.Count), nil
}

func (c *compiler) str(sig *Signature, line int, name string) (string, error) {
	sv, err := c.resolve(sig, line, name)
	if err != nil {
		return "", err
	}
	if sv.Kind != ScriptString {
		return "", errAt(sig, line, "identifier %s must refer to a string", name)
	}
	return sv.Str, nil
}

// rule resolves one signature.
func (c *compiler) rule(sig *Signature, index int) (*rule, error) {
	r := &rule{sig: sig, index: index}
	for i := range sig.Headers {
		h, err := c.header(sig, &sig.Headers[i])
		if err != nil {
			return nil, err
		}
		r.hdrs = append(r.hdrs, h)
	}
	for _, p := range sig.Patterns {
		rp := rpattern{kind: p.Kind, regex: p.Regex, id: len(c.set.patternRule), depth: 0x7fffffff}
		if p.Ident != "" {
			re, err := c.str(sig, p.Line, p.Ident)
			if err != nil {
				return nil, err
			}
			if _, err := regex.Compile(re); err != nil {
				return nil, errAt(sig, p.Line, "%v", err)
			}
			rp.regex = re
		}
		if p.HasRange {
			off, err := c.integer(sig, p.Line, p.Offset)
			if err != nil {
				return nil, err
			}
			if rp.depth, err = c.integer(sig, p.Line, p.Depth); err != nil {
				return nil, err
			}
			if off > 0 {
				c.set.warnings = append(c.set.warnings, (&Error{File: sig.File, Line: p.Line,
					Msg: "offsets are currently ignored for patterns"}).Error())
			}
		}
		r.patterns = append(r.patterns, rp)
		c.set.patternRule = append(c.set.patternRule, r)
	}
	for _, cond := range sig.Conditions {
		rc := rcond{Condition: cond}
		switch cond.Kind {
		case CondPayloadSize:
			v, err := c.integer(sig, cond.Line, cond.Value)
			if err != nil {
				return nil, err
			}
			rc.value = v
		case CondEval:
			var fn EvalFunc
			ok := false
			if c.opts.Eval != nil {
				fn, ok = c.opts.Eval(cond.Func)
			}
			if !ok {
				return nil, errAt(sig, cond.Line, "signature %s: eval %s: script functions cannot be evaluated (remove the condition or provide it to the signature engine)", sig.ID, cond.Func)
			}
			rc.eval = fn
		}
		r.conds = append(r.conds, rc)
	}
	for _, req := range sig.Requires {
		r.preconds = append(r.preconds, precond{reverse: req.Reverse, negate: req.Negate})
	}
	for _, a := range sig.Actions {
		if a.Kind != ActFileMIME {
			continue
		}
		mime := a.MIME
		if a.MIMEIdent != "" {
			m, err := c.str(sig, a.Line, a.MIMEIdent)
			if err != nil {
				return nil, err
			}
			mime = m
		}
		r.mimes = append(r.mimes, MIMEMatch{MIME: mime, Strength: a.Strength})
	}
	return r, nil
}

// header resolves one header test.
func (c *compiler) header(sig *Signature, h *HeaderTest) (*hdrTest, error) {
	t := &hdrTest{proto: h.Proto, comp: h.Comp}
	var err error
	if h.Proto != HdrSrcIP && h.Proto != HdrDstIP && h.Proto != HdrNext {
		if t.offset, err = c.integer(sig, h.Line, h.Offset); err != nil {
			return nil, err
		}
		if t.size, err = c.integer(sig, h.Line, h.Size); err != nil {
			return nil, err
		}
		if t.size != 1 && t.size != 2 && t.size != 4 {
			return nil, errAt(sig, h.Line, "header size must be 1, 2 or 4, not %d", t.size)
		}
	}
	if h.Masked {
		m, err := c.integer(sig, h.Line, h.MaskInt)
		if err != nil {
			return nil, err
		}
		t.vals = []mval{{val: h.Values[0].Val, mask: m}}
		return t, nil
	}
	addr := h.Proto == HdrSrcIP || h.Proto == HdrDstIP
	for _, v := range h.Values {
		switch v.Kind {
		case ValInt:
			t.vals = append(t.vals, mval{val: v.Val, mask: v.Mask})
		case ValRange:
			t.vals = append(t.vals, mval{lo: v.Lo, hi: v.Hi, mask: 0xffffffff, isRange: true})
		case ValPrefix:
			t.prefixes = append(t.prefixes, toPrefix(v.Prefix))
		case ValIdent:
			sv, err := c.resolve(sig, h.Line, v.Ident)
			if err != nil {
				return nil, err
			}
			if err := c.scriptValues(sig, h.Line, v.Ident, sv, addr, t); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// scriptValues appends a script value to a header test's list, as Zeek's
// id_to_maskedvallist does.
func (c *compiler) scriptValues(sig *Signature, line int, name string, sv ScriptValue, addr bool, t *hdrTest) error {
	switch sv.Kind {
	case ScriptSet:
		for _, e := range sv.Elems {
			if e.Kind == ScriptSet {
				return errAt(sig, line, "identifier %s: nested sets are not supported", name)
			}
			if err := c.scriptValues(sig, line, name, e, addr, t); err != nil {
				return err
			}
		}
		return nil
	case ScriptCount:
		if addr {
			return errAt(sig, line, "identifier %s must refer to subnets", name)
		}
		t.vals = append(t.vals, mval{val: uint32(sv.Count), mask: 0xffffffff})
		return nil
	case ScriptSubnet:
		if addr {
			t.prefixes = append(t.prefixes, toPrefix(sv.Subnet))
			return nil
		}
		p := sv.Subnet.Masked()
		if !p.Addr().Is4() {
			return errAt(sig, line, "identifier %s: IPv6 subnets not supported", name)
		}
		a := p.Addr().As4()
		mask := uint32(0)
		if p.Bits() > 0 {
			mask = ^uint32(0) << (32 - p.Bits())
		}
		t.vals = append(t.vals, mval{val: uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]), mask: mask})
		return nil
	}
	return errAt(sig, line, "identifier %s has the wrong type", name)
}

// toPrefix converts to IPv6 space: IPv4 prefixes become v4-mapped with
// their length plus 96, as Zeek's IPPrefix stores them.
func toPrefix(p netip.Prefix) prefix {
	p = p.Masked()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	return prefix{addr: p.Addr().As16(), bits: bits}
}

// insert adds r to the tree (Zeek's InsertRuleIntoTree).
func (s *Set) insert(r *rule) {
	dest := s.root
	for _, t := range r.hdrs {
		var next *node
		for _, ch := range dest.children {
			if ch.test.sameAs(t) {
				next = ch
				break
			}
		}
		if next == nil {
			next = &node{test: t, level: dest.level + 1}
			dest.children = append([]*node{next}, dest.children...)
		}
		dest = next
	}
	r.node = dest
	if len(r.patterns) == 0 {
		dest.pureRules = append([]*rule{r}, dest.pureRules...)
	} else {
		dest.patternRules = append([]*rule{r}, dest.patternRules...)
	}
}

// sameAs is Zeek's RuleHdrTest::operator== with the tree's test as the
// receiver: same protocol, position, comparison and values. Like Zeek, it
// compares only as many address prefixes as the tree's test has, so a rule
// whose list extends an existing node's list shares that node (and its
// shorter list).
func (t *hdrTest) sameAs(o *hdrTest) bool {
	if t.proto != o.proto || t.offset != o.offset || t.size != o.size || t.comp != o.comp {
		return false
	}
	if !sameVals(t.vals, o.vals) {
		return false
	}
	if len(o.prefixes) < len(t.prefixes) {
		return false // Zeek reads past the end here; treat as different
	}
	for i := range t.prefixes {
		if t.prefixes[i] != o.prefixes[i] {
			return false
		}
	}
	return true
}

// sameVals compares two value lists as Zeek does after expanding ranges
// into their values, without expanding them.
func sameVals(a, b []mval) bool {
	type cursor struct {
		list []mval
		i    int
		off  uint64 // progress within a range
	}
	// next returns the current run: start value, mask, and length.
	run := func(c *cursor) (v, mask uint32, n uint64, ok bool) {
		for c.i < len(c.list) {
			m := c.list[c.i]
			if !m.isRange {
				return m.val, m.mask, 1, true
			}
			if m.lo > m.hi || uint64(m.lo)+c.off > uint64(m.hi) {
				c.i++
				c.off = 0
				continue
			}
			return m.lo + uint32(c.off), 0xffffffff, uint64(m.hi) - uint64(m.lo) - c.off + 1, true
		}
		return 0, 0, 0, false
	}
	adv := func(c *cursor, n uint64) {
		m := c.list[c.i]
		if !m.isRange {
			c.i++
			return
		}
		c.off += n
		if uint64(m.lo)+c.off > uint64(m.hi) {
			c.i++
			c.off = 0
		}
	}
	ca, cb := &cursor{list: a}, &cursor{list: b}
	for {
		va, ma, na, oka := run(ca)
		vb, mb, nb, okb := run(cb)
		if !oka || !okb {
			return oka == okb
		}
		if va != vb || ma != mb {
			return false
		}
		n := min(na, nb)
		if n > 1 && (!ca.list[ca.i].isRange || !cb.list[cb.i].isRange) {
			n = 1
		}
		adv(ca, n)
		adv(cb, n)
	}
}

// buildGroups compiles the pattern automata (Zeek's BuildRegEx): nodes
// above the RE depth get their own patterns, nodes at it get their own and
// all descendants', nodes below get none. It returns the patterns of the
// subtree by kind.
func (c *compiler) buildGroups(n *node, maxGroup int) error {
	_, err := c.collect(n, maxGroup)
	return err
}

func (c *compiler) collect(n *node, maxGroup int) ([numKinds][]rpattern, error) {
	var exprs [numKinds][]rpattern
	for _, r := range n.patternRules {
		for _, p := range r.patterns {
			exprs[p.kind] = append(exprs[p.kind], p)
		}
	}
	reDepth := c.set.reDepth
	if n.level < reDepth {
		for k := range exprs {
			if err := c.makeGroups(n, PatternKind(k), exprs[k], maxGroup); err != nil {
				return exprs, err
			}
		}
	}
	for _, ch := range n.children {
		sub, err := c.collect(ch, maxGroup)
		if err != nil {
			return exprs, err
		}
		for k := range sub {
			exprs[k] = append(exprs[k], sub[k]...)
		}
	}
	if n.level == reDepth {
		for k := range exprs {
			if err := c.makeGroups(n, PatternKind(k), exprs[k], maxGroup); err != nil {
				return exprs, err
			}
		}
	}
	return exprs, nil
}

// makeGroups splits patterns into groups of maxGroup+1, as Zeek's
// BuildPatternSets does, and compiles each.
func (c *compiler) makeGroups(n *node, kind PatternKind, pats []rpattern, maxGroup int) error {
	for len(pats) > 0 {
		k := min(len(pats), maxGroup+1)
		chunk := pats[:k]
		pats = pats[k:]
		texts := make([]string, len(chunk))
		ids := make([]int, len(chunk))
		for i, p := range chunk {
			texts[i] = p.regex
			ids[i] = p.id
		}
		rs, err := regex.CompileSet(texts, regex.CompileOptions{})
		if err != nil {
			var names []string
			for _, id := range ids {
				names = append(names, c.set.patternRule[id].sig.ID)
			}
			first := c.set.patternRule[ids[0]].sig
			if errors.Is(err, regex.ErrTooLarge) {
				return errAt(first, 0, "patterns of signatures %s too large to compile", strings.Join(names, ", "))
			}
			return errAt(first, 0, "%v", err)
		}
		g := &group{index: len(c.set.groups), kind: kind, set: rs, patterns: ids}
		c.set.groups = append(c.set.groups, g)
		n.groups[kind] = append(n.groups[kind], g)
	}
	return nil
}
