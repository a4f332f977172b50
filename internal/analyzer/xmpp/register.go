package xmpp

import "github.com/heron-nsm/heron/internal/analyzer"

func init() {
	analyzer.Register(analyzer.Info{
		Name:       "XMPP",
		Transport:  analyzer.TCP,
		Script:     "base/protocols/xmpp",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}

// signatures detect XMPP on any port (Heron's equivalent of Zeek's
// base/protocols/xmpp/dpd.sig): a stream opening in the jabber
// namespaces, after an optional XML declaration.
const signatures = `
signature heron-xmpp {
  ip-proto == tcp
  payload /^(<\?xml[^?>]*\?>)?[\n\r ]*<stream:stream [^>]*xmlns='jabber:/
  enable "xmpp"
}
`
