package config

import "fmt"

// Error is a configuration error: what is wrong, where, and what to do.
// Every error Load returns is an *Error (possibly wrapped), or wraps an I/O
// error with the file name.
type Error struct {
	// File is the file the problem is in, as given to Load ("" when the
	// problem is in no file, such as a missing manager).
	File string
	// Line is the 1-based line, 0 when the problem has no single line.
	Line int
	// Msg says what is wrong.
	Msg string
	// Fix says what to do about it.
	Fix string
}

// Error returns "config: FILE:LINE: MSG; FIX".
func (e *Error) Error() string { return "config: " + e.where() + e.Msg + e.fix() }

func (e *Error) where() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: ", e.File, e.Line)
	case e.File != "":
		return e.File + ": "
	}
	return ""
}

func (e *Error) fix() string {
	if e.Fix == "" {
		return ""
	}
	return "; " + e.Fix
}

// Warning is a problem that does not stop heronctl: an option it ignores,
// a site policy file that is missing, more worker threads than cores. It
// has the same parts as Error.
type Warning struct {
	File string `json:"file,omitempty"` // the file, "" for none
	Line int    `json:"line,omitempty"` // the 1-based line, 0 for none
	Msg  string `json:"message"`        // what is wrong
	Fix  string `json:"fix,omitempty"`  // what to do
}

// String returns "FILE:LINE: MSG; FIX".
func (w Warning) String() string {
	e := Error(w)
	return e.where() + e.Msg + e.fix()
}

func errorf(file string, line int, fix, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

func warnf(file string, line int, fix, format string, args ...any) Warning {
	return Warning{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
