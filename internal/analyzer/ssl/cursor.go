package ssl

// cursor reads the fields of one message the way Zeek's binpac parser
// does: big-endian numbers, length-prefixed strings, and on running past
// the end an out-of-bound error named after the binpac type and field, so
// that violations read as Zeek's do.
type cursor struct {
	b   []byte
	off int
	typ string // binpac type name
}

func newCursor(b []byte, typ string) cursor { return cursor{b: b, typ: typ} }

// left returns the number of unread bytes.
func (c *cursor) left() int { return len(c.b) - c.off }

func (c *cursor) fail(field string, n int) error {
	where := c.typ
	if field != "" {
		where += ":" + field
	}
	return &oob{where: where, needed: c.off + n, avail: len(c.b)}
}

func (c *cursor) u8(field string) (uint8, error) {
	if c.left() < 1 {
		return 0, c.fail(field, 1)
	}
	v := c.b[c.off]
	c.off++
	return v, nil
}

func (c *cursor) u16(field string) (uint16, error) {
	if c.left() < 2 {
		return 0, c.fail(field, 2)
	}
	v := uint16(c.b[c.off])<<8 | uint16(c.b[c.off+1])
	c.off += 2
	return v, nil
}

func (c *cursor) u24(field string) (uint32, error) {
	if c.left() < 3 {
		return 0, c.fail(field, 3)
	}
	v := uint32(c.b[c.off])<<16 | uint32(c.b[c.off+1])<<8 | uint32(c.b[c.off+2])
	c.off += 3
	return v, nil
}

func (c *cursor) u32(field string) (uint32, error) {
	if c.left() < 4 {
		return 0, c.fail(field, 4)
	}
	v := uint32(c.b[c.off])<<24 | uint32(c.b[c.off+1])<<16 | uint32(c.b[c.off+2])<<8 | uint32(c.b[c.off+3])
	c.off += 4
	return v, nil
}

// bytes returns the next n bytes (borrowed from the message).
func (c *cursor) bytes(n int, field string) ([]byte, error) {
	if n < 0 || c.left() < n {
		return nil, c.fail(field, n)
	}
	v := c.b[c.off : c.off+n]
	c.off += n
	return v, nil
}

// rest returns the unread bytes.
func (c *cursor) rest() []byte {
	v := c.b[c.off:]
	c.off = len(c.b)
	return v
}

// sub returns a cursor over the next n bytes, a binpac type with a
// &length of n, and skips them.
func (c *cursor) sub(n int, typ string) (cursor, error) {
	if n < 0 || c.left() < n {
		return cursor{}, &oob{where: typ, needed: n, avail: c.left()}
	}
	s := cursor{b: c.b[c.off : c.off+n], typ: typ}
	c.off += n
	return s, nil
}

// u16s reads n big-endian 16-bit values (a binpac uint16[n]).
func (c *cursor) u16s(n int, field string, dst []uint16) ([]uint16, error) {
	if n < 0 || c.left()/2 < n {
		return dst, &oob{where: c.typ + ":" + field, needed: n, avail: c.left()}
	}
	for i := 0; i < n; i++ {
		dst = append(dst, uint16(c.b[c.off])<<8|uint16(c.b[c.off+1]))
		c.off += 2
	}
	return dst, nil
}
