package node

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	_ "github.com/heron-nsm/heron/internal/analyzer/all" // every protocol analyzer
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Script names whose behaviour Heron implements, and what they stand for.
var implemented = []struct{ name, what string }{
	{"base/init-bare", "core options and types"},
	{"base/init-default", "default script set"},
	{"base/init-frameworks-and-bifs", "framework setup"},
	{"base/packet-protocols", "packet decoding"},
	{"base/frameworks/logging", "logging framework"},
	{"base/frameworks/notice/weird", "weird.log"},
	{"base/frameworks/notice/main", "notice.log and notice_alarm.log"},
	{"base/frameworks/signatures", "signatures.log"},
	{"policy/protocols/conn/weirds", "Conn::Retransmission_Inconsistency and Conn::Content_Gap notices"},
	{"base/utils/site", "Site::local_nets"},
	{"base/frameworks/tunnels", "tunnel.log"},
	{"base/frameworks/reporter", "reporter.log"},
	{"policy/misc/stats", "stats.log"},
	{"policy/misc/capture-loss", "capture_loss.log and its notices"},
	{"base/protocols/conn", "conn.log"},
	{"base/frameworks/analyzer", "protocol detection and analyzer.log"},
	{"policy/frameworks/analyzer/debug-logging", "analyzer_debug.log"},
	{"policy/protocols/conn/vlan-logging", "conn.log vlan, inner_vlan"},
	{"policy/protocols/conn/mac-logging", "conn.log orig_l2_addr, resp_l2_addr"},
	{"policy/protocols/conn/pppoe-session-id-logging", "conn.log pppoe_session_id"},
	{"policy/protocols/conn/community-id-logging", "conn.log community_id"},
	{"policy/frameworks/conn_key/vlan_fivetuple", "VLAN-aware connection keys"},
	// Files framework (run.go's files block).
	{"base/frameworks/files", "files.log, MIME sniffing"},
	{"base/files/hash", "files.log md5, sha1, sha256"},
	{"base/files/extract", "file extraction, files.log extracted*"},
	{"policy/frameworks/files/hash-all-files", "hashes of every file"},
	{"policy/frameworks/files/extract-all-files", "extraction of every file"},
}

func init() {
	for _, s := range implemented {
		scripts.Implement(s.name, s.what)
	}
	// Analyzer packages (linked by analyzer/all, whose init functions ran
	// before this one) implement their scripts and the logs they declare.
	for _, info := range analyzer.Registered() {
		if info.Script != "" {
			scripts.Implement(info.Script, info.Name+" analyzer")
		}
	}
	paths, names := analyzer.DeclaredLogs()
	for i, p := range paths {
		scripts.Implement(names[i], p+".log")
	}
	paths, names, exts := analyzer.LogExtensions()
	for i, p := range paths {
		scripts.Implement(names[i], p+".log "+exts[i])
	}
}

// connExts maps the scripts that extend conn.log (or conn_id) to the
// extension names of the log record types.
var connExts = []struct{ script, ext string }{
	{"policy/frameworks/conn_key/vlan_fivetuple", "vlan_fivetuple"},
	{"policy/protocols/conn/vlan-logging", "vlan-logging"},
	{"policy/protocols/conn/mac-logging", "mac-logging"},
	{"policy/protocols/conn/pppoe-session-id-logging", "pppoe-session-id-logging"},
	{"policy/protocols/conn/community-id-logging", "community-id-logging"},
}

// FeaturesOf derives the node's features from the loaded scripts.
func FeaturesOf(s *scripts.Set) Features {
	f := Features{
		ConnLog:     s.Has("base/protocols/conn"),
		WeirdLog:    s.Has("base/frameworks/notice/weird"),
		Site:        s.Has("base/utils/site"),
		VLANConnKey: s.Has("policy/frameworks/conn_key/vlan_fivetuple"),
		CommunityID: s.Has("policy/protocols/conn/community-id-logging"),
		// likely_server_ports as the loaded scripts' analyzer
		// registrations fill it at zeek_init.
		LikelyServer: s.LikelyServerPorts(),
		AnalyzerLog:  s.Has("base/frameworks/analyzer/logging"),

		AnalyzerDebugLog: s.Has("policy/frameworks/analyzer/debug-logging"),
		NoticeLog:        s.Has("base/frameworks/notice/main"),
		SignaturesLog:    s.Has("base/frameworks/signatures/main"),
		ConnWeirds:       s.Has("policy/protocols/conn/weirds"),
		TunnelLog:        s.Has("base/frameworks/tunnels"),
		ReporterLog:      s.Has("base/frameworks/reporter"),
		Scripts:          map[string]bool{},
	}
	for _, name := range s.Order() {
		f.Scripts[name] = true
	}
	// Analyzers whose script is loaded, in load order, with their ports.
	ports := map[string][]zeek.Port{}
	f.TunnelPorts = map[string][]uint16{}
	for _, ap := range s.AnalyzerPorts() {
		if ap.Parent != "" {
			// Packet analyzers (tunnels) below UDP, by port.
			if ap.Parent == "ANALYZER_UDP" {
				name := strings.TrimPrefix(ap.Analyzer, "ANALYZER_")
				for _, p := range append(append([]zeek.Port(nil), ap.Server...), ap.NonServer...) {
					if p.Proto == zeek.ProtoUDP {
						f.TunnelPorts[name] = append(f.TunnelPorts[name], p.Num)
					}
				}
			}
			continue
		}
		name := strings.TrimPrefix(ap.Analyzer, "ANALYZER_")
		ports[name] = append(append(ports[name], ap.Server...), ap.NonServer...)
	}
	f.AnalyzerPorts = ports
	for _, name := range s.Order() {
		for _, info := range analyzer.Registered() {
			if info.Script == name {
				f.Analyzers = append(f.Analyzers, info.Name)
			}
		}
	}
	if s.Has("base/frameworks/notice/actions/add-geodata") {
		f.NoticeExts = append(f.NoticeExts, "add-geodata")
	}
	// Extensions in load order.
	for _, name := range s.Order() {
		for _, e := range connExts {
			if name == e.script {
				f.ConnExts = append(f.ConnExts, e.ext)
			}
		}
	}
	return f
}
