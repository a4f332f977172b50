package scripts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Port records of the catalog. Zeek's likely_server_ports (a set[port]
// declared empty in base/init-bare.zeek) decides which side of a connection
// picked up without its handshake is the originator. Every loaded script
// that calls Analyzer::register_for_ports or
// PacketAnalyzer::register_for_ports at zeek_init adds that call's server
// ports to it (base/frameworks/analyzer/main.zeek,
// base/packet-protocols/main.zeek), and scripts may redef it directly. The
// catalog keeps, per script and in file order:
//
//	V name op ports        a port-set variable's declaration ("=") or redef (=, +=, -=)
//	A tag server nonserver  Analyzer::register_for_ports(Analyzer::tag, server, nonserver)
//	K parent child server nonserver
//	                        PacketAnalyzer::register_for_ports(parent, child, server, nonserver)
//
// where ports is "-" (empty) or a comma-separated list such as
// "21/tcp,2811/tcp", and server and nonserver are a port list or "$name",
// the variable the call passes. Redefs are applied when their script loads,
// in load order, before any zeek_init handler runs, as Zeek does.
const (
	edgeVar      = 'V'
	edgeAnalyzer = 'A'
	edgePacket   = 'K'
)

// portArg is a port-set argument: a variable or a literal set.
type portArg struct {
	ref   string // qualified variable name, or ""
	ports []zeek.Port
}

// portFact is the payload of a V, A or K edge.
type portFact struct {
	// V: variable name, operator and value.
	variable string
	op       string
	ports    []zeek.Port
	// A and K: the analyzer tag (without "Analyzer::"), the parent packet
	// analyzer for K, and the two port sets.
	analyzer, parent  string
	server, nonServer portArg
}

// parsePort reads "21/tcp" (tcp, udp, icmp or unknown).
func parsePort(s string) (zeek.Port, error) {
	num, proto, ok := strings.Cut(s, "/")
	if !ok {
		return zeek.Port{}, fmt.Errorf("port %q has no protocol", s)
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil || num == "" || num[0] == '+' {
		return zeek.Port{}, fmt.Errorf("port %q: bad number", s)
	}
	p := zeek.Port{Num: uint16(n)}
	switch proto {
	case "tcp":
		p.Proto = zeek.ProtoTCP
	case "udp":
		p.Proto = zeek.ProtoUDP
	case "icmp":
		p.Proto = zeek.ProtoICMP
	case "unknown":
		p.Proto = zeek.ProtoUnknown
	default:
		return zeek.Port{}, fmt.Errorf("port %q: unknown protocol", s)
	}
	return p, nil
}

// portString writes p as a Zeek port literal.
func portString(p zeek.Port) string {
	proto := p.Proto.String()
	if p.Proto == zeek.ProtoUnknown {
		proto = "unknown"
	}
	return strconv.Itoa(int(p.Num)) + "/" + proto
}

// formatPorts writes a port list for the data file.
func formatPorts(ps []zeek.Port) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = portString(p)
	}
	return strings.Join(parts, ",")
}

// parsePorts reads a port list of the data file.
func parsePorts(s string) ([]zeek.Port, error) {
	if s == "-" {
		return []zeek.Port{}, nil
	}
	if s == "" {
		return nil, fmt.Errorf("empty port list")
	}
	var out []zeek.Port
	for _, f := range strings.Split(s, ",") {
		p, err := parsePort(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// formatArg writes a port-set argument for the data file.
func formatArg(a portArg) string {
	if a.ref != "" {
		return "$" + a.ref
	}
	return formatPorts(a.ports)
}

// parseArg reads a port-set argument of the data file.
func parseArg(s string) (portArg, error) {
	if ref, ok := strings.CutPrefix(s, "$"); ok {
		if ref == "" {
			return portArg{}, fmt.Errorf("empty variable name")
		}
		return portArg{ref: ref}, nil
	}
	ps, err := parsePorts(s)
	return portArg{ports: ps}, err
}

// formatFact writes the fields after the record letter.
func formatFact(op byte, pf *portFact) string {
	switch op {
	case edgeVar:
		return pf.variable + "\t" + pf.op + "\t" + formatPorts(pf.ports)
	case edgeAnalyzer:
		return pf.analyzer + "\t" + formatArg(pf.server) + "\t" + formatArg(pf.nonServer)
	default:
		return pf.parent + "\t" + pf.analyzer + "\t" + formatArg(pf.server) + "\t" + formatArg(pf.nonServer)
	}
}

// parseFact reads a V, A or K record's fields (after the letter); it
// returns the fact and the remaining fields, which are conditions.
func parseFact(op byte, f []string) (*portFact, []string, error) {
	want := 3
	if op == edgePacket {
		want = 4
	}
	if len(f) < want {
		return nil, nil, fmt.Errorf("want %d fields", want)
	}
	for _, s := range f[:want] {
		if s == "" {
			return nil, nil, fmt.Errorf("empty field")
		}
	}
	rest := f[want:]
	pf := &portFact{}
	var err error
	if op == edgeVar {
		pf.variable, pf.op = f[0], f[1]
		if pf.op != "=" && pf.op != "+=" && pf.op != "-=" {
			return nil, nil, fmt.Errorf("unknown operator %q", pf.op)
		}
		if pf.ports, err = parsePorts(f[2]); err != nil {
			return nil, nil, err
		}
		return pf, rest, nil
	}
	if op == edgePacket {
		pf.parent, f = f[0], f[1:]
	}
	pf.analyzer = f[0]
	if pf.server, err = parseArg(f[1]); err != nil {
		return nil, nil, err
	}
	if pf.nonServer, err = parseArg(f[2]); err != nil {
		return nil, nil, err
	}
	return pf, rest, nil
}

// portState collects the port records of the scripts a loader loads.
type portState struct {
	vars map[string]map[zeek.Port]bool
	regs []*portFact
}

// apply records one V, A or K edge whose conditions hold.
func (ps *portState) apply(op byte, pf *portFact) {
	if op != edgeVar {
		ps.regs = append(ps.regs, pf)
		return
	}
	if ps.vars == nil {
		ps.vars = make(map[string]map[zeek.Port]bool)
	}
	set := ps.vars[pf.variable]
	if set == nil || pf.op == "=" {
		set = make(map[zeek.Port]bool, len(pf.ports))
		ps.vars[pf.variable] = set
	}
	for _, p := range pf.ports {
		if pf.op == "-=" {
			delete(set, p)
		} else {
			set[p] = true
		}
	}
}

// AnalyzerPorts is the port registration of one analyzer in the loaded
// scripts, as Zeek's Analyzer::register_for_ports (or, when Parent is set,
// PacketAnalyzer::register_for_ports) receives it at zeek_init.
type AnalyzerPorts struct {
	// Analyzer is the analyzer's enum name without its module, such as
	// "ANALYZER_FTP" (Analyzer::ANALYZER_FTP) or "ANALYZER_VXLAN"
	// (PacketAnalyzer::ANALYZER_VXLAN).
	Analyzer string
	// Parent is "" for a session analyzer; for a packet analyzer it is the
	// packet analyzer that hands it packets by port, such as "ANALYZER_UDP".
	Parent string
	// Server are the well-known server ports; Zeek adds them to
	// likely_server_ports.
	Server []zeek.Port
	// NonServer are ports the analyzer is attached on that are not server
	// ports (DHCP's client port, for instance); they do not decide
	// connection direction.
	NonServer []zeek.Port
}

// comparePorts orders ports by protocol (tcp, udp, icmp), then number.
func comparePorts(a, b zeek.Port) int {
	if c := cmp.Compare(a.Proto, b.Proto); c != 0 {
		return c
	}
	return cmp.Compare(a.Num, b.Num)
}

// sortedPorts returns the members of set sorted by comparePorts.
func sortedPorts(set map[zeek.Port]bool) []zeek.Port {
	out := make([]zeek.Port, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.SortFunc(out, comparePorts)
	return out
}

// finish computes the Set's port views from the collected records: the
// final value of each variable after every redef, then each registration.
func (ps *portState) finish() (likely []zeek.Port, regs []AnalyzerPorts) {
	value := func(a portArg) []zeek.Port {
		if a.ref == "" {
			return a.ports
		}
		return sortedPorts(ps.vars[a.ref])
	}
	all := make(map[zeek.Port]bool)
	for p := range ps.vars[likelyServerPorts] {
		all[p] = true
	}
	type key struct{ parent, analyzer string }
	merged := map[key]*[2]map[zeek.Port]bool{}
	var keys []key
	for _, r := range ps.regs {
		k := key{r.parent, r.analyzer}
		m := merged[k]
		if m == nil {
			m = &[2]map[zeek.Port]bool{{}, {}}
			merged[k] = m
			keys = append(keys, k)
		}
		for _, p := range value(r.server) {
			all[p] = true
			m[0][p] = true
		}
		for _, p := range value(r.nonServer) {
			m[1][p] = true
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(a.parent, b.parent); c != 0 {
			return c
		}
		return cmp.Compare(a.analyzer, b.analyzer)
	})
	for _, k := range keys {
		m := merged[k]
		regs = append(regs, AnalyzerPorts{Analyzer: k.analyzer, Parent: k.parent, Server: sortedPorts(m[0]), NonServer: sortedPorts(m[1])})
	}
	return sortedPorts(all), regs
}

// LikelyServerPorts returns the members of Zeek's likely_server_ports once
// the loaded scripts have run their zeek_init handlers: the server ports of
// every port registration plus the scripts' own redefs of the set. Sorted
// by protocol (tcp, udp, icmp), then number. The slice is the caller's.
func (s *Set) LikelyServerPorts() []zeek.Port {
	return slices.Clone(s.likely)
}

// AnalyzerPorts returns the port registrations of the loaded scripts, one
// per analyzer (the calls for the same analyzer merged), session analyzers
// (Parent "") first, then by parent and analyzer name. The slices are the
// caller's.
func (s *Set) AnalyzerPorts() []AnalyzerPorts {
	out := make([]AnalyzerPorts, len(s.regs))
	for i, r := range s.regs {
		out[i] = AnalyzerPorts{Analyzer: r.Analyzer, Parent: r.Parent, Server: slices.Clone(r.Server), NonServer: slices.Clone(r.NonServer)}
	}
	return out
}

// PortVariables returns the port-set variables the loaded scripts define
// (such as "HTTP::ports" or "PacketAnalyzer::VXLAN::vxlan_ports") with
// their values after the scripts' redefs, sorted.
func (s *Set) PortVariables() map[string][]zeek.Port {
	out := make(map[string][]zeek.Port, len(s.ports.vars))
	for name, set := range s.ports.vars {
		if name == likelyServerPorts {
			continue
		}
		out[name] = sortedPorts(set)
	}
	return out
}

// SetPortVariable gives a port-set variable a new value, as a command-line
// redef of it would, and recomputes LikelyServerPorts and AnalyzerPorts.
// It reports false when the loaded scripts define no such variable.
func (s *Set) SetPortVariable(name string, ports []zeek.Port) bool {
	if _, ok := s.ports.vars[name]; !ok || name == likelyServerPorts {
		return false
	}
	set := make(map[zeek.Port]bool, len(ports))
	for _, p := range ports {
		set[p] = true
	}
	s.ports.vars[name] = set
	s.likely, s.regs = s.ports.finish()
	return true
}
