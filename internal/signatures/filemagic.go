package signatures

import (
	"cmp"
	"slices"

	"github.com/heron-nsm/heron/internal/signatures/regex"
)

// MIMEMatch is the file-mime action of a file-magic signature that matched.
type MIMEMatch struct {
	MIME     string
	Strength int
}

// HasFileMagic reports whether the set has file-magic signatures that can
// match (active ones without header conditions: Zeek matches only those).
func (s *Set) HasFileMagic() bool { return s.hasFileMagic }

// FileMagic matches data as the beginning of a file against the file-magic
// signatures (Zeek's RuleMatcher::Match for a RuleFileMagicState, as the
// files framework uses it for MIME detection) and appends the file-mime
// actions of those that matched to dst: strongest first, equal strengths
// by MIME type, without duplicates. Header and other conditions play no
// part; a signature matches when all its patterns are file-magic patterns
// that matched within their depth. data is only read.
func (m *Matcher) FileMagic(data []byte, dst []MIMEMatch) []MIMEMatch {
	s := m.set
	if !s.hasFileMagic {
		return dst
	}
	acc := m.acc[:0]
	fresh := false
	for _, g := range s.fileMagic {
		var st regex.Stream
		hits, f := m.re[g.index].Feed(&st, data, true, false, true, m.hits[:0])
		m.hits = hits
		for _, h := range hits {
			acc = append(acc, accepted{g.patterns[h.Pattern], h.Pos})
		}
		fresh = fresh || f
	}
	m.acc = acc[:0]
	if !fresh {
		return dst
	}
	slices.SortFunc(acc, func(a, b accepted) int { return a.pid - b.pid })
	has := func(pid int) bool {
		_, ok := slices.BinarySearchFunc(acc, pid, func(a accepted, pid int) int { return a.pid - pid })
		return ok
	}
	start := len(dst)
	for _, a := range acc {
		r := s.patternRule[a.pid]
		ok := true
		for _, p := range r.patterns {
			if !has(p.id) || a.pos > uint64(p.depth) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		dst = append(dst, r.mimes...)
	}
	out := dst[start:]
	slices.SortFunc(out, func(a, b MIMEMatch) int {
		if a.Strength != b.Strength {
			return cmp.Compare(b.Strength, a.Strength)
		}
		return cmp.Compare(a.MIME, b.MIME)
	})
	out = slices.Compact(out)
	return dst[:start+len(out)]
}
