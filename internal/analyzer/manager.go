package analyzer

import (
	"strings"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/signatures"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Config holds the analysis options, with Zeek's names in the docs.
type Config struct {
	// Enabled names the analyzers in use (those whose Zeek script is
	// loaded). Unknown names are ignored.
	Enabled []string
	// Ports lists the ports each analyzer is registered for
	// (Analyzer::register_for_ports in the loaded scripts).
	Ports map[string][]zeek.Port

	IgnorePorts           bool            // dpd_ignore_ports
	BufferSize            int             // dpd_buffer_size
	MaxPackets            int             // dpd_max_packets
	MatchOnlyBeginning    bool            // dpd_match_only_beginning
	LateMatchStop         bool            // dpd_late_match_stop
	IgnoreViolations      map[string]bool // DPD::ignore_violations (analyzer names)
	IgnoreViolationsAfter uint64          // DPD::ignore_violations_after
	TrackRemovedServices  bool            // DPD::track_removed_services_in_connection
	FailureDataMaxSize    int             // Analyzer::Logging::failure_data_max_size

	// AnalyzerLog enables analyzer.log (base/frameworks/analyzer/logging).
	AnalyzerLog bool

	// Signatures are the compiled signatures: the enabled analyzers'
	// detection signatures and the user's signature files. Nil: no
	// detection by signature.
	Signatures *signatures.Set
	// OnSignature receives the matches of signatures with an event
	// action (Zeek's signature_match), for the signatures framework.
	OnSignature func(SignatureMatch)

	// VLANConnKey: connection ids carry their VLAN context
	// (policy/frameworks/conn_key/vlan_fivetuple), in every log's id.
	VLANConnKey bool

	// OnTunnel receives the tunnels analyzers find on their connections
	// (HTTP CONNECT, SOCKS), for tunnel.log; nil: none are followed.
	OnTunnel func(ec packet.EncapConn)

	// OnConfirm, when set, is called after a protocol of c was confirmed
	// for the first time and joined its services (Zeek's
	// analyzer_confirmation_info, after dpd.zeek's handler), packet
	// analyzers included. See events.go.
	OnConfirm func(c *conn.Conn, analyzer string)
	// OnEvent, when set, receives the events analyzers raise for the
	// node's frameworks (Handle.Event). See events.go.
	OnEvent func(c *conn.Conn, ev any)

	// Logs are the open analyzer log streams (OpenLogs); nil: analyzers
	// write no logs.
	Logs *Logs

	// Files is the analysis thread's file analysis framework
	// (base/frameworks/files); nil: analyzers hand over no files.
	Files *files.Manager

	// DebugLog enables analyzer_debug.log
	// (policy/frameworks/analyzer/debug-logging) with its options.
	DebugLog                bool
	DebugConfirmations      bool // Analyzer::DebugLogging::include_confirmations
	DebugDisabling          bool // Analyzer::DebugLogging::include_disabling
	DebugFailureDataMaxSize int  // Analyzer::DebugLogging::failure_data_max_size
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		BufferSize:            1024,
		MaxPackets:            100,
		MatchOnlyBeginning:    true,
		IgnoreViolationsAfter: 10 * 1024,
		FailureDataMaxSize:    40,
		AnalyzerLog:           true,

		DebugConfirmations:      true,
		DebugDisabling:          true,
		DebugFailureDataMaxSize: 40,
	}
}

type portKey struct {
	port  uint16
	proto zeek.Proto
}

// Manager runs protocol analysis for one analysis thread: it creates a
// Session for each new connection (it implements conn.Analysis).
type Manager struct {
	cfg      Config
	conns    *conn.Manager
	on       map[string]*Info
	byPort   map[portKey][]*Info
	log      func(*Record)
	debugLog func(*DebugRecord)
	matcher  *signatures.Matcher // per thread: its DFA cache is not shared
	ext      threadState         // scheduled analyzers, per-thread values (expect.go)
}

// NewManager returns a Manager for the enabled analyzers. writeLog
// receives analyzer.log records and writeDebug analyzer_debug.log records
// (nil: none are written).
func NewManager(cfg Config, writeLog func(*Record), writeDebug func(*DebugRecord)) *Manager {
	m := &Manager{cfg: cfg, on: map[string]*Info{}, byPort: map[portKey][]*Info{}}
	if cfg.AnalyzerLog {
		m.log = writeLog
	}
	if cfg.DebugLog {
		m.debugLog = writeDebug
	}
	for _, name := range cfg.Enabled {
		if info := Lookup(name); info != nil {
			m.on[strings.ToUpper(info.Name)] = info
		}
	}
	// Port registrations in the order analyzers were enabled, so that
	// several analyzers on one port attach in a stable order.
	for _, name := range cfg.Enabled {
		info := m.on[strings.ToUpper(name)]
		if info == nil {
			continue
		}
		for _, p := range cfg.Ports[info.Name] {
			k := portKey{p.Num, p.Proto}
			if !containsInfo(m.byPort[k], info) {
				m.byPort[k] = append(m.byPort[k], info)
			}
		}
	}
	return m
}

func containsInfo(list []*Info, i *Info) bool {
	for _, x := range list {
		if x == i {
			return true
		}
	}
	return false
}

// SetConns tells the Manager which connection tracker it serves (for
// weirds and time); call it before the first packet.
func (m *Manager) SetConns(c *conn.Manager) { m.conns = c }

// enabled returns the enabled analyzer of a name (any case, as signature
// files write them), or nil. A "parent:child" name, which Zeek signatures
// use for analyzers below another, names the child.
func (m *Manager) enabled(name string) *Info {
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return m.on[strings.ToUpper(name)]
}

// NewSession implements conn.Analysis.
func (m *Manager) NewSession(c *conn.Conn) conn.Session {
	if c.Transport != zeek.ProtoTCP && c.Transport != zeek.ProtoUDP {
		return nil
	}
	if len(m.on) == 0 && !m.pia() {
		return nil
	}
	return m.newSession(c)
}
