// Package analyzer is Heron's analyzer framework: the contract between a
// connection and the protocol analyzers that parse its payload, the
// registry of analyzers, and the per-connection analyzer tree with
// protocol detection (ports and signatures), confirmation and violation.
//
// One protocol is one directory below this one (analyzer/dns,
// analyzer/http, …) with a register.go whose init() calls Register; the
// list in registry_test.go names them all, and a test fails when a
// directory is not in it.
package analyzer
