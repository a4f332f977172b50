// Package analyzertest checks that a stream analyzer gives the same
// results however its input is cut into chunks, which is what TCP
// reassembly demands of every analyzer: segments end anywhere.
//
// A test describes a conversation as a script of chunks (Orig, Resp, Gap,
// End), says how to build a fresh analyzer (or any analyzer.StreamSink),
// and how to summarise what it produced (log records, events, weirds: any
// value that reflect.DeepEqual can compare). SplitEvery then plays the
// script
//
//   - once with every chunk delivered whole (the baseline, returned),
//   - once for every possible cut point: one chunk delivered in two
//     pieces cut at that byte (all cut points, or MaxSplits of them),
//   - Random more times with several random cuts (reproducible: the seed
//     is in Options and in the failure message),
//   - once with every byte delivered on its own (ByteAtATime),
//
// each with a new analyzer, and fails the test for every run whose summary
// differs from the baseline, naming the cuts. Before each delivery the
// bytes are copied into a scratch buffer that is overwritten as soon as
// the call returns, so an analyzer that keeps a borrowed slice shows up as
// a difference too. A run that panics fails with the cuts and the stack.
//
// A typical analyzer test:
//
//	func TestRequests(t *testing.T) {
//		script := []analyzertest.Chunk{
//			analyzertest.Orig("GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
//			analyzertest.Resp("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
//			analyzertest.End(true), analyzertest.End(false),
//		}
//		got := analyzertest.SplitEvery(t, script, newTestAnalyzer,
//			func(h *harness) []string { return h.records })
//		if want := []string{...}; !slices.Equal(got, want) {
//			t.Errorf(...)
//		}
//	}
//
// where newTestAnalyzer builds the analyzer with a fresh record collector
// (the harness), and the summary reads the collector. If the sink has a
// Done method it is called after the script, before summarize, so records
// written at the end count. The baseline is compared with the expected
// result by the test itself (often a golden file).
//
// Content gaps are chunks too: Gap(orig, n) makes the runner call
// Undelivered with the right relative sequence number (the first byte of
// each direction is 1, as in Heron's reassembly), and GapAt turns a
// stretch of a script's data into a gap, for testing the same
// conversation with bytes missing at chosen places; ForEachGap does that
// at every offset of a direction. Play and PlayCuts deliver a script once,
// for tests that need no splitting or want one particular cutting.
//
// Cost: a script of n data bytes makes about n+Random+2 runs, each over
// the whole script, so for long conversations (kilobytes) set MaxSplits.
// Results that legitimately depend on the cutting (a few of Zeek's own,
// such as ContentLine's SetDeliverySize) cannot be checked this way; test
// those with fixed chunks through PlayCuts.
//
// Shared fakes and fuzz helpers: TLSHost (with Recorder and TLSResult) is
// a recording support.TLSHost for analyzers built on support.StartTLS;
// Joined and PlayAlternating turn a script into a fuzz seed and a fuzz
// input back into a conversation; CheckMismatch checks a binpac
// string-mismatch message. Comparisons with Zeek's own logs, which run
// the whole node, are in the subpackage zeekcase.
package analyzertest
