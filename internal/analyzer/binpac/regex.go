package binpac

// Regex is one of a grammar's regular-expression (or constant) fields:
// its text as the .pac file writes it, the line it is defined at, and a
// matcher that returns the length of the longest match at the start of
// b, or -1 when there is none.
type Regex struct {
	Text  string
	Line  int
	Match func(b []byte) int
}

// Run returns the length of the longest run of bytes at the start of b
// for which in is true, or -1 when that run is shorter than min: the
// matcher of a character class with + (min 1) or * (min 0).
func Run(b []byte, in func(c byte) bool, min int) int {
	i := 0
	for i < len(b) && in(b[i]) {
		i++
	}
	if i < min {
		return -1
	}
	return i
}

// MismatchError is a Regex field that did not match: binpac's
// string-mismatch exception. Data is the input from the field to the end
// of the delivery, borrowed from the parser's caller: use the error
// before the delivery's data goes away.
type MismatchError struct {
	Source Source
	Regex  *Regex
	Data   []byte
}

// Error returns binpac's message for the mismatch.
func (e *MismatchError) Error() string {
	return e.Source.Mismatch(e.Regex.Line, e.Regex.Text, e.Data).Error()
}

// Cursor walks a delivery of a grammar from Source, field by field. B is
// what is left of it (borrowed from the caller).
type Cursor struct {
	Source Source
	B      []byte
}

// Take matches r at the cursor and returns what it matched (a sub-slice
// of B), or a MismatchError.
func (c *Cursor) Take(r *Regex) ([]byte, *MismatchError) {
	n := r.Match(c.B)
	if n < 0 {
		return nil, &MismatchError{Source: c.Source, Regex: r, Data: c.B}
	}
	m := c.B[:n]
	c.B = c.B[n:]
	return m, nil
}
