package signatures

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/heron-nsm/heron/internal/signatures/regex"
)

// ConnHeader identifies a connection for signature matching.
type ConnHeader struct {
	OrigAddr, RespAddr netip.Addr
	OrigPort, RespPort uint16 // for ICMP: type and code, as Zeek's conn ids
	IPProto            uint8  // transport protocol: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6
}

// PacketHeader carries the raw headers of an endpoint's first packet, for
// "header" conditions. Both slices are only read during InitEndpoint.
type PacketHeader struct {
	// IP is the packet from its IP header on (IPv4 header or IPv6 fixed
	// header first); nil to synthesize one from the connection.
	IP []byte
	// Transport is the packet from its transport header on (after IPv6
	// extension headers); nil to synthesize the ports from the
	// connection.
	Transport []byte
}

// Flags modify one Match call.
type Flags uint8

// The Match flags (Zeek's bol/eol/clear arguments).
const (
	// BOL feeds the begin-of-data marker before the data. For Payload it
	// is ignored: the marker is fed once, when the endpoint starts.
	BOL Flags = 1 << iota
	// EOL feeds the end-of-data marker after the data.
	EOL
	// Clear restarts the patterns of this kind from their start state
	// (matches already seen are remembered).
	Clear
)

// Match reports a signature that matched.
type Match struct {
	Sig    *Signature
	IsOrig bool // the direction whose data matched
	// Data is the chunk that completed the match (Zeek's "data" argument
	// of signature_match): the data of the current Match call, or the
	// chunk saved when the signature's patterns matched if it fires
	// later (through a dependency or at the end). Nil for signatures
	// without patterns. It is valid only during the callback.
	Data []byte
	// EndOfMatch is where in Data the match ended (Zeek's end_of_match),
	// clamped to len(Data); 0 without data.
	EndOfMatch int
}

// Matcher matches a Set for one goroutine: it holds the lazily built DFA
// states of every pattern group and scratch space. It is not safe for
// concurrent use; make one per worker goroutine.
type Matcher struct {
	set  *Set
	re   []*regex.Matcher // by group index
	hits []regex.Hit
	acc  []accepted
	rms  []ruleMatch
	bfs  []*node
	// packet header scratch
	ipBuf [40]byte
	l4Buf [4]byte
}

type accepted struct {
	pid int
	pos uint64
}

type ruleMatch struct {
	r   *rule
	pos uint64
}

// NewMatcher returns a Matcher for s.
func (s *Set) NewMatcher() *Matcher {
	m := &Matcher{set: s, re: make([]*regex.Matcher, len(s.groups))}
	for i, g := range s.groups {
		m.re[i] = g.set.NewMatcher(regex.MatcherOptions{MaxMemory: s.dfaMemory})
	}
	return m
}

// Set returns the Set m matches.
func (m *Matcher) Set() *Set { return m.set }

// DFAStats sums the DFA cache counters of all groups.
func (m *Matcher) DFAStats() regex.MatcherStats {
	var t regex.MatcherStats
	for _, r := range m.re {
		s := r.Stats()
		t.States += s.States
		t.Memory += s.Memory
		t.Built += s.Built
		t.Steps += s.Steps
		t.Flushes += s.Flushes
	}
	return t
}

// ConnState is the matching state of one connection: one endpoint per
// direction, each started by its first packet (InitEndpoint) or its first
// data (Match). Its methods must be called from the goroutine of its
// Matcher. The emit callbacks may call back into the ConnState (an analyzer
// enabled by a match may feed its own kinds of data at once).
type ConnState struct {
	m           *Matcher
	hdr         ConnHeader
	established bool
	orig, resp  endpoint
}

// endpoint is Zeek's RuleEndpointState.
type endpoint struct {
	init        bool
	isOrig      bool
	payloadSize int
	curPos      uint64
	nodes       []*node
	matchers    []epMatcher
	acc         []accepted // accepted patterns, ascending pattern id
	pms         []patternMatch
	matched     []int // indexes of rules fired in this direction
}

type epMatcher struct {
	g    *group
	kind PatternKind
	st   regex.Stream
}

// patternMatch remembers a rule all of whose patterns matched, with the
// chunk that completed them, for firing later.
type patternMatch struct {
	r    *rule
	text []byte
	eom  int64
}

// NewConnState returns the state of a new connection.
func (m *Matcher) NewConnState(hdr ConnHeader) *ConnState {
	c := &ConnState{}
	c.Init(m, hdr)
	return c
}

// Init resets c for a new connection, keeping its buffers.
func (c *ConnState) Init(m *Matcher, hdr ConnHeader) {
	c.m = m
	c.hdr = hdr
	c.established = false
	c.orig.reset(true)
	c.resp.reset(false)
}

func (e *endpoint) reset(isOrig bool) {
	for i := range e.pms {
		e.pms[i] = patternMatch{}
	}
	*e = endpoint{
		isOrig:   isOrig,
		nodes:    e.nodes[:0],
		matchers: e.matchers[:0],
		acc:      e.acc[:0],
		pms:      e.pms[:0],
		matched:  e.matched[:0],
	}
}

// SetEstablished records whether the TCP handshake is complete (Zeek's
// is_established on both endpoints: neither is inactive, SYN-sent or
// SYN-ACK-sent), for tcp-state established. Call it when that changes.
func (c *ConnState) SetEstablished(b bool) { c.established = b }

// Initialized reports whether the endpoint of the direction has started.
func (c *ConnState) Initialized(isOrig bool) bool { return c.ep(isOrig).init }

func (c *ConnState) ep(isOrig bool) *endpoint {
	if isOrig {
		return &c.orig
	}
	return &c.resp
}

func (c *ConnState) opposite(e *endpoint) *endpoint {
	var o *endpoint
	if e.isOrig {
		o = &c.resp
	} else {
		o = &c.orig
	}
	if !o.init {
		return nil
	}
	return o
}

// InitEndpoint starts the endpoint of a direction with its first packet
// (Zeek's RuleMatcher::InitEndpoint): header conditions are evaluated,
// signatures without patterns whose conditions hold fire, and the
// begin-of-data marker is fed to the payload patterns. pkt may be nil (the
// headers are then synthesized from the connection). An endpoint is
// started once; later calls do nothing.
func (c *ConnState) InitEndpoint(isOrig bool, pkt *PacketHeader, emit func(Match)) {
	e := c.ep(isOrig)
	if e.init {
		return
	}
	e.init = true
	e.payloadSize = -1
	ip, l4, v6 := c.headers(isOrig, pkt)
	m := c.m
	// Take the scratch list: emit may re-enter the Matcher.
	tests := append(m.bfs[:0], m.set.root)
	m.bfs = nil
	for i := 0; i < len(tests); i++ {
		h := tests[i]
		if len(h.patternRules) > 0 || len(h.pureRules) > 0 {
			e.nodes = append(e.nodes, h)
		}
		for _, r := range h.pureRules {
			if c.evalConditions(r, e, nil, false) {
				c.execActions(r, e, nil, false, false, emit)
			}
		}
		if h.level <= m.set.reDepth {
			for k := Payload; k < numKinds; k++ {
				for _, g := range h.groups[k] {
					e.matchers = append(e.matchers, epMatcher{g: g, kind: k})
				}
			}
		}
		for _, ch := range h.children {
			if c.testHeader(ch.test, isOrig, ip, l4, v6) {
				tests = append(tests, ch)
			}
		}
	}
	m.bfs = tests[:0]
	c.match(e, Payload, []byte{}, true, false, false, emit)
}

// headers returns the raw headers of the endpoint's first packet, or
// synthesized ones.
func (c *ConnState) headers(isOrig bool, pkt *PacketHeader) (ip, l4 []byte, v6 bool) {
	src, dst := c.hdr.OrigAddr, c.hdr.RespAddr
	sp, dp := c.hdr.OrigPort, c.hdr.RespPort
	if !isOrig {
		src, dst, sp, dp = dst, src, dp, sp
	}
	if pkt != nil && len(pkt.IP) > 0 {
		ip = pkt.IP
		v6 = ip[0]>>4 == 6
	} else {
		b := c.m.ipBuf[:]
		clear(b)
		if src.Is4() || src.Is4In6() {
			b[0] = 0x45
			b[9] = c.hdr.IPProto
			s4, d4 := src.Unmap().As4(), dst.Unmap().As4()
			copy(b[12:], s4[:])
			copy(b[16:], d4[:])
			ip = b[:20]
		} else {
			b[0] = 0x60
			b[6] = c.hdr.IPProto
			s16, d16 := src.As16(), dst.As16()
			copy(b[8:], s16[:])
			copy(b[24:], d16[:])
			ip = b[:40]
			v6 = true
		}
	}
	if pkt != nil && pkt.Transport != nil {
		l4 = pkt.Transport
	} else if c.hdr.IPProto == 6 || c.hdr.IPProto == 17 {
		binary.BigEndian.PutUint16(c.m.l4Buf[0:], sp)
		binary.BigEndian.PutUint16(c.m.l4Buf[2:], dp)
		l4 = c.m.l4Buf[:]
	}
	return ip, l4, v6
}

// testHeader evaluates one header test against an endpoint's first packet.
func (c *ConnState) testHeader(t *hdrTest, isOrig bool, ip, l4 []byte, v6 bool) bool {
	switch t.proto {
	case HdrNext:
		return compareVals(t.vals, uint32(c.hdr.IPProto), t.comp)
	case HdrIP:
		if v6 {
			return false
		}
		v, ok := getval(ip, t.offset, t.size)
		return ok && compareVals(t.vals, v, t.comp)
	case HdrIP6:
		if !v6 {
			return false
		}
		v, ok := getval(ip, t.offset, t.size)
		return ok && compareVals(t.vals, v, t.comp)
	case HdrICMP, HdrICMP6, HdrTCP, HdrUDP:
		// Like Zeek, the transport header is read whatever the
		// protocol (src-port on ICMP reads type and code).
		v, ok := getval(l4, t.offset, t.size)
		return ok && compareVals(t.vals, v, t.comp)
	case HdrSrcIP, HdrDstIP:
		a := c.hdr.OrigAddr
		if (t.proto == HdrSrcIP) != isOrig {
			a = c.hdr.RespAddr
		}
		return comparePrefixes(t.prefixes, a.As16(), t.comp)
	}
	return false
}

// getval reads a big-endian value of size bytes; a read past the end of
// the captured header fails (Zeek reads whatever follows in memory).
func getval(b []byte, off, size uint32) (uint32, bool) {
	if uint64(off)+uint64(size) > uint64(len(b)) {
		return 0, false
	}
	switch size {
	case 1:
		return uint32(b[off]), true
	case 2:
		return uint32(binary.BigEndian.Uint16(b[off:])), true
	case 4:
		return binary.BigEndian.Uint32(b[off:]), true
	}
	return 0, false
}

func cmpOp(a, b uint32, comp Comp) bool {
	switch comp {
	case EQ:
		return a == b
	case NE:
		return a != b
	case LT:
		return a < b
	case GT:
		return a > b
	case LE:
		return a <= b
	case GE:
		return a >= b
	}
	return false
}

// compareVals is Zeek's compare(): with != no value may be equal; with
// any other operator one value must satisfy it.
func compareVals(vals []mval, v uint32, comp Comp) bool {
	if comp == NE {
		for _, m := range vals {
			if m.isRange {
				if m.lo <= v && v <= m.hi {
					return false
				}
			} else if v&m.mask == m.val {
				return false
			}
		}
		return true
	}
	for _, m := range vals {
		if m.isRange {
			if m.lo > m.hi {
				continue
			}
			var ok bool
			switch comp {
			case EQ:
				ok = m.lo <= v && v <= m.hi
			case LT:
				ok = v < m.hi
			case GT:
				ok = v > m.lo
			case LE:
				ok = v <= m.hi
			case GE:
				ok = v >= m.lo
			}
			if ok {
				return true
			}
		} else if cmpOp(v&m.mask, m.val, comp) {
			return true
		}
	}
	return false
}

func maskAddr(a [16]byte, bits int) [16]byte {
	for i := range a {
		switch {
		case bits >= 8:
			bits -= 8
		case bits <= 0:
			a[i] = 0
		default:
			a[i] &= ^byte(0xff >> bits)
			bits = 0
		}
	}
	return a
}

// comparePrefixes compares the address, masked to each prefix's length,
// with the prefix (addresses ordered as bytes).
func comparePrefixes(ps []prefix, a [16]byte, comp Comp) bool {
	for _, p := range ps {
		masked := maskAddr(a, p.bits)
		c := bytes.Compare(masked[:], p.addr[:])
		var ok bool
		switch comp {
		case EQ, NE:
			ok = c == 0
		case LT:
			ok = c < 0
		case GT:
			ok = c > 0
		case LE:
			ok = c <= 0
		case GE:
			ok = c >= 0
		}
		if comp == NE {
			if ok {
				return false
			}
			continue
		}
		if ok {
			return true
		}
	}
	return comp == NE
}

// Match feeds data of a kind from one direction (Zeek's
// RuleMatcher::Match): the patterns of that kind advance over it, and every
// signature all of whose patterns have matched and whose other conditions
// hold fires, once per connection. For Payload the begin-of-data marker is
// handled by the endpoint (flags' BOL is ignored). If the direction's
// endpoint has not started, it is started with synthesized headers. data is
// only read during the call; it is passed to emit, which must not keep it.
func (c *ConnState) Match(kind PatternKind, isOrig bool, data []byte, flags Flags, emit func(Match)) {
	e := c.ep(isOrig)
	if !e.init {
		c.InitEndpoint(isOrig, nil, emit)
	}
	if data == nil {
		data = []byte{}
	}
	c.match(e, kind, data, flags&BOL != 0, flags&EOL != 0, flags&Clear != 0, emit)
}

// MatchPacket matches one UDP or ICMP-style packet's payload and then
// clears the direction's payload state, as Zeek's UDP analyzer does for
// every packet: patterns start afresh at the next packet, payload-size
// applies to each packet, and signatures without patterns are evaluated
// again (signatures still fire at most once per connection).
func (c *ConnState) MatchPacket(isOrig bool, payload []byte, emit func(Match)) {
	c.Match(Payload, isOrig, payload, 0, emit)
	c.ClearEndpoint(isOrig, emit)
}

// match is RuleMatcher::Match; data is never nil.
func (c *ConnState) match(e *endpoint, kind PatternKind, data []byte, bol, eol, clearState bool, emit func(Match)) {
	m := c.m
	if kind == Payload {
		bol = e.payloadSize < 0
		if e.payloadSize <= 0 && len(data) > 0 {
			e.payloadSize = len(data)
		} else if e.payloadSize < 0 {
			e.payloadSize = 0
		}
	}
	if clearState {
		e.curPos = 0
	}
	pre := e.curPos
	fresh := false
	for i := range e.matchers {
		em := &e.matchers[i]
		if em.kind != kind {
			continue
		}
		hits, f := m.re[em.g.index].Feed(&em.st, data, bol, eol, clearState, m.hits[:0])
		m.hits = hits
		for _, h := range hits {
			e.addAccepted(em.g.patterns[h.Pattern], h.Pos)
		}
		if f {
			fresh = true
		}
	}
	e.curPos += uint64(len(data))
	if !fresh {
		return
	}
	// The rules all of whose patterns have matched, by rule index; for a
	// rule with several patterns the position of its last pattern (by
	// id) counts, as in Zeek.
	rms := m.rms[:0]
	m.rms = nil // emit may re-enter the Matcher
	for _, a := range e.acc {
		r := m.set.patternRule[a.pid]
		if e.allPatternsMatched(r, a.pos) {
			rms = append(rms, ruleMatch{r, a.pos})
		}
	}
	slices.SortStableFunc(rms, func(a, b ruleMatch) int { return a.r.index - b.r.index })
	for i, rm := range rms {
		if i+1 < len(rms) && rms[i+1].r == rm.r {
			continue // a later pattern of the same rule wins
		}
		r := rm.r
		if !e.onNode(r) || e.hasMatched(r) {
			continue
		}
		if e.findPM(r) == nil {
			text := append([]byte{}, data...)
			e.pms = append(e.pms, patternMatch{r: r, text: text, eom: int64(rm.pos) - int64(pre)})
		}
		if !c.evalConditions(r, e, data, false) {
			continue
		}
		c.execActions(r, e, data, true, false, emit)
	}
	m.rms = rms[:0]
}

func (e *endpoint) addAccepted(pid int, pos uint64) {
	i, found := slices.BinarySearchFunc(e.acc, pid, func(a accepted, pid int) int { return a.pid - pid })
	if found {
		return
	}
	e.acc = slices.Insert(e.acc, i, accepted{pid, pos})
}

func (e *endpoint) hasAccepted(pid int) bool {
	_, found := slices.BinarySearchFunc(e.acc, pid, func(a accepted, pid int) int { return a.pid - pid })
	return found
}

// allPatternsMatched is Zeek's AllRulePatternsMatched: every pattern of r
// has matched, and pos (the match position being considered) lies within
// each pattern's depth.
func (e *endpoint) allPatternsMatched(r *rule, pos uint64) bool {
	for _, p := range r.patterns {
		if !e.hasAccepted(p.id) || pos > uint64(p.depth) {
			return false
		}
	}
	return true
}

// onNode reports whether r's header tests all held for this endpoint.
func (e *endpoint) onNode(r *rule) bool {
	for _, n := range e.nodes {
		if n == r.node {
			return true
		}
	}
	return false
}

func (e *endpoint) hasMatched(r *rule) bool {
	return slices.Contains(e.matched, r.index)
}

func (e *endpoint) findPM(r *rule) *patternMatch {
	for i := range e.pms {
		if e.pms[i].r == r {
			return &e.pms[i]
		}
	}
	return nil
}

// evalConditions is Zeek's EvalRuleConditions: the dependencies, then the
// other conditions in order.
func (c *ConnState) evalConditions(r *rule, e *endpoint, data []byte, eos bool) bool {
	for _, pc := range r.preconds {
		pe := e
		if pc.reverse {
			pe = c.opposite(e)
			if pe == nil {
				return false
			}
		}
		if !pc.negate {
			if !pe.hasMatched(pc.rule) {
				return false
			}
		} else {
			// A negated dependency is decided only at the end.
			if !eos || pe.hasMatched(pc.rule) {
				return false
			}
		}
	}
	for i := range r.conds {
		if !c.evalCondition(r, &r.conds[i], e, data) {
			return false
		}
	}
	return true
}

func (c *ConnState) evalCondition(r *rule, cond *rcond, e *endpoint, data []byte) bool {
	switch cond.Kind {
	case CondPayloadSize:
		if e.payloadSize <= 0 {
			return false // not known yet, or only empty chunks so far
		}
		return cmpOp(uint32(e.payloadSize), cond.value, cond.Comp)
	case CondSameIP:
		return c.hdr.OrigAddr == c.hdr.RespAddr
	case CondTCPState, CondUDPState:
		want := uint8(6)
		if cond.Kind == CondUDPState {
			want = 17
		}
		if c.hdr.IPProto != want {
			return false
		}
		s := cond.States
		if s&StateStateless != 0 {
			return true
		}
		if s&StateOriginator != 0 && !e.isOrig || s&StateResponder != 0 && e.isOrig {
			return false
		}
		if s&StateEstablished != 0 && !c.established {
			return false
		}
		return true
	case CondIPOptions:
		return false // not implemented in Zeek either
	case CondEval:
		return cond.eval(EvalState{Sig: r.sig, Conn: c.hdr, IsOrig: e.isOrig, PayloadSize: e.payloadSize}, data)
	}
	return false
}

// execActions is Zeek's ExecRuleActions: unless the other direction has
// already fired r, record it, report it, and try the rules depending on it.
func (c *ConnState) execActions(r *rule, e *endpoint, data []byte, hasData, eos bool, emit func(Match)) {
	if o := c.opposite(e); o != nil && o.hasMatched(r) {
		return
	}
	e.matched = append(e.matched, r.index)
	if emit != nil {
		mt := Match{Sig: r.sig, IsOrig: e.isOrig}
		if hasData {
			mt.Data = data
			if mt.Data == nil {
				mt.Data = []byte{}
			}
			if pm := e.findPM(r); pm != nil {
				eom := pm.eom
				if eom < 0 || eom > int64(len(mt.Data)) {
					eom = int64(len(mt.Data))
				}
				mt.EndOfMatch = int(eom)
			}
		}
		emit(mt)
	}
	for _, dep := range r.dependents {
		c.execRule(dep, e, eos, emit)
		if o := c.opposite(e); o != nil {
			c.execRule(dep, o, eos, emit)
		}
	}
}

// execRule is Zeek's ExecRule: evaluate r in e now if it can match without
// new data (no patterns, or its patterns have matched already).
func (c *ConnState) execRule(r *rule, e *endpoint, eos bool, emit func(Match)) {
	if e.hasMatched(r) || !e.onNode(r) {
		return
	}
	if len(r.patterns) == 0 {
		c.execRulePurely(r, nil, false, e, eos, emit)
		return
	}
	if pm := e.findPM(r); pm != nil {
		c.execRulePurely(r, pm.text, true, e, eos, emit)
	}
}

func (c *ConnState) execRulePurely(r *rule, text []byte, hasText bool, e *endpoint, eos bool, emit func(Match)) {
	if e.hasMatched(r) {
		return
	}
	if c.evalConditions(r, e, nil, eos) {
		c.execActions(r, e, text, hasText, eos, emit)
	}
}

func (c *ConnState) execPureRules(e *endpoint, eos bool, emit func(Match)) {
	for _, n := range e.nodes {
		for _, r := range n.pureRules {
			c.execRulePurely(r, nil, false, e, eos, emit)
		}
	}
}

// ClearEndpoint resets the payload matching of a direction (Zeek's
// ClearEndpointState, done after every UDP packet): signatures without
// patterns are evaluated as at the end of data, and the patterns and the
// payload size start afresh.
func (c *ConnState) ClearEndpoint(isOrig bool, emit func(Match)) {
	e := c.ep(isOrig)
	if !e.init {
		return
	}
	c.execPureRules(e, true, emit)
	e.payloadSize = -1
	for i := range e.matchers {
		e.matchers[i].st.Reset()
	}
	e.acc = e.acc[:0]
}

// Finish ends matching for the connection (Zeek's FinishEndpoint for the
// originator, then the responder): the end-of-data marker is fed to the
// payload patterns, signatures without patterns get a last chance, and so
// do signatures whose patterns matched but whose conditions (like negated
// dependencies, decided only now) did not hold.
func (c *ConnState) Finish(emit func(Match)) {
	for _, e := range []*endpoint{&c.orig, &c.resp} {
		if !e.init {
			continue
		}
		c.match(e, Payload, []byte{}, false, true, false, emit)
		c.execPureRules(e, true, emit)
		for i := 0; i < len(e.pms); i++ {
			pm := e.pms[i]
			c.execRulePurely(pm.r, pm.text, true, e, true, emit)
		}
	}
}
