package config

import (
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Node types, in the order zeekctl sorts and starts them.
const (
	Standalone = "standalone"
	Logger     = "logger"
	Manager    = "manager"
	Proxy      = "proxy"
	Worker     = "worker"
)

var typeOrder = []string{Standalone, Logger, Manager, Proxy, Worker}

// Load-balancing methods of node.cfg's lb_method.
var lbMethods = []string{"af_packet", "pf_ring", "myricom", "custom", "interfaces"}

// Node is one process of the cluster, after node.cfg's sections have been
// expanded (see the package documentation for the rules and the JSON form).
type Node struct {
	// Name is the node's name: the section name, or "<section>-<n>" for
	// the n-th process of a section with lb_procs.
	Name string `json:"name"`
	// Type is standalone, logger, manager, proxy or worker.
	Type string `json:"type"`
	// Host is where the node runs, as node.cfg gives it.
	Host string `json:"host"`
	// Section and Line say where the node is defined in File.
	Section string `json:"section"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	// Count numbers the nodes of one type from 1, in node.cfg order.
	Count int `json:"count"`
	// Interface is what the node captures from, as node.cfg and the
	// lb_method give it ("af_packet::eth1", "eth4", "dna0@3"); empty for
	// nodes that do not capture. HeronInterface is the heron -i form.
	Interface string `json:"interface,omitempty"`
	// Read is a trace file the node reads instead of an interface
	// (Heron's node.cfg key read, for tests and replays).
	Read string `json:"read,omitempty"`
	// PacketSource names the packet source the node captures with:
	// "af_packet" (also for a plain interface name, as heron -i takes
	// it), or "pcap" (libpcap, through which PF_RING, Myricom and netmap
	// work: lb_method=pf_ring and myricom, and vendor names like
	// "netmap:em0" or "dna0@3").
	PacketSource string `json:"packet_source,omitempty"`
	// LBMethod is node.cfg's lb_method; Proc is the process's number
	// (1..LBProcs) within its section.
	LBMethod string `json:"lb_method,omitempty"`
	LBProcs  int    `json:"lb_procs,omitempty"`
	Proc     int    `json:"proc,omitempty"`
	// Threads is the number of analysis threads of the process (Heron's
	// node.cfg key threads; 1 by default).
	Threads int `json:"threads"`
	// CPUs are the CPUs the process is pinned to, one per thread; empty
	// without pin_cpus.
	CPUs []int `json:"cpus,omitempty"`
	// Port is the node's cluster port; MetricsPort its Prometheus port
	// (0: none).
	Port        int `json:"port"`
	MetricsPort int `json:"metrics_port,omitempty"`
	// Env is the node's environment: node.cfg's env_vars, then
	// heronctl.cfg's Env_Vars, then what the load-balancing method needs.
	Env map[string]string `json:"env"`
	// AFPacket holds the AF_PACKET settings of a node whose interface is
	// af_packet::.
	AFPacket *AFPacket `json:"af_packet,omitempty"`
	// ZoneID is node.cfg's zone_id, for IPv6 link-local hosts.
	ZoneID string `json:"zone_id,omitempty"`
	// Scripts are the Zeek scripts the node loads, from SitePolicyScripts
	// and aux_scripts, in order; Redefs are the option settings of its
	// site policy as heron takes them on its command line ("ID=VALUE",
	// "ID+=VALUE"); Signatures are signature files from @load-sigs.
	Scripts    []string `json:"scripts"`
	Redefs     []string `json:"redefs"`
	Signatures []string `json:"signatures,omitempty"`

	auxScripts string
	auxLine    int
	pinLine    int
	afKeys     map[string]iniKey
}

// AFPacket is the AF_PACKET configuration of a node (Zeek's AF_Packet::
// options, set per node in node.cfg with af_packet_* keys).
type AFPacket struct {
	// BufferSize is the ring buffer's size in bytes (AF_Packet::buffer_size).
	BufferSize uint64 `json:"buffer_size"`
	// BlockSize is the size of a ring block in bytes (block_size).
	BlockSize uint64 `json:"block_size"`
	// BlockTimeout is the time after which a block is retired, in
	// seconds (block_timeout).
	BlockTimeout float64 `json:"block_timeout"`
	// EnableHWTimestamping uses the NIC's timestamps.
	EnableHWTimestamping bool `json:"enable_hw_timestamping"`
	// EnableFanout joins the socket to fanout group FanoutID.
	EnableFanout bool `json:"enable_fanout"`
	// EnableDefrag asks the kernel to reassemble IP fragments before
	// fanout (PACKET_FANOUT_FLAG_DEFRAG).
	EnableDefrag bool `json:"enable_defrag"`
	// FanoutMode is how the kernel spreads packets over the group,
	// "AF_Packet::FANOUT_HASH" and so on.
	FanoutMode string `json:"fanout_mode"`
	// FanoutID is the fanout group (0 when fanout is off).
	FanoutID uint64 `json:"fanout_id"`
	// LinkType is the link type of captured packets (1: Ethernet).
	LinkType uint64 `json:"link_type"`
	// ChecksumValidationMode is "AF_Packet::CHECKSUM_ON", "..._OFF" or
	// "..._KERNEL".
	ChecksumValidationMode string `json:"checksum_validation_mode"`

	fanoutGiven bool
}

// nodeKeys are the keys node.cfg sections may have: zeekctl's, its AF_PACKET
// plugin's, and Heron's threads.
var nodeKeys = map[string]bool{
	"type": true, "host": true, "interface": true, "aux_scripts": true, "zeekbase": true,
	"ether": true, "zone_id": true, "lb_procs": true, "lb_method": true, "lb_interfaces": true,
	"pin_cpus": true, "env_vars": true, "count": true, "threads": true, "read": true,
	"af_packet_block_size": true, "af_packet_block_timeout": true, "af_packet_buffer_size": true,
	"af_packet_checksum_validation_mode": true, "af_packet_enable_defrag": true,
	"af_packet_enable_fanout": true, "af_packet_enable_hw_timestamping": true,
	"af_packet_fanout_id": true, "af_packet_fanout_mode": true, "af_packet_link_type": true,
}

// rawNode is a section with its keys looked up.
type rawNode struct {
	sec  *iniSection
	vals map[string]iniKey // by key, "." replaced by "_"
}

func (r *rawNode) get(key string) (string, int) {
	k, ok := r.vals[key]
	if !ok {
		return "", r.sec.line
	}
	return k.value, k.line
}

// readNodes reads node.cfg and expands it into nodes, sorted as zeekctl
// sorts them (by type, then by count).
func readNodes(r io.Reader, file string) ([]*Node, []Warning, error) {
	sections, defaults, err := readINI(r, file)
	if err != nil {
		return nil, nil, err
	}
	var warns []Warning
	var nodes []*Node
	counts := map[string]int{}
	names := map[string]string{} // lower-case name -> name
	add := func(n *Node) error {
		low := strings.ToLower(n.Name)
		if prev, dup := names[low]; dup {
			return errorf(file, n.Line, "rename one of the sections", "node name %q is a duplicate of %q", n.Name, prev)
		}
		names[low] = n.Name
		nodes = append(nodes, n)
		return nil
	}
	for _, sec := range sections {
		rn := &rawNode{sec: sec, vals: map[string]iniKey{}}
		all := sec.keys
		if defaults != nil {
			all = append(append([]iniKey{}, defaults.keys...), sec.keys...)
		}
		for _, k := range all {
			key := strings.ReplaceAll(k.name, ".", "_")
			if !nodeKeys[key] {
				warns = append(warns, warnf(file, k.line, "check its spelling (see the node.cfg keys in heronctl help nodes)", "ignoring unknown node option %s of [%s]", k.name, sec.name))
				continue
			}
			rn.vals[key] = iniKey{name: key, value: k.value, line: k.line}
		}
		lookup := func(ref string) (string, bool) {
			for _, k := range all {
				if k.name == ref {
					return k.value, true
				}
			}
			return "", false
		}
		for key, k := range rn.vals {
			v, err := interpolate(k.value, lookup, 0)
			if err != nil {
				return nil, nil, errorf(file, k.line, `write "%%%%" for a literal "%%"`, "%s of [%s]: %v", key, sec.name, err)
			}
			k.value = v
			rn.vals[key] = k
		}
		expanded, w, err := expandSection(rn, file, counts)
		warns = append(warns, w...)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range expanded {
			if err := add(n); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := checkNodes(nodes, file); err != nil {
		return nil, nil, err
	}
	sortNodes(nodes)
	return nodes, warns, nil
}

// expandSection turns one section into its nodes, as zeekctl's
// _check_node does, with Heron's threads.
func expandSection(rn *rawNode, file string, counts map[string]int) ([]*Node, []Warning, error) {
	var warns []Warning
	sec := rn.sec
	typ, typLine := rn.get("type")
	typ = strings.TrimSpace(typ)
	if typ == "" {
		return nil, nil, errorf(file, typLine, "add type=worker (or standalone, logger, manager, proxy)", "no type given for node [%s]", sec.name)
	}
	if !contains(typeOrder, typ) {
		return nil, nil, errorf(file, typLine, "use standalone, logger, manager, proxy or worker", "unknown node type %q for node [%s]", typ, sec.name)
	}
	host, hostLine := rn.get("host")
	host = strings.TrimSpace(host)
	if host == "" {
		return nil, nil, errorf(file, hostLine, "add host=ADDRESS (localhost for this machine)", "no host given for node [%s]", sec.name)
	}
	envText, envLine := rn.get("env_vars")
	env, err := parseEnvVars(envText)
	if err != nil {
		return nil, nil, errorf(file, envLine, "write env_vars=VAR1=value1,VAR2=value2", "env_vars of node [%s]: %v", sec.name, err)
	}
	counts[typ]++
	n := &Node{
		Name: sec.name, Type: typ, Host: host, Section: sec.name, File: file, Line: sec.line,
		Count: counts[typ], Threads: 1, Env: env,
	}
	n.Interface, _ = rn.get("interface")
	if rd, line := rn.get("read"); rd != "" {
		if typ != Worker && typ != Standalone {
			return nil, nil, errorf(file, line, "remove it: only workers and standalone nodes analyse packets", "read given for %s node [%s]", typ, sec.name)
		}
		if n.Interface != "" {
			return nil, nil, errorf(file, line, "give either interface or read", "node [%s] has both an interface and a trace to read", sec.name)
		}
		n.Read = strings.TrimSpace(rd)
	}
	n.ZoneID, _ = rn.get("zone_id")
	n.auxScripts, n.auxLine = rn.get("aux_scripts")
	n.afKeys = map[string]iniKey{}
	for k, v := range rn.vals {
		if short, ok := strings.CutPrefix(k, "af_packet_"); ok && strings.TrimSpace(v.value) != "" {
			v.name = short
			n.afKeys[short] = v
		}
	}

	if t, line := rn.get("threads"); t != "" {
		v, ok := pyInt(t)
		if !ok || v < 1 {
			return nil, nil, errorf(file, line, "use a whole number of 1 or more", "threads of node [%s] is %q", sec.name, t)
		}
		if v > 1024 {
			return nil, nil, errorf(file, line, "use at most 1024", "threads of node [%s] is %d", sec.name, v)
		}
		if typ != Worker && typ != Standalone {
			return nil, nil, errorf(file, line, "remove it: only workers and standalone nodes analyse packets", "threads given for %s node [%s]", typ, sec.name)
		}
		n.Threads = v
	}

	procsText, procsLine := rn.get("lb_procs")
	method, methodLine := rn.get("lb_method")
	numProcs := 0
	if procsText != "" {
		if typ != Worker {
			return nil, nil, errorf(file, procsLine, "remove lb_procs and lb_method: only workers are load-balanced", "load balancing options given for %s node [%s]", typ, sec.name)
		}
		v, ok := pyInt(procsText)
		if !ok {
			return nil, nil, errorf(file, procsLine, "use a whole number", "lb_procs of node [%s] is %q, not an integer", sec.name, procsText)
		}
		if v < 1 {
			return nil, nil, errorf(file, procsLine, "use 1 or more", "lb_procs of node [%s] must be greater than zero", sec.name)
		}
		if v > 4096 {
			return nil, nil, errorf(file, procsLine, "use at most 4096", "lb_procs of node [%s] is %d", sec.name, v)
		}
		numProcs = v
	} else if method != "" {
		return nil, nil, errorf(file, methodLine, "add lb_procs=N, the number of processes", "lb_method given without lb_procs for node [%s]", sec.name)
	}

	pinText, pinLine := rn.get("pin_cpus")
	n.pinLine = pinLine
	var pins []int
	if pinText != "" {
		for _, f := range strings.Split(pinText, ",") {
			v, ok := pyInt(f)
			if !ok || v < 0 {
				return nil, nil, errorf(file, pinLine, "list CPU numbers from 0, e.g. pin_cpus=2,3,4", "pin_cpus of node [%s] must contain only non-negative integers", sec.name)
			}
			pins = append(pins, v)
		}
	}
	procs := max(numProcs, 1)
	need := procs * n.Threads
	if need > 1<<16 {
		return nil, nil, errorf(file, procsLine, "use fewer processes or threads", "node [%s] has %d processes of %d threads, more than %d", sec.name, procs, n.Threads, 1<<16)
	}
	if len(pins) > 0 {
		if len(pins) < need {
			warns = append(warns, warnf(file, pinLine, "list one CPU per process and thread", "pin_cpus of [%s] lists %d CPUs for %d processes of %d threads; CPUs are reused in turn", sec.name, len(pins), procs, n.Threads))
			ext := make([]int, need)
			for i := range ext {
				ext[i] = pins[i%len(pins)]
			}
			pins = ext
		} else if len(pins) > need {
			warns = append(warns, warnf(file, pinLine, "list one CPU per process and thread", "pin_cpus of [%s] lists %d CPUs for %d processes of %d threads; the last %d are not used", sec.name, len(pins), procs, n.Threads, len(pins)-need))
		}
	}
	cpusOf := func(proc int) []int {
		if len(pins) == 0 {
			return nil
		}
		return append([]int(nil), pins[proc*n.Threads:(proc+1)*n.Threads]...)
	}
	n.CPUs = cpusOf(0)

	if lbif, line := rn.get("lb_interfaces"); lbif != "" && method != "interfaces" {
		warns = append(warns, warnf(file, line, "remove it, or use lb_method=interfaces", "lb_interfaces of [%s] is ignored without lb_method=interfaces", sec.name))
	}
	if numProcs == 0 {
		return []*Node{n}, warns, nil
	}

	method = strings.TrimSpace(method)
	if method == "" {
		return nil, nil, errorf(file, procsLine, "add lb_method=af_packet (or pf_ring, myricom, custom, interfaces)", "no load balancing method given for node [%s]", sec.name)
	}
	if !contains(lbMethods, method) {
		return nil, nil, errorf(file, methodLine, "use af_packet, pf_ring, myricom, custom or interfaces", "unknown load balancing method %q for node [%s]", method, sec.name)
	}
	n.LBMethod, n.LBProcs = method, numProcs
	var netifs []string
	if method == "interfaces" {
		text, line := rn.get("lb_interfaces")
		if text == "" {
			return nil, nil, errorf(file, methodLine, "add lb_interfaces=eth1,eth2,... with one interface per process", "no lb_interfaces for node [%s]", sec.name)
		}
		netifs = strings.Split(text, ",")
		if len(netifs) != numProcs {
			return nil, nil, errorf(file, line, fmt.Sprintf("list %d interfaces, or set lb_procs=%d", numProcs, len(netifs)), "lb_interfaces of node [%s] lists %d interfaces for lb_procs=%d", sec.name, len(netifs), numProcs)
		}
	}
	// zeekctl hands the interfaces out from the end of the list.
	pop := func() string {
		v := strings.TrimSpace(netifs[len(netifs)-1])
		netifs = netifs[:len(netifs)-1]
		return v
	}
	out := make([]*Node, 0, numProcs)
	for i := 0; i < numProcs; i++ {
		c := *n
		c.Name = fmt.Sprintf("%s-%d", sec.name, i+1)
		c.Proc = i + 1
		c.CPUs = cpusOf(i)
		c.Env = copyEnv(n.Env)
		if i > 0 {
			counts[typ]++
			c.Count = counts[typ]
		}
		if method == "interfaces" {
			c.Interface = pop()
		}
		out = append(out, &c)
	}
	return out, warns, nil
}

func copyEnv(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// parseEnvVars reads "VAR1=value1, VAR2=value2" as zeekctl does.
func parseEnvVars(text string) (map[string]string, error) {
	env := map[string]string{}
	if text == "" {
		return env, nil
	}
	for _, kv := range strings.Split(text, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("missing \"=\" in %q", strings.TrimSpace(kv))
		}
		k = strings.TrimSpace(k)
		if k == "" {
			return nil, fmt.Errorf("no variable name in %q", strings.TrimSpace(kv))
		}
		env[k] = strings.TrimSpace(v)
	}
	return env, nil
}

// checkNodes applies zeekctl's checks of the whole node set, except that
// heronctl need not run on the manager's host.
func checkNodes(nodes []*Node, file string) error {
	if len(nodes) == 0 {
		return errorf(file, 0, "add a [standalone] node, or a manager, a proxy and workers", "no nodes found")
	}
	var manager, standalone *Node
	proxies := 0
	for _, n := range nodes {
		switch n.Type {
		case Manager:
			if manager != nil {
				return errorf(file, n.Line, "make one of them a proxy or a logger", "a second manager [%s] (the first is [%s])", n.Section, manager.Section)
			}
			manager = n
		case Proxy:
			proxies++
		case Standalone:
			standalone = n
		}
	}
	switch {
	case standalone != nil && len(nodes) > 1:
		return errorf(file, standalone.Line, "remove the other nodes, or make [%s] a manager and add a proxy", "a standalone node [%s] cannot be part of a cluster of %d nodes", standalone.Section, len(nodes))
	case standalone != nil:
		return nil
	case manager == nil:
		return errorf(file, 0, "add a node with type=manager", "no manager defined")
	case proxies == 0:
		return errorf(file, 0, "add a node with type=proxy (it may share the manager's host)", "no proxy defined")
	}
	if isLoopback(manager.Host) {
		for _, n := range nodes {
			if n != manager && !isLoopback(n.Host) {
				return errorf(file, n.Line, "run every node on localhost, or give the manager its network address", "node [%s] is on %s but the manager is on %s: when the manager uses localhost, all nodes must", n.Section, n.Host, manager.Host)
			}
		}
	}
	return nil
}

// isLoopback tells whether host names this machine's loopback.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func typeRank(t string) int {
	for i, x := range typeOrder {
		if x == t {
			return i
		}
	}
	return len(typeOrder)
}

// sortNodes sorts as zeekctl: by type (standalone, logger, manager, proxy,
// worker), then by count.
func sortNodes(nodes []*Node) {
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := typeRank(nodes[i].Type), typeRank(nodes[j].Type)
		if a != b {
			return a < b
		}
		return nodes[i].Count < nodes[j].Count
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// intText formats an int for messages and environment values.
func intText(n int) string { return strconv.Itoa(n) }
