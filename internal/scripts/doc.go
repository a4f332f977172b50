// Package scripts knows Zeek's script names and the @load graph between
// them, so that Heron's command line selects what runs exactly as zeek's does.
//
// Heron implements Zeek's behaviour in Go and has no script interpreter, but
// users still choose features by naming Zeek scripts:
//
//	heron -r t.pcap                                     # base/ as with zeek
//	heron -b -r t.pcap base/protocols/conn              # only conn and its dependencies
//	heron -r t.pcap policy/protocols/conn/vlan-logging  # base/ plus one policy script
//
// The catalog of names and @load edges is data generated from a Zeek
// checkout by tools/gen-zeek-scripts and embedded as zeek-scripts.txt; it
// carries no script text, only names, kinds and resolved edges (with the
// @if conditions that guard some of them), and the port registrations that
// decide Zeek's likely_server_ports.
//
// Resolve turns any spelling zeek accepts into the canonical name (the path
// under Zeek's scripts/ directory without ".zeek"; a package directory is
// named by the directory, not by its __load__.zeek). Load computes the set
// of scripts that zeek would load, in zeek's depth-first order. Packages that
// implement a feature declare the script that turns it on with Implement, and
// (*Set).Unimplemented lists what a user asked for that Heron does not do.
//
// (*Set).LikelyServerPorts is the content of Zeek's likely_server_ports for
// the loaded scripts, which decides the orientation of connections picked
// up without their handshake; (*Set).AnalyzerPorts is the analyzer-to-ports
// map the same registrations give port-based protocol detection.
//
// The @if conditions follow an Env. Its zero value, like the Zeek whose logs
// Heron's parity corpus holds, has no Spicy: the packages of the Spicy-only
// analyzers (LDAP, QUIC, PostgreSQL, Redis) are guarded by
// @if ( have_spicy_analyzers() ) or @ifdef ( Analyzer::ANALYZER_QUIC ) and
// load nothing, so their ports are not registered. Env.Spicy turns them on,
// as in the builds Zeek's own test baselines come from.
//
// Zeek facts used here, with their sources in the Zeek tree:
//   - search path: "." then share/zeek, share/zeek/policy, share/zeek/site,
//     share/zeek/builtin-plugins (CMakeLists.txt, DEFAULT_ZEEKPATH_PATHS);
//   - lookup in one directory tries NAME.zeek, then NAME itself, and a
//     directory means its __load__.zeek (src/util.cc find_file_in_path,
//     open_package); a directory without __load__.zeek is an error, not a
//     reason to try the next path entry;
//   - @load with a name starting with "." is relative to the loading
//     script's directory (src/scan.l find_relative_script_file);
//   - every run loads base/init-bare, then base/init-frameworks-and-bifs,
//     then base/init-default unless -b, then the named scripts
//     (src/zeek-setup.cc); a script is loaded once, at its first @load,
//     and its own @loads are followed at the point where they appear
//     (src/scan.l load_files);
//   - likely_server_ports is declared empty (base/init-bare.zeek) and grows
//     by the server ports of every Analyzer::register_for_ports and
//     PacketAnalyzer::register_for_ports call, which the loaded scripts make
//     in zeek_init after every redef has been applied
//     (base/frameworks/analyzer/main.zeek, base/packet-protocols/main.zeek);
//     base/init-bare loads the tunnel decapsulators of base/packet-protocols,
//     so even a -b run has their UDP ports in it.
package scripts
