package regex

import (
	"math"
	"math/bits"
	"slices"
)

// DefaultMaxMemory is the DFA cache bound of a Matcher when
// MatcherOptions leave it zero.
const DefaultMaxMemory = 4 << 20

// MatcherOptions tune a Matcher.
type MatcherOptions struct {
	// MaxMemory bounds the bytes the cached DFA states may take; 0 means
	// DefaultMaxMemory. When the next state would exceed it, the cache
	// is emptied first.
	MaxMemory int
}

// dstate is a DFA state: a set of NFA states. Its transitions live in
// the Matcher's flat table, at row idx, while gen is the Matcher's current
// generation; a state of an older generation has been dropped from the
// cache (streams may still stand on it).
type dstate struct {
	insts  []int32 // the NFA states (consuming and matching), sorted
	accept uint64  // patterns matching in this state
	flags  uint8
	idx    int32
	gen    uint32
}

const (
	fAccept = 1 << iota // accept != 0
	fDead               // no NFA state left: every pattern has failed
)

// stateOverhead approximates the bytes a state takes besides its
// transition row and NFA state list (struct, map entry, key).
const stateOverhead = 96

// Matcher builds and caches the DFA states of a Set. It is not safe for
// concurrent use.
//
// Transitions are one flat table of int32, a row of NumClasses entries
// per cached state: 0 means not computed yet, t > 0 leads to the ordinary
// state t-1, t < 0 to the state -t-1 that needs attention (it accepts or
// is dead).
type Matcher struct {
	set    *Set
	nclass int
	trans  []int32
	states []*dstate // by row
	index  map[string]*dstate
	start  *dstate
	dead   *dstate
	gen    uint32
	mem    int
	limit  int

	stats MatcherStats

	// Scratch for building states.
	stack []int32
	list  []int32
	mark  []uint32
	mgen  uint32
	key   []byte
}

// MatcherStats counts a Matcher's work.
type MatcherStats struct {
	States  int // states now cached
	Memory  int // bytes they take (estimate)
	Built   int // states built since the Matcher was made
	Steps   int // transitions computed
	Flushes int // times the cache was emptied because it was full
}

// NewMatcher returns a Matcher for s with an empty cache.
func (s *Set) NewMatcher(opts MatcherOptions) *Matcher {
	limit := opts.MaxMemory
	if limit <= 0 {
		limit = DefaultMaxMemory
	}
	m := &Matcher{
		set:    s,
		nclass: s.NumClasses(),
		index:  make(map[string]*dstate),
		limit:  limit,
		mark:   make([]uint32, len(s.insts)),
		gen:    1,
	}
	m.dead = &dstate{flags: fDead, idx: -1}
	return m
}

// Set returns the Set the Matcher matches.
func (m *Matcher) Set() *Set { return m.set }

// Stats returns the Matcher's counters.
func (m *Matcher) Stats() MatcherStats {
	st := m.stats
	st.States = len(m.states)
	st.Memory = m.mem
	return st
}

// startState returns the state before any symbol.
func (m *Matcher) startState() *dstate {
	if m.start == nil || m.start.gen != m.gen {
		m.stack = append(m.stack[:0], m.set.start)
		m.start = m.closureState()
	}
	return m.start
}

// step computes the transition of st on symbol class c and caches it in
// st's row when st is still cached.
func (m *Matcher) step(st *dstate, c int) *dstate {
	m.stats.Steps++
	sym := m.set.rep[c]
	m.stack = m.stack[:0]
	for _, id := range st.insts {
		in := &m.set.insts[id]
		switch in.op {
		case iSet:
			if sym < 256 && m.set.sets[in.set].has(sym) {
				m.stack = append(m.stack, in.out)
			}
		case iBOL:
			if sym == symBOL {
				m.stack = append(m.stack, in.out)
			}
		case iEOL:
			if sym == symEOL {
				m.stack = append(m.stack, in.out)
			}
		}
	}
	gen := m.gen
	nx := m.closureState()
	if st.gen == gen && m.gen == gen && st.flags&fDead == 0 {
		m.trans[int(st.idx)*m.nclass+c] = encode(nx)
	}
	return nx
}

// deadEntry is the table entry leading to the dead state.
const deadEntry = math.MinInt32

// encode returns the table entry leading to st (which is cached, or dead).
func encode(st *dstate) int32 {
	if st.flags&fDead != 0 {
		return deadEntry
	}
	if st.flags != 0 {
		return -st.idx - 1
	}
	return st.idx + 1
}

// next returns the state after st on class c.
func (m *Matcher) next(st *dstate, c int) *dstate {
	if st.gen == m.gen && st.flags&fDead == 0 {
		if t := m.trans[int(st.idx)*m.nclass+c]; t != 0 {
			return m.decode(t)
		}
	}
	return m.step(st, c)
}

func (m *Matcher) decode(t int32) *dstate {
	if t > 0 {
		return m.states[t-1]
	}
	if t == deadEntry {
		return m.dead
	}
	return m.states[-t-1]
}

// closureState returns the state of the epsilon closure of m.stack.
func (m *Matcher) closureState() *dstate {
	m.mgen++
	if m.mgen == 0 {
		clear(m.mark)
		m.mgen = 1
	}
	m.list = m.list[:0]
	var accept uint64
	for len(m.stack) > 0 {
		id := m.stack[len(m.stack)-1]
		m.stack = m.stack[:len(m.stack)-1]
		if m.mark[id] == m.mgen {
			continue
		}
		m.mark[id] = m.mgen
		in := &m.set.insts[id]
		switch in.op {
		case iSplit:
			m.stack = append(m.stack, in.out1, in.out)
		case iJmp:
			m.stack = append(m.stack, in.out)
		case iMatch:
			accept |= 1 << uint(in.pat)
			m.list = append(m.list, id)
		default:
			m.list = append(m.list, id)
		}
	}
	if len(m.list) == 0 {
		return m.dead
	}
	slices.Sort(m.list)
	m.key = m.key[:0]
	for _, id := range m.list {
		m.key = append(m.key, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	}
	if st, ok := m.index[string(m.key)]; ok {
		return st
	}
	cost := stateOverhead + 4*m.nclass + 8*len(m.list)
	if m.mem+cost > m.limit && len(m.states) > 0 {
		m.flush()
	}
	st := &dstate{
		insts:  slices.Clone(m.list),
		accept: accept,
		idx:    int32(len(m.states)),
		gen:    m.gen,
	}
	if accept != 0 {
		st.flags |= fAccept
	}
	m.states = append(m.states, st)
	n := len(m.trans)
	m.trans = slices.Grow(m.trans, m.nclass)[:n+m.nclass]
	clear(m.trans[n:])
	m.index[string(m.key)] = st
	m.mem += cost
	m.stats.Built++
	return st
}

// flush empties the cache. States still referenced by streams stay valid:
// they keep their NFA states, and a stream standing on one moves into the
// new cache with its next symbol.
func (m *Matcher) flush() {
	m.gen++
	m.states = m.states[:0]
	m.trans = m.trans[:0]
	clear(m.index)
	m.mem = 0
	m.start = nil
	m.dead.gen = m.gen
	m.stats.Flushes++
}

// Hit reports that pattern Pattern matched for the first time in a stream,
// at position Pos: the number of symbols (bytes and the begin/end markers)
// consumed before the symbol that completed the match, counted from the
// start or the last clear of the stream.
type Hit struct {
	Pattern int
	Pos     uint64
}

// Stream is the matching state of one stream. The zero value is a stream
// that has not started. It holds a pointer into the Matcher's states and
// must only be fed to the Matcher that started it.
type Stream struct {
	st      *dstate
	pos     uint64
	matched uint64
	started bool
}

// Reset returns the stream to its zero state: not started, nothing matched
// (Zeek's RE_Match_State::Clear).
func (s *Stream) Reset() { *s = Stream{} }

// Matched returns the mask of patterns that have matched so far.
func (s *Stream) Matched() uint64 { return s.matched }

// Started reports whether the stream has been fed.
func (s *Stream) Started() bool { return s.started }

// Jammed reports that no pattern can match any more (until the stream is
// cleared).
func (s *Stream) Jammed() bool { return s.started && s.st == nil }

// Feed advances s over data, preceded by the begin-of-data marker when bol
// is set and followed by the end-of-data marker when eol is set. clear
// restarts matching from the start state (without forgetting which
// patterns have matched) unless this is the stream's first feed. On the
// first feed, patterns that match the empty input are recorded at position
// 0 without counting as new.
//
// Feed appends a Hit for every pattern that matches for the first time and
// returns the extended slice and whether any of them counts as new; it
// allocates only to grow hits and to build DFA states not yet cached. data
// is only read during the call.
func (m *Matcher) Feed(s *Stream, data []byte, bol, eol, clear bool, hits []Hit) ([]Hit, bool) {
	if !s.started {
		s.started = true
		s.pos = 0
		s.st = m.startState()
		if a := s.st.accept &^ s.matched; a != 0 {
			hits = s.record(a, 0, hits)
		}
	} else if clear {
		s.pos = 0
		s.st = m.startState()
	}
	st := s.st
	if st == nil || s.matched == m.set.all {
		return hits, false
	}
	fresh := false
	if bol {
		st = m.next(st, m.set.nbyte)
		if st.flags&fDead != 0 {
			s.st = nil
			return hits, fresh
		}
		if a := st.accept &^ s.matched; a != 0 {
			hits = s.record(a, s.pos, hits)
			fresh = true
		}
		s.pos++
	}
	if len(data) > 0 {
		// A stream may stand on a state dropped from the cache: move
		// it into the cache with the first byte.
		i := 0
		if st.gen != m.gen {
			st = m.next(st, int(m.set.classOf[data[0]]))
			if st.flags != 0 {
				if st.flags&fDead != 0 {
					s.st = nil
					return hits, fresh
				}
				if a := st.accept &^ s.matched; a != 0 {
					hits = s.record(a, s.pos, hits)
					fresh = true
				}
			}
			i = 1
		}
		nclass := m.nclass
		classOf := &m.set.classOf
		cur := int(st.idx)
		for ; i < len(data); i++ {
			c := int(classOf[data[i]])
			t := m.trans[cur*nclass+c]
			if t > 0 {
				cur = int(t - 1)
				continue
			}
			var nx *dstate
			if t == 0 {
				nx = m.step(m.states[cur], c)
			} else {
				nx = m.decode(t)
			}
			if nx.flags&fDead != 0 {
				s.st = nil
				s.pos += uint64(i)
				return hits, fresh
			}
			if a := nx.accept &^ s.matched; a != 0 {
				hits = s.record(a, s.pos+uint64(i), hits)
				fresh = true
				if s.matched == m.set.all {
					s.st = nx
					s.pos += uint64(i) + 1
					return hits, fresh
				}
			}
			cur = int(nx.idx)
		}
		st = m.states[cur]
		s.pos += uint64(len(data))
	}
	if eol {
		nx := m.next(st, m.set.nbyte+1)
		if nx.flags&fDead != 0 {
			s.st = nil
			return hits, fresh
		}
		if a := nx.accept &^ s.matched; a != 0 {
			hits = s.record(a, s.pos, hits)
			fresh = true
		}
		s.pos++
		st = nx
	}
	s.st = st
	return hits, fresh
}

func (s *Stream) record(a uint64, pos uint64, hits []Hit) []Hit {
	s.matched |= a
	for a != 0 {
		hits = append(hits, Hit{Pattern: bits.TrailingZeros64(a), Pos: pos})
		a &= a - 1
	}
	return hits
}
