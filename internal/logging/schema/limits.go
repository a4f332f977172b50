package schema

import (
	"net/netip"
	"unsafe"
)

// Limits bounds the string and container values of one record as Zeek's
// logging manager does when it writes a record (the Log::default_max_*
// options and the Log::Stream fields of the same names). A limit of 0 is
// no limit; negative values are treated as 0.
//
// Strings count by bytes and containers (sets, vectors) by elements. The
// totals run over one record in column order, strings inside containers
// included; enums, addresses and other values do not count. A value that
// reaches a total is cut to what is left of it, so every later string is
// written empty and every later container with no elements.
type Limits struct {
	// FieldStringBytes is the most bytes of one string
	// (Log::default_max_field_string_bytes, 4096 in Zeek).
	FieldStringBytes int
	// TotalStringBytes is the most string bytes of one record
	// (Log::default_max_total_string_bytes, 256000).
	TotalStringBytes int
	// FieldContainerElements is the most elements of one set or vector
	// (Log::default_max_field_container_elements, 100).
	FieldContainerElements int
	// TotalContainerElements is the most set and vector elements of one
	// record (Log::default_max_total_container_elements, 500).
	TotalContainerElements int
	// RecordSize is Log::max_log_record_size (64 MiB): a record whose
	// values, after the cuts above, measure more is not written at all.
	// Values measure as Zeek measures them: strings and enums by their
	// bytes, addresses 17, subnets 18, ports 9, other values 8, containers
	// by their elements. CheckLimits applies it (skipping the measuring
	// when the totals above make the size unreachable); Visit does not.
	RecordSize int
}

// Active reports whether any limit is set.
func (l *Limits) Active() bool {
	return l != nil && (l.FieldStringBytes > 0 || l.TotalStringBytes > 0 ||
		l.FieldContainerElements > 0 || l.TotalContainerElements > 0 || l.RecordSize > 0)
}

// allowed returns how much of a value of size n fits under a per-field
// limit and a total limit of which used is spent; limits ≤ 0 are off.
func allowed(n, field, total, used int) int {
	a := n
	if field > 0 && field < a {
		a = field
	}
	if total > 0 {
		left := total - used
		if left < 0 {
			left = 0
		}
		if left < a {
			a = left
		}
	}
	return a
}

// Limited returns r carrying the limits l: View.Visit then passes r's
// strings and containers cut to l, so that every writer that visits the
// record sees the same values. l must not change while the record is
// visited; nil or inactive limits give back r as it is.
func (r Record) Limited(l *Limits) Record {
	if !l.Active() {
		l = nil
	}
	r.lim = l
	return r
}

// Truncation says what kind of value a limit cut.
type Truncation uint8

// The kinds of cut values.
const (
	// StringTruncated: a string lost bytes (Zeek's weird
	// log_string_field_truncated).
	StringTruncated Truncation = iota + 1
	// ContainerTruncated: a set or vector lost elements
	// (log_container_field_truncated).
	ContainerTruncated
	// RecordTooLarge: the record measures more than Limits.RecordSize and
	// is not to be written (log_record_too_large). It comes last.
	RecordTooLarge
)

// CheckLimits walks r as Visit with r.Limited(l) would and calls report
// once for each value the limits cut, in the order Visit would pass them
// (a container before the strings cut inside it). It returns the number
// of cut values. When the record measures more than l.RecordSize, it
// stops there, as Zeek does, reports RecordTooLarge and returns with drop
// set: the record must not be written. With no active limits it returns
// without looking at r. report may be nil. It does not allocate.
func (v *View) CheckLimits(r Record, l *Limits, report func(Truncation)) (cuts int, drop bool) {
	if !l.Active() {
		return 0, false
	}
	if r.t != v.schema.typ {
		panic("schema: record checked with a view of another type")
	}
	lm := limiter{l: l}
	note := func(t Truncation) {
		if t != RecordTooLarge {
			cuts++
		}
		if report != nil {
			report(t)
		}
	}
	measure := l.RecordSize > 0 && !l.sizeBounded(len(v.cols))
	size := 0
	n := len(v.cols)
	if !measure {
		n = len(v.cuttable) // only strings and containers can be cut
	}
	for k := 0; k < n; k++ {
		i := k
		if !measure {
			i = v.cuttable[k]
		}
		c := &v.cols[i]
		if !guardsSet(c, r.p) {
			continue
		}
		p := unsafe.Add(r.p, c.acc.off)
		if c.acc.elemSize == 0 {
			if c.Type.Kind == KindString {
				n := len(loadString(c, p))
				a := lm.str(n)
				if a < n {
					note(StringTruncated)
				}
				size += a
			} else if measure {
				size += valueSize(c, c.Type.Kind, p)
			}
		} else {
			s := *(*[]byte)(p)
			n := len(s)
			a := lm.elems(n)
			if a < n {
				note(ContainerTruncated)
			}
			data := unsafe.Pointer(unsafe.SliceData(s))
			for j := 0; j < a; j++ {
				ep := unsafe.Add(data, uintptr(j)*c.acc.elemSize)
				if c.Type.Elem == KindString {
					m := len(loadString(c, ep))
					e := lm.str(m)
					if e < m {
						note(StringTruncated)
					}
					size += e
				} else if measure {
					size += valueSize(c, c.Type.Elem, ep)
				}
			}
			lm.spent += a
		}
		if measure && size > l.RecordSize {
			note(RecordTooLarge)
			return cuts, true
		}
	}
	return cuts, false
}

// maxEnumBytes is the longest enum name sizeBounded counts with: enum
// names are identifiers, far shorter.
const maxEnumBytes = 64 << 10

// sizeBounded reports whether a record of ncols columns cannot measure
// more than l.RecordSize under l's totals, however its values are: then
// measuring is skipped (with Zeek's defaults, 64 MiB against at most
// 256000 string bytes and 500 elements).
func (l *Limits) sizeBounded(ncols int) bool {
	if l.TotalStringBytes <= 0 || l.TotalContainerElements <= 0 {
		return false
	}
	most := uint64(l.TotalStringBytes) + uint64(l.TotalContainerElements+ncols)*maxEnumBytes
	return most <= uint64(l.RecordSize)
}

// valueSize is what a value that is not a string adds to a record's size
// in Zeek's count (threading::Value: the union member's size).
func valueSize(c *Column, k Kind, p unsafe.Pointer) int {
	switch k {
	case KindEnum:
		return len(loadString(c, p))
	case KindAddr:
		if !(*netip.Addr)(p).IsValid() {
			return 0 // unset
		}
		return 17 // in6_addr and the family
	case KindSubnet:
		if !(*netip.Prefix)(p).IsValid() {
			return 0
		}
		return 18 // the address and the prefix length
	case KindPort:
		return 9 // the number and the protocol
	}
	return 8
}

// limiter keeps the running totals of one record.
type limiter struct {
	l     *Limits
	bytes int // string bytes passed so far
	spent int // container elements passed so far
}

// str returns how many of n string bytes pass, and counts them.
func (lm *limiter) str(n int) int {
	a := allowed(n, lm.l.FieldStringBytes, lm.l.TotalStringBytes, lm.bytes)
	lm.bytes += a
	return a
}

// elems returns how many of n container elements pass; the caller adds
// them to spent once the elements have been passed.
func (lm *limiter) elems(n int) int {
	return allowed(n, lm.l.FieldContainerElements, lm.l.TotalContainerElements, lm.spent)
}

func guardsSet(c *Column, base unsafe.Pointer) bool {
	for _, g := range c.acc.guards {
		if !*(*bool)(unsafe.Add(base, g)) {
			return false
		}
	}
	return true
}

// visitColumn is the package's visitColumn with the limiter's cuts applied.
func (lm *limiter) visitColumn(c *Column, base unsafe.Pointer, vis Visitor) {
	if !guardsSet(c, base) {
		vis.Unset(c)
		return
	}
	p := unsafe.Add(base, c.acc.off)
	if c.acc.elemSize == 0 {
		if c.Type.Kind == KindString {
			s := loadString(c, p)
			vis.String(c, s[:lm.str(len(s))])
			return
		}
		visitValue(c, c.Type.Kind, p, vis)
		return
	}
	s := *(*[]byte)(p)
	data := unsafe.Pointer(unsafe.SliceData(s))
	a := lm.elems(len(s))
	vis.Begin(c, a)
	for j := 0; j < a; j++ {
		ep := unsafe.Add(data, uintptr(j)*c.acc.elemSize)
		if c.Type.Elem == KindString {
			e := loadString(c, ep)
			vis.String(c, e[:lm.str(len(e))])
			continue
		}
		visitValue(c, c.Type.Elem, ep, vis)
	}
	vis.End(c)
	lm.spent += a
}
