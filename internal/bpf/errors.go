package bpf

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *Error, for callers that want to tell the
// reasons apart with errors.Is.
var (
	// ErrSyntax: the expression is not in the filter language.
	ErrSyntax = errors.New("syntax error")
	// ErrInvalid: the expression is well formed but meaningless or
	// impossible for the link type (a port above 65535, "vlan" on raw IP,
	// "tcp host x"); tcpdump refuses these too.
	ErrInvalid = errors.New("invalid filter")
	// ErrUnsupported: a part of the language tcpdump knows that Heron does
	// not implement (host names, "gateway", "protochain", ATM, SS7, ...).
	ErrUnsupported = errors.New("not supported")
	// ErrRejectsAll: the filter can match no packet at all; tcpdump refuses
	// such filters ("expression rejects all packets").
	ErrRejectsAll = errors.New("the expression rejects all packets")
)

// Error is a filter that cannot be compiled: what is wrong and where.
type Error struct {
	Expr string // the expression
	Pos  int    // byte offset in Expr of the offending token; -1 for the whole expression
	Msg  string // what is wrong
	Err  error  // ErrSyntax, ErrInvalid, ErrUnsupported or ErrRejectsAll
}

// Error renders the error on one line, e.g.
//
//	bpf: "tcp port 80 andd host x": syntax error at column 13: unexpected "andd"
func (e *Error) Error() string {
	if e.Pos < 0 {
		return fmt.Sprintf("bpf: %q: %s", e.Expr, e.Msg)
	}
	kind := "error"
	switch e.Err {
	case ErrSyntax:
		kind = "syntax error"
	case ErrUnsupported:
		kind = "unsupported"
	}
	return fmt.Sprintf("bpf: %q: %s at column %d: %s", e.Expr, kind, e.Pos+1, e.Msg)
}

// Unwrap returns the sentinel that classifies the error.
func (e *Error) Unwrap() error { return e.Err }

// Column returns the 1-based column of the error, or 0 when it concerns the
// whole expression.
func (e *Error) Column() int { return e.Pos + 1 }

func syntaxErr(src string, pos int, msg string) *Error {
	return &Error{Expr: src, Pos: pos, Msg: msg, Err: ErrSyntax}
}
