package binpac

import (
	"bytes"
	"fmt"
)

// Error is a parse failure worded as a binpac exception's message.
type Error string

// Error returns the message.
func (e Error) Error() string { return string(e) }

// MaxFormatted is the size of binpac's formatting buffer: the formatted
// part of an exception's message is cut to one byte less.
const MaxFormatted = 1024

// Errorf formats a message as binpac does, cut to MaxFormatted-1 bytes.
func Errorf(format string, args ...any) Error {
	s := fmt.Sprintf(format, args...)
	if len(s) >= MaxFormatted {
		s = s[:MaxFormatted-1]
	}
	return Error(s)
}

// Reason is the violation reason Zeek's analyzers give for a binpac
// exception carrying err's message.
func Reason(err error) string { return "Binpac exception: binpac exception: " + err.Error() }

// OutOfBound is binpac's out-of-bound exception: the field at where
// needs data up to needed bytes, and avail bytes are there.
func OutOfBound(where string, needed, avail int) Error {
	return Errorf("out_of_bound: %s: %d > %d", where, needed, avail)
}

// EnforceViolation is binpac's exception for a failed &enforce.
func EnforceViolation(where string) Error { return Errorf("&enforce violation : %s", where) }

// InvalidCaseIndex is binpac's exception for a case type whose index
// matches no label.
func InvalidCaseIndex(where string, index int64) Error {
	return Errorf("invalid index for case: %s: %d", where, index)
}

// ExpandPastMax is binpac's flow-buffer exception for a frame or line
// that would need a buffer of size bytes, more than the limit max.
func ExpandPastMax(size, max int) Error {
	return Errorf("flowbuffer allocation failed: expand past max capacity %d/%d", size, max)
}

// Source is a .pac file's path relative to Zeek's source tree, as the
// messages that name a grammar line show it.
type Source string

// At names line of the file as binpac's messages do ("file:line").
func (s Source) At(line int) string { return fmt.Sprintf("%s:%d", s, line) }

// Mismatch is binpac's exception for data that does not match the
// constant or regular expression (expected) of the field defined at line.
// The data is shown as a C string, up to its first NUL; actual is only
// read.
func (s Source) Mismatch(line int, expected string, actual []byte) Error {
	if i := bytes.IndexByte(actual, 0); i >= 0 {
		actual = actual[:i]
	}
	return Errorf("string mismatch at %s:%d: \nexpected pattern: \"%s\"\nactual data: \"%s\"", s, line, expected, actual)
}

// InvalidLength is binpac's exception for a string field, defined at
// line, whose length n is negative.
func (s Source) InvalidLength(line, n int) Error {
	return Errorf("invalid length string: %s:%d: %d", s, line, n)
}

// CInt is a binpac length held in a C int: values of 2^31 and more wrap
// to negative ones (of a 64-bit value, only the low 32 bits count).
func CInt(v uint64) int { return int(int32(uint32(v))) }
