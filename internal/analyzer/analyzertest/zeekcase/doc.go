// Package zeekcase compares Heron's logs with Zeek's own: it runs the
// node (the whole pipeline, as `heron -r` does) over one of Zeek's traces
// and sets each log it wrote beside Zeek's baseline for the same run,
// record by record, as multisets of canonical lines over the fields that
// the two can share (Zeek's uids, and what its baselines mask, aside).
//
// A test lists its comparisons as a table of Case values and hands them
// to RunCases with a Picker, the rule that chooses the compared fields of
// a log; SkipIDs and SkipUIDsAndTimes are the common rules. The pieces
// RunCases is built from (Run, SetOptions, ReadBaseline, ReadLog,
// Canonical, Compare) serve tests that need a comparison of their own.
//
// Baselines come from Zeek's btests (testing/btest/Baseline in a Zeek
// checkout, refdata.ZeekSource) or from the shared corpus's default-mode
// runs (refdata.Baselines), and traces through refdata.FindTrace, so every
// test skips where that data is missing.
//
// The package lives apart from analyzertest because it imports the node,
// which imports every analyzer: an analyzer's in-package tests use
// analyzertest, and only its external (package x_test) tests may use
// zeekcase.
package zeekcase
