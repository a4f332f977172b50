package deploy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/logging/rotate"
)

// InstallDirName is the directory under the spool that install fills, as
// zeekctl names it.
const InstallDirName = "installed-scripts-do-not-touch"

// ClusterName is the name every layout heronctl writes gives its cluster.
const ClusterName = "heron"

// InstallDir returns the install directory under spool.
func InstallDir(spool string) string { return filepath.Join(spool, InstallDirName) }

// LayoutPath returns where the layout is installed under spool.
func LayoutPath(spool string) string { return filepath.Join(InstallDir(spool), "cluster-layout.json") }

// PlanPath returns where a host's supervisor plan is installed under spool.
func PlanPath(spool string) string { return filepath.Join(InstallDir(spool), "supervise.json") }

// Layout builds the cluster layout of c: the cluster's spool and log
// directories, the embedded NATS server on the manager's host at
// ZeekPort, and one entry per node with its metrics port, packet source,
// threads, CPUs and site policy. Settings every node shares (the local
// networks, the site policy common to all nodes) are the cluster's; the
// rest is per node.
func Layout(c *config.Cluster) (*layout.Layout, error) {
	s := c.Settings
	l := &layout.Layout{
		Version:  1,
		Cluster:  ClusterName,
		SpoolDir: s.String("SpoolDir"),
		LogDir:   LiveLogDir(s.String("SpoolDir")),
		Nodes:    map[string]*layout.Node{},
	}
	if !c.Standalone {
		var mgr *config.Node
		for _, n := range c.Nodes {
			if n.Type == config.Manager {
				mgr = n
			}
		}
		if mgr == nil {
			return nil, fmt.Errorf("deploy: the configuration has no manager")
		}
		l.NATS.Embedded = &layout.Embedded{Listen: net.JoinHostPort(listenHost(mgr.Host), strconv.Itoa(c.ControlPort))}
	}
	rot, err := Rotation(c)
	if err != nil {
		return nil, err
	}
	l.Rotation = rot
	if l.Mail, err = Mail(c); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	if len(c.Networks) > 0 {
		nets := make([]string, len(c.Networks))
		for i, n := range c.Networks {
			nets[i] = zeekSubnet(n.Prefix)
		}
		l.Options = append(l.Options, "Site::local_nets={"+strings.Join(nets, ",")+"}")
	}
	if !s.Bool("PrivateAddressSpaceIsLocal") {
		l.Options = append(l.Options, "Site::private_address_space_is_local=F")
	}
	// The site policy all nodes share goes to the cluster; each node
	// keeps what follows it.
	var scripts, redefs [][]string
	for _, n := range c.Nodes {
		scripts = append(scripts, n.Scripts)
		redefs = append(redefs, n.Redefs)
	}
	commonScripts, commonRedefs := commonPrefix(scripts), commonPrefix(redefs)
	l.Scripts = append(l.Scripts, commonScripts...)
	l.Options = append(l.Options, commonRedefs...)
	// Signature files (@load-sigs) are installed next to the layout, so
	// the layout names them relative to itself.
	names := SignatureNames(c)
	var sigs [][]string
	for _, n := range c.Nodes {
		var ns []string
		for _, f := range n.Signatures {
			ns = append(ns, names[f])
		}
		sigs = append(sigs, ns)
	}
	commonSigs := commonPrefix(sigs)
	l.Signatures = nilIfEmpty(commonSigs)
	for i, n := range c.Nodes {
		e := &layout.Node{
			Type:        layout.Role(n.Type),
			Host:        n.Host,
			MetricsPort: n.MetricsPort,
			Interface:   n.HeronInterface(),
			Read:        n.Read,
			PinCPUs:     nilIfEmpty(n.CPUs),
		}
		if n.Type == config.Worker || n.Type == config.Standalone {
			e.Threads = n.Threads
		}
		e.Scripts = nilIfEmpty(n.Scripts[len(commonScripts):])
		e.Signatures = nilIfEmpty(sigs[i][len(commonSigs):])
		e.Options = append(e.Options, afPacketOptions(n.AFPacket)...)
		e.Options = nilIfEmpty(append(e.Options, n.Redefs[len(commonRedefs):]...))
		l.Nodes[n.Name] = e
	}
	// Check it as a node will.
	if _, err := layout.Parse(mustJSON(l)); err != nil {
		return nil, fmt.Errorf("deploy: the generated layout is not valid: %w", err)
	}
	return l, nil
}

// Rotation returns the log rotation of c's layout from heronctl.cfg:
// every LogRotationInterval seconds, archives under LogDir compressed as
// CompressLogs, CompressCmd and CompressExtension say, expired after
// LogExpireInterval except KeepLogs' patterns. A standalone node rotates
// as a logger does.
func Rotation(c *config.Cluster) (*layout.Rotation, error) {
	s := c.Settings
	keep, err := rotate.KeepPatterns(s.String("KeepLogs"))
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	mins, err := s.LogExpireMinutes()
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	comp := rotate.CompressionFor(s.Bool("CompressLogs"), s.String("CompressCmd"), s.String("CompressExtension"))
	return &layout.Rotation{
		Interval:       float64(s.Int("LogRotationInterval")),
		Compression:    comp.String(),
		ArchiveDir:     s.String("LogDir"),
		ExpireInterval: float64(mins) * 60,
		Keep:           nilIfEmpty(keep),
	}, nil
}

// SignaturesDir is the directory, relative to the layout, that install
// fills with the site policy's signature files.
const SignaturesDir = "signatures"

// SignatureNames maps every signature file the nodes of c load (a path
// on the control host) to its name relative to the installed layout:
// signatures/BASE, or signatures/N-BASE when two files share a base name.
func SignatureNames(c *config.Cluster) map[string]string {
	names := map[string]string{}
	taken := map[string]bool{}
	for _, n := range c.Nodes {
		for _, f := range n.Signatures {
			if _, ok := names[f]; ok {
				continue
			}
			base := filepath.Base(f)
			name := base
			for i := 2; taken[name]; i++ {
				name = strconv.Itoa(i) + "-" + base
			}
			taken[name] = true
			names[f] = SignaturesDir + "/" + name
		}
	}
	return names
}

// LiveLogDir is where the writing node (a logger, or the manager) writes
// the cluster's logs: <spool>/logger, as zeekctl's logger does.
func LiveLogDir(spool string) string { return filepath.Join(spool, "logger") }

// listenHost is the address the embedded NATS server listens on for a
// node.cfg host.
func listenHost(host string) string {
	if strings.EqualFold(host, "localhost") {
		return "127.0.0.1"
	}
	return host
}

// nilIfEmpty returns a copy of s, nil when s is empty, as a node reads
// an omitted list back.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

// commonPrefix returns the longest list every list starts with.
func commonPrefix(lists [][]string) []string {
	if len(lists) == 0 {
		return nil
	}
	p := lists[0]
	for _, l := range lists[1:] {
		i := 0
		for i < len(p) && i < len(l) && p[i] == l[i] {
			i++
		}
		p = p[:i]
	}
	return slices.Clone(p)
}

// afPacketOptions are the AF_Packet:: settings of a node, as heron takes
// them on its command line.
func afPacketOptions(af *config.AFPacket) []string {
	if af == nil {
		return nil
	}
	b := func(v bool) string {
		if v {
			return "T"
		}
		return "F"
	}
	out := []string{
		"AF_Packet::buffer_size=" + strconv.FormatUint(af.BufferSize, 10),
		"AF_Packet::block_size=" + strconv.FormatUint(af.BlockSize, 10),
		"AF_Packet::block_timeout=" + strconv.FormatFloat(af.BlockTimeout*1000, 'f', -1, 64) + " msec",
		"AF_Packet::enable_fanout=" + b(af.EnableFanout),
		"AF_Packet::enable_defrag=" + b(af.EnableDefrag),
		"AF_Packet::link_type=" + strconv.FormatUint(af.LinkType, 10),
		"AF_Packet::checksum_validation_mode=" + af.ChecksumValidationMode,
	}
	if af.EnableFanout {
		out = append(out, "AF_Packet::fanout_id="+strconv.FormatUint(af.FanoutID, 10), "AF_Packet::fanout_mode="+af.FanoutMode)
	}
	if af.EnableHWTimestamping {
		out = append(out, "AF_Packet::enable_hw_timestamping=T")
	}
	return out
}

// mustJSON encodes a layout; a layout always encodes.
func mustJSON(l *layout.Layout) []byte {
	b, err := EncodeLayout(l)
	if err != nil {
		panic(err)
	}
	return b
}

// EncodeLayout returns the layout file's bytes: indented JSON with a
// final newline.
func EncodeLayout(l *layout.Layout) ([]byte, error) {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	return append(b, '\n'), nil
}

// zeekSubnet writes a networks.cfg prefix as a Zeek subnet literal: IPv6
// addresses go in brackets ("[2001:db8::]/32"), as Zeek's parser (and
// heron's option parser) require.
func zeekSubnet(prefix string) string {
	p, err := netip.ParsePrefix(prefix)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return prefix
	}
	return "[" + p.Addr().String() + "]/" + strconv.Itoa(p.Bits())
}
