// Package parity holds the tests that measure Heron against Zeek's own
// logs: the parity floors (per corpus file and log, the lowest mean score
// the project has reached, ratcheted upward as it improves) and the
// robustness run of every trace in the corpus.
//
// The corpus and the comparison tool live outside the repository, in
// ../shared (zeek-corpus and tools/zeek-parity); without it the tests skip
// with a message. The tests build cmd/heron into a temporary directory.
package parity
