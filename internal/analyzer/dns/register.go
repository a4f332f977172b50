package dns

import (
	"net/netip"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Log is the dns.log stream, written while base/protocols/dns is loaded.
var Log = analyzer.DeclareLog[Info]("dns", "base/protocols/dns", logging.WithID("DNS::LOG"))

// Zeek's options for DNS analysis, settable as command-line redefs.
var (
	maxQueries       uint64 = 25
	maxDepth         uint64 = 20
	skipAllAuth             = true
	skipAllAddl             = true
	skipAuth         []zeek.Addr
	skipAddl         []zeek.Addr
	maxPendingMsgs   uint64 = 50
	maxPendingIDs    uint64 = 50
	multicastSubnets        = []zeek.Subnet{netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("ff00::/8")}
)

func init() {
	options.Count("dns_max_queries", &maxQueries,
		"Messages with more questions than this are taken for non-DNS traffic (0: no limit).")
	options.Count("dns_max_compression_chain_depth", &maxDepth,
		"The longest chain of name compression pointers followed.")
	options.Bool("dns_skip_all_auth", &skipAllAuth, "Skip the authority records of every DNS reply.")
	options.Bool("dns_skip_all_addl", &skipAllAddl, "Skip the additional records of every DNS reply.")
	options.SetAddr("dns_skip_auth", &skipAuth, "Skip the authority records of replies from these servers.")
	options.SetAddr("dns_skip_addl", &skipAddl, "Skip the additional records of replies from these servers.")
	options.Count("DNS::max_pending_msgs", &maxPendingMsgs,
		"Unmatched DNS queries or replies of one transaction id kept before they are logged.")
	options.Count("DNS::max_pending_query_ids", &maxPendingIDs,
		"Transaction ids with unmatched DNS messages kept before all are logged.")
	options.SetSubnet("DNS::multicast_subnets", &multicastSubnets,
		"Responders whose DNS messages are logged one by one, unpaired (mDNS, LLMNR).")
	options.Register("dns_session_timeout", options.IntervalValue(&sessionTimeout),
		"Quiet time after which a UDP connection analysed as DNS ends.")

	analyzer.Register(analyzer.Info{
		Name:       "DNS",
		Transport:  analyzer.TCP | analyzer.UDP,
		Script:     "base/protocols/dns",
		New:        newAnalyzer,
		Signatures: signatures,
	})
}

// config is the analysis options as they stand when a connection starts.
type config struct {
	parse  parseConfig
	script scriptConfig
}

func currentConfig() config {
	return config{
		parse: parseConfig{
			maxQueries:  int(min(maxQueries, 1<<16)),
			maxDepth:    int(min(maxDepth, 1<<16)),
			skipAllAuth: skipAllAuth,
			skipAllAddl: skipAllAddl,
			skipAuth:    skipAuth,
			skipAddl:    skipAddl,
			handled:     baseHandled,
		},
		script: scriptConfig{
			multicast:      multicastSubnets,
			maxPendingMsgs: int(min(maxPendingMsgs, 1<<20)),
			maxPendingIDs:  int(min(maxPendingIDs, 1<<16)),
		},
	}
}

// Analyzer is the DNS analyzer of one connection.
type Analyzer struct {
	conv
	hh  handleHost
	cfg config
}

var _ analyzer.Analyzer = (*Analyzer)(nil)
var _ analyzer.Flipper = (*Analyzer)(nil)

func newAnalyzer(h *analyzer.Handle) analyzer.Analyzer {
	a := &Analyzer{hh: handleHost{h: h}, cfg: currentConfig()}
	a.conv.init(&a.hh, &a.cfg)
	a.hh.startExpiry()
	return a
}
