package conn

// index maps keys to connection slots with open addressing (linear
// probing, backward-shift deletion). It stores only plain values.
type index struct {
	slots []slot
	mask  uint64
	n     int
}

type slot struct {
	key  Key
	conn int32 // slot+1 of the connection; 0 = empty
}

func newIndex(capacity int) *index {
	n := 1024
	for n < capacity*2 {
		n <<= 1
	}
	return &index{slots: make([]slot, n), mask: uint64(n - 1)}
}

// get returns the connection stored for k, or -1.
func (x *index) get(k *Key) int32 {
	i := k.hash() & x.mask
	for {
		s := &x.slots[i]
		if s.conn == 0 {
			return -1
		}
		if s.key == *k {
			return s.conn - 1
		}
		i = (i + 1) & x.mask
	}
}

// put stores c for k, replacing an existing entry.
func (x *index) put(k *Key, c int32) {
	if (x.n+1)*4 > len(x.slots)*3 {
		x.grow()
	}
	i := k.hash() & x.mask
	for {
		s := &x.slots[i]
		if s.conn == 0 {
			s.key, s.conn = *k, c+1
			x.n++
			return
		}
		if s.key == *k {
			s.conn = c + 1
			return
		}
		i = (i + 1) & x.mask
	}
}

// del removes k if it maps to c.
func (x *index) del(k *Key, c int32) {
	i := k.hash() & x.mask
	for {
		s := &x.slots[i]
		if s.conn == 0 {
			return
		}
		if s.key == *k {
			if s.conn != c+1 {
				return
			}
			break
		}
		i = (i + 1) & x.mask
	}
	// Backward-shift the entries that follow.
	j := i
	for {
		j = (j + 1) & x.mask
		t := &x.slots[j]
		if t.conn == 0 {
			break
		}
		home := t.key.hash() & x.mask
		// Move t into the hole at i if its home is not in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j)) {
			x.slots[i] = *t
			i = j
		}
	}
	x.slots[i] = slot{}
	x.n--
}

func (x *index) grow() {
	old := x.slots
	x.slots = make([]slot, len(old)*2)
	x.mask = uint64(len(x.slots) - 1)
	x.n = 0
	for i := range old {
		if old[i].conn != 0 {
			c := old[i].conn - 1
			x.put(&old[i].key, c)
		}
	}
}
