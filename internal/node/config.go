package node

import (
	"fmt"
	"strconv"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/frameworks/reporter"
	sigfw "github.com/heron-nsm/heron/internal/frameworks/signatures"
	"github.com/heron-nsm/heron/internal/frameworks/tunnels"
	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/layers/tunnel"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/site"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Config is everything a standalone node needs.
type Config struct {
	// Trace is the file to read (-r).
	Trace string
	// SignatureFiles are user signature files (-s).
	SignatureFiles []string
	// Loaded tells which Zeek scripts are in effect (what runs).
	Loaded Features

	Conn     conn.Config
	Analysis analyzer.Config
	Site     site.Config
	Weird    weird.Config
	Notice   notice.Config
	// Signatures configures the signatures framework (signatures.log).
	Signatures sigfw.Config
	Log        logging.Config
	// Tunnel configures the tunnel layers and Tunnels the tunnel
	// framework (tunnel.log).
	Tunnel  tunnel.TunnelConfig
	Tunnels tunnels.Config
	// Stats configures stats.log and capture_loss.log.
	Stats StatsConfig
	// Known configures known_hosts.log, known_services.log and
	// known_certs.log (known.go); which of them run follows the loaded
	// scripts.
	Known known.Config
	// KnownForward, when set, runs the known-* scripts as on a cluster
	// worker: what the node's tables do not know goes to it (a
	// proxy.KnownForwarder) instead of to known_*.log. KnownAttach, when
	// set, receives the framework once it is built
	// (proxy.KnownForwarder.Attach).
	KnownForward known.Forwarder
	KnownAttach  func(*known.Framework)
	// NoticeLog and NoticeAlarm, when either is set, receive the
	// notice.log and notice_alarm.log records in place of the node's own
	// log streams (a cluster node's noticesync.Node.Log and Alarm, which
	// send them to the manager). They own the records they get.
	NoticeLog, NoticeAlarm func(*notice.Info)
	// Live, when set, receives the run's packet and connection counts
	// for readers on other goroutines (live.go; a metrics endpoint).
	Live *Live
	// Reporter, when set, raises the node's runtime messages (a cluster
	// node's, which prints them and ships them); nil gives the node its
	// own. With base/frameworks/reporter loaded the node attaches it to
	// reporter.log while it runs.
	Reporter *reporter.Reporter
	// Interface names the live capture in reporter.log's end-of-capture
	// message (Zeek's packet source path, "eth0").
	Interface string
	// StopReason, when set, tells at the end of a live capture why it
	// ended ("received termination signal" after SIGINT or SIGTERM, as
	// Zeek words it; "" when the source ended by itself).
	StopReason func() string

	// IgnoreChecksums is Zeek's ignore_checksums (-C).
	IgnoreChecksums bool
	// IgnoreChecksumsNets is ignore_checksums_nets.
	IgnoreChecksumsNets []zeek.Subnet
	// FragTimeout is frag_timeout.
	FragTimeout zeek.Interval
	// MaxPacketAnalyzerDepth is PacketAnalyzer::max_depth.
	MaxPacketAnalyzerDepth uint64

	// Progress, when set, receives progress reports while reading.
	Progress ProgressFunc

	// Threads is the number of analysis threads (--threads); a trace is
	// split between them by flow. 0 or 1: one.
	Threads int
	// PinCPUs pins analysis thread i to CPU PinCPUs[i % len] (--pin-cpus).
	PinCPUs []int
}

// Features says which parts of Zeek's behaviour the loaded scripts switch
// on. cmd/heron derives it from the script names given.
type Features struct {
	ConnLog      bool     // base/protocols/conn
	WeirdLog     bool     // base/frameworks/notice/weird
	Site         bool     // base/utils/site
	VLANConnKey  bool     // policy/frameworks/conn_key/vlan_fivetuple
	ConnExts     []string // conn.log extensions in load order (vlan-logging, mac-logging, …)
	CommunityID  bool     // policy/protocols/conn/community-id-logging
	LikelyServer []zeek.Port
	// Analyzers are the analyzers whose scripts are loaded, with the
	// ports those scripts register them for.
	Analyzers     []string
	AnalyzerPorts map[string][]zeek.Port
	AnalyzerLog   bool // base/frameworks/analyzer/logging
	// AnalyzerDebugLog: policy/frameworks/analyzer/debug-logging.
	AnalyzerDebugLog bool
	// ConnWeirds: policy/protocols/conn/weirds (retransmission
	// inconsistencies and content gaps as notices).
	ConnWeirds bool
	// SignaturesLog: base/frameworks/signatures (signatures.log).
	SignaturesLog bool
	// NoticeLog: base/frameworks/notice (notice.log, notice_alarm.log).
	NoticeLog bool
	// NoticeExts are notice.log extensions in load order (add-geodata).
	NoticeExts []string
	// TunnelLog: base/frameworks/tunnels (tunnel.log).
	TunnelLog bool
	// ReporterLog: base/frameworks/reporter (reporter.log).
	ReporterLog bool
	// TunnelPorts are the UDP ports of the tunnel layers, by the packet
	// analyzer's name ("VXLAN": vxlan_ports, …), as the loaded scripts
	// register them.
	TunnelPorts map[string][]uint16
	// Scripts holds the canonical names of every loaded script and
	// package ("base/protocols/dns"), for the logs analyzers declare.
	Scripts map[string]bool
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		Conn:                   conn.DefaultConfig(),
		Analysis:               analyzer.DefaultConfig(),
		Site:                   site.DefaultConfig(),
		Weird:                  weird.DefaultConfig(),
		Notice:                 notice.DefaultConfig(),
		Signatures:             sigfw.DefaultConfig(),
		Log:                    logging.DefaultConfig(),
		Tunnel:                 tunnel.DefaultTunnelConfig(),
		Tunnels:                tunnels.DefaultConfig(),
		Stats:                  DefaultStatsConfig(),
		Known:                  known.DefaultConfig(),
		FragTimeout:            5 * zeek.Minute,
		MaxPacketAnalyzerDepth: 25,
	}
}

// Options registers the Zeek options that set fields of c. The registry
// is what `ID=VALUE` arguments are applied to.
func (c *Config) Options(r *options.Registry) {
	reg := func(name string, v options.Value, doc string) { r.Register(name, v, doc) }

	// Checksums and packet analysis.
	reg("ignore_checksums", options.BoolValue(&c.IgnoreChecksums), "Ignore IP, TCP, UDP and ICMP checksums (-C).")
	reg("ignore_checksums_nets", options.SetSubnetValue(&c.IgnoreChecksumsNets), "Ignore checksums of packets from these source networks.")
	reg("frag_timeout", options.IntervalValue(&c.FragTimeout), "How long to hold IP fragments for reassembly (0: forever).")
	reg("PacketAnalyzer::max_depth", options.CountValue(&c.MaxPacketAnalyzerDepth), "Longest chain of packet analyzers before max_packet_analyzer_depth_exceeded (0: no limit).")

	// Connection tracking (init-bare.zeek).
	cc := &c.Conn
	iv := func(name string, p *zeek.Interval, doc string) { reg(name, options.IntervalValue(p), doc) }
	iv("tcp_SYN_timeout", &cc.TCPSYNTimeout, "First check of a new TCP connection for expiry.")
	iv("tcp_session_timer", &cc.TCPSessionTimer, "Interval of later expiry checks of TCP connections.")
	iv("tcp_connection_linger", &cc.TCPConnectionLinger, "Quiet time after a close before a TCP connection expires.")
	iv("tcp_attempt_delay", &cc.TCPAttemptDelay, "Wait for a SYN-ACK before a connection attempt is given up.")
	iv("tcp_close_delay", &cc.TCPCloseDelay, "Time a fully closed TCP connection is kept.")
	iv("tcp_reset_delay", &cc.TCPResetDelay, "Time a reset TCP connection is kept.")
	iv("tcp_partial_close_delay", &cc.TCPPartialCloseDelay, "Time a half-closed TCP connection is kept.")
	iv("tcp_inactivity_timeout", &cc.TCPInactivityTimeout, "Idle time after which an established TCP connection expires.")
	iv("udp_inactivity_timeout", &cc.UDPInactivityTimeout, "Idle time after which a UDP flow (or TCP handshake) expires.")
	iv("icmp_inactivity_timeout", &cc.ICMPInactivityTimeout, "Idle time after which an ICMP flow expires.")
	iv("unknown_ip_inactivity_timeout", &cc.UnknownIPInactivity, "Idle time after which a flow of another IP protocol expires.")
	reg("partial_connection_ok", options.BoolValue(&cc.PartialConnectionOK), "Track TCP connections first seen without a SYN.")
	reg("tcp_SYN_ack_ok", options.BoolValue(&cc.TCPSYNAckOK), "Track TCP connections first seen with a SYN-ACK.")
	reg("tcp_storm_thresh", options.CountValue(&cc.TCPStormThresh), "FINs or RSTs in a row before FIN_storm/RST_storm.")
	iv("tcp_storm_interarrival_thresh", &cc.TCPStormInterarrivalThresh, "Maximum gap between packets of a FIN/RST storm.")
	reg("tcp_max_initial_window", options.CountValue(&cc.TCPMaxInitialWindow), "Unacknowledged bytes after which a sender's data is no longer kept.")
	reg("tcp_max_above_hole_without_any_acks", options.CountValue(&cc.TCPMaxAboveHoleWithoutAnyAcks), "Bytes above a hole, with no acks at all, before reassembly gives up.")
	reg("tcp_excessive_data_without_further_acks", options.CountValue(&cc.TCPExcessiveDataWithoutFurtherAcks), "Buffered bytes without new acks before reassembly gives up.")
	reg("report_gaps_for_partial", options.BoolValue(&cc.ReportGapsForPartial), "Count content gaps of partial connections too.")
	reg("detect_filtered_trace", options.BoolValue(&cc.DetectFilteredTrace), "Assume SYN/FIN/RST-filtered traces and skip their gaps.")

	// Protocol detection (init-bare.zeek, base/frameworks/analyzer/dpd.zeek).
	a := &c.Analysis
	reg("dpd_buffer_size", intCount(&a.BufferSize), "Bytes of a connection's start kept for protocol detection.")
	reg("dpd_max_packets", intCount(&a.MaxPackets), "Deliveries of a connection's start kept for protocol detection.")
	reg("dpd_match_only_beginning", options.BoolValue(&a.MatchOnlyBeginning), "Match detection signatures only on a connection's start.")
	reg("dpd_late_match_stop", options.BoolValue(&a.LateMatchStop), "Stop matching after a late match.")
	reg("dpd_ignore_ports", options.BoolValue(&a.IgnorePorts), "Do not attach analyzers by port.")
	reg("DPD::ignore_violations_after", options.CountValue(&a.IgnoreViolationsAfter), "Connection size after which violations no longer disable analyzers.")
	reg("DPD::track_removed_services_in_connection", options.BoolValue(&a.TrackRemovedServices), "Keep removed analyzers in service as -name.")
	reg("Analyzer::Logging::failure_data_max_size", intCount(&a.FailureDataMaxSize), "Bytes of offending data in analyzer.log.")
	reg("Analyzer::DebugLogging::include_confirmations", options.BoolValue(&a.DebugConfirmations), "Log confirmations in analyzer_debug.log.")
	reg("Analyzer::DebugLogging::include_disabling", options.BoolValue(&a.DebugDisabling), "Log disabled analyzers in analyzer_debug.log.")
	reg("Analyzer::DebugLogging::failure_data_max_size", intCount(&a.DebugFailureDataMaxSize), "Bytes of offending data in analyzer_debug.log.")

	// Weird sampling (base/frameworks/notice/weird.zeek and init-bare).
	w := &c.Weird
	reg("Weird::sampling_threshold", options.CountValue(&w.SamplingThreshold), "Weirds of one name reported in full before sampling starts.")
	reg("Weird::sampling_rate", options.CountValue(&w.SamplingRate), "After the threshold, report one in this many (0: none).")
	iv("Weird::sampling_duration", &w.SamplingDuration, "Time after which sampling state is reset.")

	// Tunnels (init-bare.zeek, base/frameworks/tunnels).
	t := &c.Tunnel
	reg("Tunnel::max_depth", intCount(&t.MaxDepth), "Most tunnels a packet may be inside.")
	reg("Tunnel::delay_teredo_confirmation", options.BoolValue(&t.DelayTeredoConfirmation), "Confirm Teredo only once both sides sent valid Teredo packets.")
	reg("Tunnel::delay_gtp_confirmation", options.BoolValue(&t.DelayGTPConfirmation), "Confirm GTP only once both sides sent valid GTP packets.")
	iv("Tunnel::ip_tunnel_timeout", &t.IPTunnelTimeout, "Idle time after which an IP or GRE tunnel gets a new uid.")
	reg("Tunnel::validate_vxlan_checksums", options.BoolValue(&cc.ValidateVXLANChecksums), "Check non-zero UDP checksums of VXLAN datagrams.")
	reg("Tunnel::max_changes_per_connection", uint32Count(&cc.MaxTunnelChanges), "How often a connection's tunnels may change (0: no limit).")
	iv("Tunnel::expiration_interval", &c.Tunnels.ExpirationInterval, "Idle time after which tunnel.log expires a tunnel.")

	// stats.log and capture_loss.log (policy/misc/stats, capture-loss).
	st := &c.Stats
	reg("peer_description", options.StringValue(&st.Peer), "The node's name in stats.log and capture_loss.log.")
	iv("Stats::report_interval", &st.ReportInterval, "Interval of stats.log records.")
	iv("CaptureLoss::watch_interval", &st.WatchInterval, "Interval of capture_loss.log measurements.")
	iv("CaptureLoss::initial_watch_interval", &st.InitialWatchInterval, "Delay of the first capture loss measurement.")
	reg("CaptureLoss::too_much_loss", options.DoubleValue(&st.TooMuchLoss), "Loss ratio that raises CaptureLoss::Too_Much_Loss.")
	reg("CaptureLoss::minimum_acks", options.CountValue(&st.MinimumAcks), "Fewer acks per interval raise CaptureLoss::Too_Little_Traffic.")

	c.Notice.Options(r)
	c.Signatures.Options(r)
	c.Known.Options(r)

	// Site.
	s := &c.Site
	reg("Site::local_nets", options.SetSubnetValue(&s.LocalNets), "Networks considered local (local_orig/local_resp).")
	reg("Site::private_address_space", options.SetSubnetValue(&s.PrivateAddressSpace), "Private address space.")
	reg("Site::private_address_space_is_local", options.BoolValue(&s.PrivateAddressSpaceIsLocal), "Count the private address space as local.")

	// Logging.
	l := &c.Log
	reg("Log::default_logdir", options.StringValue(&l.LogDir), "Directory for log files.")
	reg("LogAscii::use_json", options.BoolValue(&l.UseJSON), "Write JSON lines instead of Zeek's tab-separated format.")
	reg("LogAscii::separator", options.StringValue(&l.Separator), "Field separator.")
	reg("LogAscii::set_separator", options.StringValue(&l.SetSeparator), "Separator of set and vector elements.")
	reg("LogAscii::empty_field", options.StringValue(&l.EmptyField), "Mark for empty fields.")
	reg("LogAscii::unset_field", options.StringValue(&l.UnsetField), "Mark for unset fields.")
	reg("LogAscii::include_meta", options.BoolValue(&l.IncludeMeta), "Write the #-header and #close lines.")
	reg("LogAscii::json_include_unset_fields", options.BoolValue(&l.JSONIncludeUnsetFields), "Write unset fields as null in JSON.")
	reg("LogAscii::enable_utf_8", options.BoolValue(&l.EnableUTF8), "Keep valid UTF-8 unescaped.")
	reg("LogAscii::output_to_stdout", options.BoolValue(&l.OutputToStdout), "Write every log to standard output.")
	reg("Log::default_scope_sep", options.StringValue(&l.ScopeSep), "Separator of nested field names.")
	iv("Log::default_rotation_interval", &l.RotationInterval, "Rotate every log file at this interval, aligned to log_rotate_base_time (0: never).")
	reg("log_rotate_base_time", options.StringValue(&l.RotationBaseTime), "Time of day (HH:MM) log rotations are aligned to.")
	reg("Log::default_max_field_string_bytes", intCount(&l.MaxFieldStringBytes), "Bytes of one string value kept when a record is logged (0: no limit).")
	reg("Log::default_max_total_string_bytes", intCount(&l.MaxTotalStringBytes), "String bytes of one record kept when it is logged (0: no limit).")
	reg("Log::default_max_field_container_elements", intCount(&l.MaxFieldContainerElements), "Elements of one set or vector kept when a record is logged (0: no limit).")
	reg("Log::default_max_total_container_elements", intCount(&l.MaxTotalContainerElements), "Set and vector elements of one record kept when it is logged (0: no limit).")
	reg("Log::max_log_record_size", intCount(&l.MaxLogRecordSize), "Size above which a log record is dropped with the weird log_record_too_large (0: no limit).")
}

// intCount exposes an int setting as a Zeek count option.
func intCount(p *int) options.Value { return &intCountValue{p: p} }

type intCountValue struct {
	p *int
	u uint64
}

func (v *intCountValue) Type() string   { return "count" }
func (v *intCountValue) String() string { return strconv.Itoa(*v.p) }
func (v *intCountValue) Set(lit string) error {
	v.u = uint64(*v.p)
	if err := options.CountValue(&v.u).Set(lit); err != nil {
		return err
	}
	if v.u > 1<<31 {
		return fmt.Errorf("%d is too large", v.u)
	}
	*v.p = int(v.u)
	return nil
}

// uint32Count exposes a uint32 setting as a Zeek count option.
func uint32Count(p *uint32) options.Value { return &uint32CountValue{p: p} }

type uint32CountValue struct {
	p *uint32
	u uint64
}

func (v *uint32CountValue) Type() string   { return "count" }
func (v *uint32CountValue) String() string { return strconv.FormatUint(uint64(*v.p), 10) }
func (v *uint32CountValue) Set(lit string) error {
	v.u = uint64(*v.p)
	if err := options.CountValue(&v.u).Set(lit); err != nil {
		return err
	}
	if v.u > 1<<32-1 {
		return fmt.Errorf("%d is too large", v.u)
	}
	*v.p = uint32(v.u)
	return nil
}
