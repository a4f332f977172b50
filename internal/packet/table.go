package packet

import (
	"fmt"
	"sort"
)

// Table is the compiled wiring table: for each parent layer, a dense slice
// from identifier to child (when the identifiers span a small range) or a
// sorted list searched by bisection.
type Table struct {
	rows     [NumLayers]dispatch
	defaults [NumLayers]LayerID
}

type dispatch struct {
	low   uint64
	dense []LayerID // child by id-low, when the range is small
	ids   []uint64  // sorted ids, when it is not
	kids  []LayerID
}

// maxDense bounds the dense form of one layer's row (entries, one byte each).
const maxDense = 1 << 16

// Compile builds a Table. Two rows for the same parent and identifier with
// different children are an error.
func Compile(rows []Row, defaults map[LayerID]LayerID) (*Table, error) {
	t := &Table{}
	by := map[LayerID]map[uint64]LayerID{}
	for _, r := range rows {
		if r.Parent >= NumLayers || r.Child >= NumLayers || r.Child == LayerNone {
			return nil, fmt.Errorf("packet: wiring row %v/%#x -> %v: unknown layer", r.Parent, r.ID, r.Child)
		}
		m := by[r.Parent]
		if m == nil {
			m = map[uint64]LayerID{}
			by[r.Parent] = m
		}
		if old, ok := m[r.ID]; ok && old != r.Child {
			return nil, fmt.Errorf("packet: wiring: %v identifier %#x leads to both %v and %v", r.Parent, r.ID, old, r.Child)
		}
		m[r.ID] = r.Child
	}
	for parent, m := range by {
		ids := make([]uint64, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		d := dispatch{low: ids[0]}
		if span := ids[len(ids)-1] - ids[0] + 1; span <= maxDense {
			d.dense = make([]LayerID, span)
			for _, id := range ids {
				d.dense[id-d.low] = m[id]
			}
		} else {
			d.ids = ids
			for _, id := range ids {
				d.kids = append(d.kids, m[id])
			}
		}
		t.rows[parent] = d
	}
	for parent, child := range defaults {
		t.defaults[parent] = child
	}
	return t, nil
}

// Lookup returns the child of parent for identifier id, or LayerNone.
func (t *Table) Lookup(parent LayerID, id uint64) LayerID {
	d := &t.rows[parent]
	if d.dense != nil {
		if id >= d.low && id-d.low < uint64(len(d.dense)) {
			return d.dense[id-d.low]
		}
		return LayerNone
	}
	ids := d.ids
	lo, hi := 0, len(ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ids[m] < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(ids) && ids[lo] == id {
		return d.kids[lo]
	}
	return LayerNone
}

// Default returns the default child of parent, or LayerNone.
func (t *Table) Default(parent LayerID) LayerID { return t.defaults[parent] }
