package imap

import "github.com/heron-nsm/heron/internal/analyzer"

func init() {
	// Zeek has no detection signature for IMAP: port 143 only.
	analyzer.Register(analyzer.Info{
		Name:      "IMAP",
		Transport: analyzer.TCP,
		Script:    "base/protocols/imap",
		New:       newAnalyzer,
	})
}
