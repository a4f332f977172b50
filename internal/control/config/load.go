package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/site"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Paths says where the configuration is. Empty fields take their defaults.
type Paths struct {
	// Prefix is the installation prefix; the files are in Prefix/etc.
	Prefix string
	// Config is heronctl.cfg; by default Prefix/etc/heronctl.cfg, or
	// Prefix/etc/zeekctl.cfg when there is no heronctl.cfg, or none.
	Config string
	// NodeCfg is node.cfg; by default the NodeCfg option.
	NodeCfg string
	// Networks is networks.cfg; by default the LocalNetsCfg option.
	Networks string
}

// Prefix returns the installation prefix: flag if set, else $HERON_PREFIX,
// else the directory above the one holding the running program
// (exe, as os.Executable returns it: <prefix>/bin/heronctl).
func Prefix(flag string, getenv func(string) string, exe string) string {
	if flag != "" {
		return flag
	}
	if p := getenv("HERON_PREFIX"); p != "" {
		return p
	}
	if exe == "" {
		return "."
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.Dir(filepath.Dir(exe))
}

// ReadSettingsFile finds and reads heronctl.cfg as Paths says. file is
// the file read, "" when there is none and the defaults apply.
func ReadSettingsFile(p Paths, b Builtins) (s *Settings, file string, warns []Warning, err error) {
	file = p.Config
	if file == "" {
		for _, name := range []string{"heronctl.cfg", "zeekctl.cfg"} {
			cand := filepath.Join(p.Prefix, "etc", name)
			if _, err := os.Stat(cand); err == nil {
				file = cand
				break
			}
		}
	}
	if b.Prefix == "" {
		b.Prefix = p.Prefix
	}
	if file == "" {
		warns = append(warns, warnf("", 0, "create "+filepath.Join(p.Prefix, "etc", "heronctl.cfg")+" to change them", "no heronctl.cfg or zeekctl.cfg in %s: using the defaults", filepath.Join(p.Prefix, "etc")))
		s, w, err := ReadSettings(strings.NewReader(""), "", b)
		return s, "", append(warns, w...), err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, file, nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	s, w, err := ReadSettings(f, file, b)
	return s, file, append(warns, w...), err
}

// Cluster is the whole configuration: the global options, the expanded
// nodes with their site policy, and the local networks.
type Cluster struct {
	// Files are the files read.
	Files Files `json:"files"`
	// Settings are the global options.
	Settings *Settings `json:"-"`
	// Standalone is true for a one-node configuration.
	Standalone bool `json:"standalone"`
	// ManagerIsLogger is true for a cluster without logger nodes.
	ManagerIsLogger bool `json:"manager_is_logger"`
	// ControlPort is the port before the nodes' ports (ZeekPort), which
	// zeekctl gives its control connection; 0 for a standalone node.
	ControlPort int `json:"control_port,omitempty"`
	// Nodes are the nodes, sorted by type and count as zeekctl sorts them.
	Nodes []*Node `json:"nodes"`
	// Networks are the local networks of networks.cfg.
	Networks []Network `json:"networks"`
	// Warnings are the problems found that do not stop heronctl.
	Warnings []Warning `json:"warnings"`
}

// Files names the configuration files read.
type Files struct {
	// Config is heronctl.cfg or zeekctl.cfg; "" when there is none.
	Config string `json:"config,omitempty"`
	// NodeCfg is node.cfg.
	NodeCfg string `json:"node_cfg"`
	// Networks is networks.cfg; "" when there is none.
	Networks string `json:"networks_cfg,omitempty"`
	// SitePolicy are the site policy files read.
	SitePolicy []string `json:"site_policy,omitempty"`
}

// Network is one line of networks.cfg.
type Network struct {
	// Prefix is the network, host bits cleared ("10.0.0.0/8").
	Prefix string `json:"prefix"`
	// Tag is the text after the prefix, if any.
	Tag string `json:"tag,omitempty"`
}

// Load reads heronctl.cfg, node.cfg, networks.cfg and the site policy, and
// expands node.cfg into nodes. It connects to nothing and resolves no host
// names.
func Load(p Paths, b Builtins) (*Cluster, error) {
	s, cfgFile, warns, err := ReadSettingsFile(p, b)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Settings: s, Files: Files{Config: cfgFile}}
	c.Warnings = append(c.Warnings, warns...)

	nodeFile := p.NodeCfg
	if nodeFile == "" {
		nodeFile = s.String("NodeCfg")
	}
	c.Files.NodeCfg = nodeFile
	f, err := os.Open(nodeFile)
	if err != nil {
		file, line := s.Source("NodeCfg")
		fix := "create it, set NodeCfg in heronctl.cfg, or give --node-cfg"
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errorf(file, line, fix, "cannot read the node configuration %s: it does not exist", nodeFile)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	nodes, w, err := readNodes(f, nodeFile)
	f.Close()
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, w...)
	w, err = finishNodes(nodes, s, nodeFile)
	if err != nil {
		return nil, err
	}
	c.Warnings = append(c.Warnings, w...)
	c.Nodes = nodes
	c.Standalone = len(nodes) == 1 && nodes[0].Type == Standalone
	if !c.Standalone {
		c.ControlPort = s.Int("ZeekPort")
		c.ManagerIsLogger = true
		for _, n := range nodes {
			if n.Type == Logger {
				c.ManagerIsLogger = false
			}
		}
	}
	for _, n := range nodes {
		if n.Port > 65535 || n.MetricsPort > 65535 {
			file, line := s.Source("ZeekPort")
			return nil, errorf(file, line, "lower ZeekPort and MetricsPort", "node %s would get port %d (metrics %d), above 65535", n.Name, n.Port, n.MetricsPort)
		}
	}

	netFile := p.Networks
	if netFile == "" {
		netFile = s.String("LocalNetsCfg")
	}
	nets, err := readNetworks(netFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Warnings = append(c.Warnings, warnf(netFile, 0, "list the local networks there, one CIDR prefix per line", "no networks.cfg: no network counts as local"))
	case err != nil:
		return nil, err
	default:
		c.Files.Networks = netFile
		c.Networks = nets
	}

	if err := c.applyPolicy(); err != nil {
		return nil, err
	}
	return c, nil
}

func readNetworks(file string) ([]Network, error) {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	nets, err := site.ReadNetworksCfg(f, file)
	if err != nil {
		var pe *site.ParseError
		if errors.As(err, &pe) {
			return nil, errorf(pe.File, pe.Line, "write one CIDR prefix per line, such as 10.0.0.0/8, with an optional comment after it", "%q is not a CIDR prefix (%s)", pe.Text, pe.Reason)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	out := make([]Network, len(nets))
	for i, n := range nets {
		out[i] = Network{Prefix: n.Prefix.String(), Tag: n.Tag}
	}
	return out, nil
}

// applyPolicy reads the site policy (SitePolicyScripts) and each node's
// aux_scripts, checks their redefs against the options Heron knows, and
// fills in every node's Scripts, Redefs and Signatures.
func (c *Cluster) applyPolicy() error {
	s := c.Settings
	r := &policyReader{seen: map[string]bool{}}
	for _, d := range strings.Split(s.String("SitePolicyPath"), ":") {
		if d != "" {
			r.dirs = append(r.dirs, d)
		}
	}
	base := &Policy{}
	file, line := s.Source("SitePolicyScripts")
	for _, name := range strings.Fields(s.String("SitePolicyScripts")) {
		if err := r.resolve(base, name, file, line, "", 0); err != nil {
			return err
		}
	}
	baseSeen := r.seen
	c.Files.SitePolicy = append(c.Files.SitePolicy, base.Files...)

	type result struct {
		p       *Policy
		strings map[string]bool // redef IDs of type string
	}
	byAux := map[string]*result{}
	warned := map[string]bool{}
	for _, n := range c.Nodes {
		res := byAux[n.auxScripts]
		if res == nil {
			p := &Policy{
				Scripts:    append([]string(nil), base.Scripts...),
				Redefs:     append([]Redef(nil), base.Redefs...),
				Signatures: append([]string(nil), base.Signatures...),
				from:       map[string]Warning{},
			}
			for k, v := range base.from {
				p.from[k] = v
			}
			r.seen = make(map[string]bool, len(baseSeen))
			for k := range baseSeen {
				r.seen[k] = true
			}
			for _, name := range strings.Fields(n.auxScripts) {
				if err := r.resolve(p, name, n.File, n.auxLine, "", 0); err != nil {
					return err
				}
			}
			for _, f := range p.Files {
				if !contains(c.Files.SitePolicy, f) {
					c.Files.SitePolicy = append(c.Files.SitePolicy, f)
				}
			}
			strs, unimpl, err := checkRedefs(p)
			if err != nil {
				return err
			}
			for _, name := range unimpl {
				if !warned[name] {
					warned[name] = true
					at := p.from[name]
					c.Warnings = append(c.Warnings, warnf(at.File, at.Line, "nodes accept it and ignore it until Heron has it", "site policy loads %s, which Heron does not implement yet", name))
				}
			}
			res = &result{p, strs}
			byAux[n.auxScripts] = res
		}
		n.Scripts = append([]string{}, res.p.Scripts...)
		n.Redefs = make([]string, 0, len(res.p.Redefs))
		for _, rd := range res.p.Redefs {
			n.Redefs = append(n.Redefs, rd.Arg(res.strings[rd.ID]))
		}
		n.Signatures = append([]string(nil), res.p.Signatures...)
	}
	c.Warnings = append(c.Warnings, r.warns...)
	return nil
}

// checkRedefs applies a policy's redefs, in order, to the options of a
// Heron node that loads the policy's scripts, as heron itself will, and
// reports the first that fails. It returns the IDs of string options and
// the scripts Heron does not implement yet.
func checkRedefs(p *Policy) (map[string]bool, []string, error) {
	cfg := node.DefaultConfig()
	reg := options.NewRegistry()
	cfg.Options(reg)
	// The analyzers' own options (dns_max_queries, …) live in
	// options.Default, as for heron; start them from their defaults.
	if err := options.Default.ResetAll(); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	reg.Chain(options.Default)
	loaded, err := scripts.Load(false, p.Scripts)
	if err != nil {
		return nil, nil, fmt.Errorf("config: site policy scripts: %w", err)
	}
	for name, ports := range loaded.PortVariables() {
		v := ports
		reg.Register(name, options.SetPortValue(&v), "")
	}
	var likely []zeek.Port
	reg.Register("likely_server_ports", options.SetPortValue(&likely), "")
	strs := map[string]bool{}
	for _, rd := range p.Redefs {
		v := reg.Lookup(rd.ID)
		if v == nil {
			return nil, nil, errorf(rd.File, rd.Line, "remove the line (heron --help-options lists the options Heron has)", "%s is not an option Heron knows", rd.ID)
		}
		typ := v.Type()
		if typ == "string" {
			strs[rd.ID] = true
			q := rd.Value
			if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' || v.Set(q) != nil {
				return nil, nil, errorf(rd.File, rd.Line, `give a string in double quotes, e.g. "text"`, "redef %s %s %s: not a Zeek string literal", rd.ID, rd.Op, rd.Value)
			}
		}
		// Apply it as heron will, from its command line.
		if err := reg.Apply(rd.Arg(typ == "string")); err != nil {
			fix := "give a Zeek " + typ + " literal"
			if rd.Op != "=" && strings.Contains(err.Error(), "does not apply") {
				fix = "use = instead"
			}
			return nil, nil, errorf(rd.File, rd.Line, fix, "redef %s %s %s: %s", rd.ID, rd.Op, rd.Value, strings.TrimPrefix(err.Error(), "options: "))
		}
	}
	return strs, loaded.Unimplemented(), nil
}
