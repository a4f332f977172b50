package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// pfRingTypes maps PFRINGClusterType to the variable that selects it in
// PF_RING's libpcap, as zeekctl's lb_pf_ring plugin does.
var pfRingTypes = map[string]string{
	"2-tuple":           "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_2_TUPLE",
	"4-tuple":           "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_4_TUPLE",
	"5-tuple":           "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_5_TUPLE",
	"tcp-5-tuple":       "PCAP_PF_RING_USE_CLUSTER_PER_FLOW_TCP_5_TUPLE",
	"6-tuple":           "PCAP_PF_RING_USE_CLUSTER_PER_FLOW",
	"inner-2-tuple":     "PCAP_PF_RING_USE_CLUSTER_PER_INNER_FLOW_2_TUPLE",
	"inner-4-tuple":     "PCAP_PF_RING_USE_CLUSTER_PER_INNER_FLOW_4_TUPLE",
	"inner-5-tuple":     "PCAP_PF_RING_USE_CLUSTER_PER_INNER_FLOW_5_TUPLE",
	"inner-tcp-5-tuple": "PCAP_PF_RING_USE_CLUSTER_PER_INNER_FLOW_TCP_5_TUPLE",
	"inner-6-tuple":     "PCAP_PF_RING_USE_CLUSTER_PER_INNER_FLOW",
}

// appName is the program name in PCAP_PF_RING_APPNAME (zeekctl writes
// "zeek").
const appName = "heron"

// defaultFanoutID is Zeek's AF_Packet::fanout_id, the first id heronctl
// hands out on a host.
const defaultFanoutID = 23

// finishNodes applies what zeekctl does after reading node.cfg, in its
// order: heronctl.cfg's Env_Vars under each node's own, then the
// load-balancing plugins (custom, Myricom, PF_RING, AF_PACKET), then the
// ports. Heron adds AF_PACKET fanout ids per interface and host.
func finishNodes(nodes []*Node, s *Settings, nodeFile string) ([]Warning, error) {
	var warns []Warning
	if text := s.String("Env_Vars"); text != "" {
		env, err := parseEnvVars(text)
		if err != nil {
			file, line := s.Source("Env_Vars")
			return nil, errorf(file, line, "write Env_Vars = VAR1=value1,VAR2=value2", "Env_Vars: %v", err)
		}
		for _, n := range nodes {
			for k, v := range env {
				if _, ok := n.Env[k]; !ok {
					n.Env[k] = v
				}
			}
		}
	}

	// lb_custom: prefix and suffix around the interface.
	prefix, suffix := s.String("lb_custom.InterfacePrefix"), s.String("lb_custom.InterfaceSuffix")
	for _, n := range nodes {
		if n.Type == Worker && n.LBMethod == "custom" {
			n.Interface = prefix + n.Interface + suffix
		}
	}

	// lb_myricom: the ring count and flags of Myricom's libpcap.
	for _, n := range nodes {
		if n.Type == Worker && n.LBMethod == "myricom" {
			setDefault(n.Env, "SNF_NUM_RINGS", intText(n.LBProcs))
			setDefault(n.Env, "SNF_FLAGS", "0x101")
		}
	}

	w, err := pfRing(nodes, s)
	warns = append(warns, w...)
	if err != nil {
		return nil, err
	}

	w, err = afPacket(nodes, nodeFile)
	warns = append(warns, w...)
	if err != nil {
		return nil, err
	}

	for _, n := range nodes {
		n.PacketSource = packetSource(n.Interface, n.LBMethod)
	}
	assignPorts(nodes, s)
	return warns, nil
}

func setDefault(env map[string]string, k, v string) {
	if _, ok := env[k]; !ok {
		env[k] = v
	}
}

// packetSource names the packet source a node captures with: the prefix
// of a heron -i name ("af_packet::eth1"); libpcap ("pcap") for
// lb_method=pf_ring and myricom (their clustering lives in their libpcap,
// as with zeekctl) and for the names only a vendor's libpcap knows
// ("netmap:em0/x", "dna0@3", "zc:eth4"); else AF_PACKET, what heron -i
// takes a plain interface name for.
func packetSource(iface, lbMethod string) string {
	if iface == "" {
		return ""
	}
	if i := strings.Index(iface, "::"); i > 0 {
		return iface[:i]
	}
	if lbMethod == "pf_ring" || lbMethod == "myricom" || strings.ContainsAny(iface, ":@") {
		return "pcap"
	}
	return "af_packet"
}

// HeronInterface is the node's interface as heron -i takes it: with the
// "pcap::" prefix when it captures through libpcap (see PacketSource).
func (n *Node) HeronInterface() string {
	if n.PacketSource == "pcap" && !strings.Contains(n.Interface, "::") {
		return "pcap::" + n.Interface
	}
	return n.Interface
}

// pfRing sets PF_RING's libpcap variables on lb_method=pf_ring workers as
// zeekctl's lb_pf_ring plugin does: a cluster id per interface of a host
// (PFRINGClusterID, then counting up), application instances from
// PFRINGFirstAppInstance for DNA, ZC and pfdnacluster interfaces (which
// get "@N" appended), and the application name.
func pfRing(nodes []*Node, s *Settings) ([]Warning, error) {
	clusterID := s.Int("PFRINGClusterID")
	any := false
	for _, n := range nodes {
		any = any || (n.Type == Worker && n.LBMethod == "pf_ring")
	}
	if clusterID == 0 {
		return nil, nil
	}
	typ := s.String("PFRINGClusterType")
	envName, ok := pfRingTypes[typ]
	if !ok {
		file, line := s.Source("PFRINGClusterType")
		e := errorf(file, line, "use 2-tuple, 4-tuple, 5-tuple, tcp-5-tuple, 6-tuple or one of them with inner-", "PFRINGClusterType %q is not supported", typ)
		if any {
			return nil, e
		}
		return []Warning{Warning(*e)}, nil
	}
	first := s.Int("PFRINGFirstAppInstance")
	app := first
	ids := map[string]map[string]int{} // host -> interface -> cluster id
	for _, n := range nodes {
		if n.Type != Worker || n.LBMethod != "pf_ring" {
			continue
		}
		if byIf, ok := ids[n.Host]; ok {
			if _, ok := byIf[n.Interface]; !ok {
				app = first
				byIf[n.Interface] = clusterID + len(byIf)
			}
		} else {
			app = first
			ids[n.Host] = map[string]int{n.Interface: clusterID}
		}
		setDefault(n.Env, envName, "1")
		switch iface := n.Interface; {
		case strings.HasPrefix(iface, "zc:"), strings.HasPrefix(iface, "pf_ring::zc:"):
			setDefault(n.Env, "PCAP_PF_RING_ZC_RSS", "1")
			n.Interface = fmt.Sprintf("%s@%d", iface, app)
		case strings.HasPrefix(iface, "dnacl"):
			n.Interface = fmt.Sprintf("%s@%d", iface, app)
		case strings.HasPrefix(iface, "dna"):
			setDefault(n.Env, "PCAP_PF_RING_DNA_RSS", "1")
			n.Interface = fmt.Sprintf("%s@%d", iface, app)
		default:
			setDefault(n.Env, "PCAP_PF_RING_CLUSTER_ID", intText(ids[n.Host][n.Interface]))
		}
		app++
		setDefault(n.Env, "PCAP_PF_RING_APPNAME", appName+"-"+n.Interface)
	}
	return nil, nil
}

// afPacket prefixes the interfaces of lb_method=af_packet workers with
// "af_packet::" (zeekctl's AF_PACKET plugin), reads the af_packet_* keys of
// every node that captures with AF_PACKET, and gives each interface of a
// host its own fanout id (the one a node.cfg section sets, else the lowest
// free one from 23), so that groups on different interfaces do not meet.
func afPacket(nodes []*Node, file string) ([]Warning, error) {
	var warns []Warning
	for _, n := range nodes {
		if n.Type == Worker && n.LBMethod == "af_packet" {
			if strings.HasPrefix(n.Interface, "af_packet::") {
				return nil, errorf(file, n.Line, "write the interface without af_packet:: (lb_method=af_packet adds it)", "unexpected af_packet:: prefix for interface %s of node [%s]", n.Interface, n.Section)
			}
			if n.Interface == "" {
				return nil, errorf(file, n.Line, "add interface=NAME", "no interface given for af_packet worker [%s]", n.Section)
			}
			n.Interface = "af_packet::" + n.Interface
		}
	}
	warned := map[string]bool{}
	for _, n := range nodes {
		if !strings.HasPrefix(n.Interface, "af_packet::") {
			if len(n.afKeys) > 0 && !warned[n.Section] {
				warned[n.Section] = true
				for _, k := range n.afKeys {
					warns = append(warns, warnf(file, k.line, "remove the af_packet_* keys, or use lb_method=af_packet", "af_packet_%s of [%s] is ignored: the node does not capture with AF_PACKET", k.name, n.Section))
					break
				}
			}
			continue
		}
		af, err := parseAFPacket(n, file)
		if err != nil {
			return nil, err
		}
		n.AFPacket = af
	}

	// Fanout groups: one per host and interface, in node order.
	type group struct {
		host, iface string
		nodes       []*Node
		id          uint64
		given       bool
		line        int
	}
	var groups []*group
	byKey := map[[2]string]*group{}
	for _, n := range nodes {
		if n.AFPacket == nil || !n.AFPacket.EnableFanout {
			continue
		}
		k := [2]string{n.Host, n.Interface}
		g := byKey[k]
		if g == nil {
			g = &group{host: n.Host, iface: n.Interface}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.nodes = append(g.nodes, n)
		if n.AFPacket.fanoutGiven {
			if !g.given {
				g.id, g.given, g.line = n.AFPacket.FanoutID, true, n.afKeys["fanout_id"].line
			} else if g.id != n.AFPacket.FanoutID {
				warns = append(warns, warnf(file, n.afKeys["fanout_id"].line, "give every section on one interface the same af_packet_fanout_id",
					"node %s joins fanout group %d but other nodes on %s of %s use %d: each group gets every packet", n.Name, n.AFPacket.FanoutID, n.Interface, n.Host, g.id))
			}
		}
	}
	used := map[string]map[uint64]*group{} // host -> id -> group
	for _, g := range groups {
		if !g.given {
			continue
		}
		if used[g.host] == nil {
			used[g.host] = map[uint64]*group{}
		}
		if other := used[g.host][g.id]; other != nil {
			return nil, errorf(file, g.line, "give each interface of a host its own af_packet_fanout_id", "fanout id %d is used for %s and %s on host %s; one fanout group cannot span two interfaces", g.id, other.iface, g.iface, g.host)
		}
		used[g.host][g.id] = g
	}
	for _, g := range groups {
		if g.given {
			for _, n := range g.nodes {
				if !n.AFPacket.fanoutGiven {
					n.AFPacket.FanoutID = g.id
				}
			}
			continue
		}
		if used[g.host] == nil {
			used[g.host] = map[uint64]*group{}
		}
		id := uint64(defaultFanoutID)
		for used[g.host][id] != nil {
			id++
		}
		if id > 65535 {
			return nil, errorf(file, g.nodes[0].Line, "set af_packet_fanout_id explicitly", "no free fanout id for %s on host %s", g.iface, g.host)
		}
		used[g.host][id] = g
		g.id = id
		for _, n := range g.nodes {
			n.AFPacket.FanoutID = id
		}
	}
	for _, n := range nodes {
		if n.AFPacket != nil && !n.AFPacket.EnableFanout {
			n.AFPacket.FanoutID = 0
		}
	}
	return warns, nil
}

// parseAFPacket reads a node's af_packet_* keys over Zeek's defaults
// (base/init-bare.zeek, module AF_Packet). Values are Zeek expressions as
// zeekctl writes them into redefs: counts may be products such as
// 128*1024*1024, intervals like 10msec, bools T or F, enums with or
// without the AF_Packet:: module.
func parseAFPacket(n *Node, file string) (*AFPacket, error) {
	af := &AFPacket{
		BufferSize: 128 * 1024 * 1024, BlockSize: 4096 * 8, BlockTimeout: 0.01,
		EnableFanout: true, FanoutMode: "AF_Packet::FANOUT_HASH", FanoutID: defaultFanoutID,
		LinkType: 1, ChecksumValidationMode: "AF_Packet::CHECKSUM_ON",
	}
	bad := func(k iniKey, fix, what string) error {
		return errorf(file, k.line, fix, "af_packet_%s of [%s] is %q, not %s", k.name, n.Section, k.value, what)
	}
	for name, k := range n.afKeys {
		v := strings.TrimSpace(k.value)
		switch name {
		case "buffer_size", "block_size", "fanout_id", "link_type":
			x, err := evalCount(v)
			if err != nil {
				return nil, bad(k, "use a number or a product such as 128*1024*1024", "a count")
			}
			switch name {
			case "buffer_size":
				af.BufferSize = x
			case "block_size":
				af.BlockSize = x
			case "fanout_id":
				if x > 65535 {
					return nil, bad(k, "use a number from 0 to 65535", "a fanout id")
				}
				af.FanoutID, af.fanoutGiven = x, true
			case "link_type":
				af.LinkType = x
			}
		case "block_timeout":
			var iv zeek.Interval
			val := options.IntervalValue(&iv)
			if err := val.Set(v); err != nil {
				return nil, bad(k, "use an interval such as 10msec", "an interval")
			}
			af.BlockTimeout = iv.Float()
		case "enable_hw_timestamping", "enable_defrag", "enable_fanout":
			var b bool
			switch v {
			case "T":
				b = true
			case "F":
			default:
				return nil, bad(k, "use T or F", "a bool")
			}
			switch name {
			case "enable_hw_timestamping":
				af.EnableHWTimestamping = b
			case "enable_defrag":
				af.EnableDefrag = b
			default:
				af.EnableFanout = b
			}
		case "fanout_mode":
			m, ok := zeekEnum(v, "FANOUT_HASH", "FANOUT_CPU", "FANOUT_QM", "FANOUT_CBPF", "FANOUT_EBPF")
			if !ok {
				return nil, bad(k, "use AF_Packet::FANOUT_HASH, FANOUT_CPU, FANOUT_QM, FANOUT_CBPF or FANOUT_EBPF", "a fanout mode")
			}
			af.FanoutMode = m
		case "checksum_validation_mode":
			m, ok := zeekEnum(v, "CHECKSUM_ON", "CHECKSUM_OFF", "CHECKSUM_KERNEL")
			if !ok {
				return nil, bad(k, "use AF_Packet::CHECKSUM_ON, CHECKSUM_OFF or CHECKSUM_KERNEL", "a checksum mode")
			}
			af.ChecksumValidationMode = m
		}
	}
	return af, nil
}

// zeekEnum accepts NAME or AF_Packet::NAME for one of names and returns
// the qualified name.
func zeekEnum(v string, names ...string) (string, bool) {
	v = strings.TrimPrefix(v, "AF_Packet::")
	for _, n := range names {
		if v == n {
			return "AF_Packet::" + n, true
		}
	}
	return "", false
}

// evalCount evaluates a Zeek count expression of decimal or 0x numbers,
// + - * / %, and parentheses.
func evalCount(s string) (uint64, error) {
	p := &exprParser{s: s}
	v, err := p.sum(0)
	if err != nil {
		return 0, err
	}
	p.ws()
	if p.i != len(p.s) {
		return 0, fmt.Errorf("unexpected %q", p.s[p.i:])
	}
	if v < 0 {
		return 0, fmt.Errorf("negative")
	}
	return uint64(v), nil
}

type exprParser struct {
	s string
	i int
}

func (p *exprParser) ws() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

const maxExpr = 1 << 62

func (p *exprParser) sum(depth int) (int64, error) {
	v, err := p.product(depth)
	if err != nil {
		return 0, err
	}
	for {
		p.ws()
		if p.i >= len(p.s) || (p.s[p.i] != '+' && p.s[p.i] != '-') {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		w, err := p.product(depth)
		if err != nil {
			return 0, err
		}
		if op == '+' {
			v += w
		} else {
			v -= w
		}
		if v > maxExpr || v < -maxExpr {
			return 0, fmt.Errorf("out of range")
		}
	}
}

func (p *exprParser) product(depth int) (int64, error) {
	v, err := p.atom(depth)
	if err != nil {
		return 0, err
	}
	for {
		p.ws()
		if p.i >= len(p.s) || !strings.ContainsRune("*/%", rune(p.s[p.i])) {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		w, err := p.atom(depth)
		if err != nil {
			return 0, err
		}
		switch op {
		case '*':
			if w != 0 && (v > maxExpr/abs(w) || v < -maxExpr/abs(w)) {
				return 0, fmt.Errorf("out of range")
			}
			v *= w
		case '/', '%':
			if w == 0 {
				return 0, fmt.Errorf("division by zero")
			}
			if op == '/' {
				v /= w
			} else {
				v %= w
			}
		}
	}
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func (p *exprParser) atom(depth int) (int64, error) {
	if depth > 32 {
		return 0, fmt.Errorf("too deep")
	}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		v, err := p.sum(depth + 1)
		if err != nil {
			return 0, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return 0, fmt.Errorf("missing )")
		}
		p.i++
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] >= 'a' && p.s[p.i] <= 'f' || p.s[p.i] >= 'A' && p.s[p.i] <= 'F' || p.s[p.i] == 'x' || p.s[p.i] == 'X') {
		p.i++
	}
	v, err := strconv.ParseInt(p.s[start:p.i], 0, 64)
	if err != nil || v > maxExpr || strings.HasPrefix(p.s[start:p.i], "0") && len(p.s[start:p.i]) > 1 && !strings.HasPrefix(strings.ToLower(p.s[start:p.i]), "0x") {
		return 0, fmt.Errorf("bad number %q", p.s[start:p.i])
	}
	return v, nil
}

// assignPorts gives every node its ports as zeekctl's make_layout does: in
// a cluster, ZeekPort is the control port and the manager, the loggers,
// the proxies and the workers get the ports after it, in that order; the
// metrics ports count from MetricsPort the same way without the control
// port (none when MetricsPort is 0). A standalone node gets ZeekPort and
// MetricsPort.
func assignPorts(nodes []*Node, s *Settings) {
	port, metrics := s.Int("ZeekPort"), s.Int("MetricsPort")
	next := func(p *int) int {
		if *p == 0 {
			return 0
		}
		v := *p
		*p++
		return v
	}
	if len(nodes) == 1 && nodes[0].Type == Standalone {
		nodes[0].Port, nodes[0].MetricsPort = port, metrics
		return
	}
	next(&port) // the control port
	for _, typ := range []string{Manager, Logger, Proxy, Worker} {
		for _, n := range nodes {
			if n.Type == typ {
				n.Port, n.MetricsPort = next(&port), next(&metrics)
			}
		}
	}
}
