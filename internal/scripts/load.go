package scripts

import (
	"fmt"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Env is what the @if conditions of Zeek's scripts depend on. The zero Env
// is a standalone run without -b of a Zeek built without Spicy, the build
// whose logs Heron's parity corpus holds.
type Env struct {
	// Bare is zeek's -b: skip base/init-default.
	Bare bool
	// Node is the cluster node type of this process: "" when standalone
	// (Cluster::is_enabled() is false), or "manager", "logger", "proxy",
	// "worker".
	Node string
	// SeparateLogger is true when the cluster has logger nodes, so the
	// manager is not the logger (Cluster::manager_is_logger is F).
	SeparateLogger bool
	// Spicy models a Zeek built with Spicy and its built-in Spicy
	// analyzers: have_spicy() and have_spicy_analyzers() are true and the
	// analyzers that exist only in Spicy (QUIC, LDAP, PostgreSQL, Redis, …)
	// are defined, so the scripts guarded by them load. Zeek's own test
	// baselines come from such a build.
	Spicy bool
}

// loader walks the @load graph for one Load call.
type loader struct {
	c       *catalog
	env     Env
	seen    map[string]bool
	order   []string
	sigs    []string
	sigSeen map[string]bool
	ports   portState
	err     error
}

// Cluster backends are chosen by loading one of these scripts; each redefs
// Cluster::backend away from CLUSTER_BACKEND_NONE.
var backendScripts = []string{
	"policy/frameworks/cluster/backend/broker/main",
	"policy/frameworks/cluster/backend/zeromq/options",
}

// conditions evaluates each @if/@ifdef condition that guards a directive
// in Zeek's scripts, as it would be at the point zeek reaches it. A test
// checks that every condition in the embedded catalog is here.
var conditions = map[string]func(l *loader) bool{
	"if have_spicy()":           func(l *loader) bool { return l.env.Spicy },
	"if have_spicy_analyzers()": func(l *loader) bool { return l.env.Spicy },
	// QUIC's analyzer is a Spicy one.
	"ifdef Analyzer::ANALYZER_QUIC": func(l *loader) bool { return l.env.Spicy },
	// Standard builds include the ZeroMQ cluster backend.
	"ifdef Cluster::CLUSTER_BACKEND_ZEROMQ": func(l *loader) bool { return true },
	"if Cluster::is_enabled()":              func(l *loader) bool { return l.env.Node != "" },
	// Heron does not run under Zeek's supervisor.
	"if Supervisor::is_supervised()": func(l *loader) bool { return false },
	"if Supervisor::is_supervisor()": func(l *loader) bool { return false },
	// The layout is not known before cluster-layout is loaded.
	"if |Cluster::nodes| == 0":                          func(l *loader) bool { return true },
	"if |Cluster::nodes| > 0":                           func(l *loader) bool { return l.env.Node != "" },
	"if Cluster::node in Cluster::nodes":                func(l *loader) bool { return l.env.Node != "" },
	"if Cluster::local_node_type() == Cluster::MANAGER": func(l *loader) bool { return l.env.Node == "manager" },
	"if Cluster::local_node_type() == Cluster::LOGGER":  func(l *loader) bool { return l.env.Node == "logger" },
	"if Cluster::local_node_type() == Cluster::PROXY":   func(l *loader) bool { return l.env.Node == "proxy" },
	"if Cluster::local_node_type() == Cluster::WORKER":  func(l *loader) bool { return l.env.Node == "worker" },
	"if Cluster::manager_is_logger":                     func(l *loader) bool { return !l.env.SeparateLogger },
	"if Cluster::local_node_type() == Cluster::LOGGER || ( Cluster::local_node_type() == Cluster::MANAGER && Cluster::manager_is_logger ) || ! Cluster::is_enabled()": func(l *loader) bool {
		return l.env.Node == "logger" || (l.env.Node == "manager" && !l.env.SeparateLogger) || l.env.Node == ""
	},
	"if Cluster::backend == Cluster::CLUSTER_BACKEND_NONE": func(l *loader) bool {
		for _, s := range backendScripts {
			if l.seen[s] {
				return false
			}
		}
		return true
	},
}

// holds reports whether all of conds hold.
func (l *loader) holds(conds []string) bool {
	for _, cond := range conds {
		neg := false
		if rest, ok := strings.CutPrefix(cond, "!"); ok {
			neg, cond = true, rest
		}
		f := conditions[cond]
		if f == nil {
			if l.err == nil {
				l.err = fmt.Errorf("scripts: catalog condition %q is unknown to this build of heron", cond)
			}
			return false
		}
		if f(l) == neg {
			return false
		}
	}
	return true
}

// load loads one script and, at each @load line, what it loads.
func (l *loader) load(name string) {
	if l.seen[name] {
		return
	}
	l.seen[name] = true
	l.order = append(l.order, name)
	for _, e := range l.c.scripts[name].edges {
		if !l.holds(e.conds) {
			continue
		}
		switch e.op {
		case edgeLoad:
			l.load(e.target)
		case edgeUnload:
			// Zeek marks the script as scanned without loading it.
			l.seen[e.target] = true
		case edgeSigs:
			if !l.sigSeen[e.target] {
				l.sigSeen[e.target] = true
				l.sigs = append(l.sigs, e.target)
			}
		case edgeVar, edgeAnalyzer, edgePacket:
			l.ports.apply(e.op, e.pf)
		}
	}
}

// Set is the result of Load: the scripts zeek would load, in order.
type Set struct {
	c     *catalog
	index map[string]int // canonical name -> position in order
	order []string
	named []string
	sigs  []string
	// likely is likely_server_ports after zeek_init; regs the port
	// registrations per analyzer (see ports.go).
	likely []zeek.Port
	regs   []AnalyzerPorts
	ports  portState
}

// Load returns the scripts zeek loads for a run with -b (bare) or without,
// and the given script names: base/init-bare and
// base/init-frameworks-and-bifs always, base/init-default unless bare, then
// each named script, each with everything it @loads. It fails on the first
// name that is not a Zeek script.
func Load(bare bool, names []string) (*Set, error) {
	return LoadEnv(Env{Bare: bare}, names)
}

// LoadEnv is Load for a given environment (cluster node type, Spicy).
func LoadEnv(env Env, names []string) (*Set, error) {
	c, err := embedded()
	if err != nil {
		return nil, err
	}
	return c.load(env, names)
}

// load is LoadEnv on a given catalog.
func (c *catalog) load(env Env, names []string) (*Set, error) {
	switch env.Node {
	case "", "manager", "logger", "proxy", "worker":
	default:
		return nil, fmt.Errorf("scripts: unknown cluster node type %q (want manager, logger, proxy or worker)", env.Node)
	}
	named := make([]string, 0, len(names))
	for _, n := range names {
		canon, err := c.resolve(n)
		if err != nil {
			return nil, err
		}
		named = append(named, canon)
	}
	l := &loader{c: c, env: env, seen: make(map[string]bool), sigSeen: make(map[string]bool)}
	l.load(initBare)
	l.load(initFrameworks)
	if !env.Bare {
		l.load(initDefault)
	}
	for _, n := range named {
		l.load(n)
	}
	if l.err != nil {
		return nil, l.err
	}
	s := &Set{c: c, index: make(map[string]int, len(l.order)), order: l.order, sigs: l.sigs}
	s.ports = l.ports
	s.likely, s.regs = s.ports.finish()
	for i, n := range l.order {
		s.index[n] = i
	}
	seen := make(map[string]bool, len(named))
	for _, n := range named {
		if !seen[n] {
			seen[n] = true
			s.named = append(s.named, n)
		}
	}
	return s, nil
}

// Has reports whether the script is loaded. name is a canonical name (the
// package form "base/protocols/conn" or a file such as
// "base/protocols/conn/main") or any other form Resolve accepts.
func (s *Set) Has(name string) bool {
	if _, ok := s.index[name]; ok {
		return true
	}
	canon, err := s.c.resolve(name)
	if err != nil {
		return false
	}
	_, ok := s.index[canon]
	return ok
}

// Order returns the loaded scripts in zeek's load order: depth first, each
// script at its first @load. The slice is the caller's.
func (s *Set) Order() []string { return append([]string(nil), s.order...) }

// Named returns the canonical names of the scripts named to Load, without
// repeats, in the order given. The slice is the caller's.
func (s *Set) Named() []string { return append([]string(nil), s.named...) }

// Signatures returns the signature files the loaded scripts name with
// @load-sigs (paths below Zeek's scripts directory, such as
// "base/protocols/http/dpd.sig"), in load order. The slice is the caller's.
func (s *Set) Signatures() []string { return append([]string(nil), s.sigs...) }

// Deprecated returns the loaded scripts that Zeek marks @deprecated (zeek
// warns when it loads one), in load order. The slice is the caller's.
func (s *Set) Deprecated() []string {
	var out []string
	for _, n := range s.order {
		if s.c.scripts[n].deprecated {
			out = append(out, n)
		}
	}
	return out
}
