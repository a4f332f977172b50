package layout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/heron-nsm/heron/internal/logging/rotate"
)

// Role is a node's type.
type Role string

// The roles of a cluster's nodes.
const (
	Manager    Role = "manager"
	Logger     Role = "logger"
	Proxy      Role = "proxy"
	Worker     Role = "worker"
	Standalone Role = "standalone"
)

// Layout is a cluster layout file.
type Layout struct {
	Version  int      `json:"version"`
	Cluster  string   `json:"cluster"`
	SpoolDir string   `json:"spool_dir"`
	LogDir   string   `json:"log_dir"`
	NATS     NATS     `json:"nats"`
	Scripts  []string `json:"scripts,omitempty"`
	Options  []string `json:"options,omitempty"`
	// Signatures are signature files every node loads (as heron -s
	// takes them); a relative name is relative to the layout file.
	Signatures []string `json:"signatures,omitempty"`
	// Rotation, when set, makes the node that writes the logs (a
	// logger, or the manager) rotate and archive them.
	Rotation *Rotation `json:"rotation,omitempty"`
	// Mail, when set, says where and how notice mail goes: every node
	// takes its Notice::mail_* defaults from it, and the manager, which
	// writes the cluster's notices, sends the mail (mail.go).
	Mail  *Mail            `json:"mail,omitempty"`
	Nodes map[string]*Node `json:"nodes"`

	// File is the file the layout was read from.
	File string `json:"-"`
}

// NATS says how nodes reach the transport.
type NATS struct {
	// Embedded, when set, makes the manager run a NATS server.
	Embedded *Embedded `json:"embedded,omitempty"`
	// Servers are the URLs of an external deployment.
	Servers []string `json:"servers,omitempty"`
	// TLS, when set, secures every connection.
	TLS *TLS `json:"tls,omitempty"`
}

// Embedded configures the manager's NATS server.
type Embedded struct {
	// Listen is the address the server listens on ("127.0.0.1:4222").
	Listen string `json:"listen"`
}

// TLS names a CA and a certificate with its key (PEM files).
type TLS struct {
	CA   string `json:"ca"`
	Cert string `json:"cert"`
	Key  string `json:"key"`
}

// Rotation configures the rotation, archiving and expiry of the logs a
// logger (or the manager) writes, as heronctl.cfg's LogRotationInterval,
// CompressLogs, LogExpireInterval and KeepLogs do for zeekctl.
type Rotation struct {
	// Interval is the time between rotations in seconds
	// (Log::default_rotation_interval); 0 rotates only when the node
	// stops writing a log.
	Interval float64 `json:"interval"`
	// BaseTime is the time of day ("H:MM") rotations are aligned to
	// (log_rotate_base_time); "" is midnight.
	BaseTime string `json:"base_time,omitempty"`
	// Compression is how archives are compressed: "gzip", "zstd" or
	// "none" ("" is gzip).
	Compression string `json:"compression,omitempty"`
	// ArchiveDir is where the dated archive directories go (zeekctl's
	// LogDir); "" is log_dir. When it differs from log_dir, the writing
	// node points ArchiveDir/current at log_dir.
	ArchiveDir string `json:"archive_dir,omitempty"`
	// ExpireInterval is how long archives are kept, in seconds
	// (LogExpireInterval); 0 keeps them.
	ExpireInterval float64 `json:"expire_interval,omitempty"`
	// Keep are shell patterns of archive names that never expire
	// (KeepLogs).
	Keep []string `json:"keep,omitempty"`
}

// check checks the settings of r.
func (r *Rotation) check() error {
	if r.Interval < 0 || r.ExpireInterval < 0 {
		return errors.New("rotation: give intervals as seconds, 0 or more")
	}
	switch r.Compression {
	case "", "gzip", "zstd", "none":
	default:
		return fmt.Errorf("rotation: compression %q is not one of gzip, zstd, none", r.Compression)
	}
	if r.BaseTime != "" {
		if _, err := rotate.ParseBaseTime(r.BaseTime); err != nil {
			return fmt.Errorf("rotation: base_time: %w", err)
		}
	}
	for _, k := range r.Keep {
		if _, err := path.Match(k, ""); err != nil {
			return fmt.Errorf("rotation: keep pattern %q: %w", k, err)
		}
	}
	return nil
}

// Shard selects a worker's share of a trace's flows.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Node is one node's entry.
type Node struct {
	Type        Role     `json:"type"`
	Host        string   `json:"host,omitempty"`
	MetricsPort int      `json:"metrics_port,omitempty"`
	User        string   `json:"user,omitempty"`
	Password    string   `json:"password,omitempty"`
	TLS         *TLS     `json:"tls,omitempty"`
	Interface   string   `json:"interface,omitempty"`
	Read        string   `json:"read,omitempty"`
	Shard       *Shard   `json:"shard,omitempty"`
	Threads     int      `json:"threads,omitempty"`
	PinCPUs     []int    `json:"pin_cpus,omitempty"`
	Scripts     []string `json:"scripts,omitempty"`
	Options     []string `json:"options,omitempty"`
	// Signatures are signature files for this node only, after the
	// cluster's.
	Signatures []string `json:"signatures,omitempty"`

	// Name is the node's name (its key in the layout).
	Name string `json:"-"`
}

// Find returns where the layout file is: flag, then
// HERON_CLUSTER_LAYOUT, then cluster-layout.json in the working
// directory.
func Find(flag string, getenv func(string) string) string {
	if flag != "" {
		return flag
	}
	if f := getenv("HERON_CLUSTER_LAYOUT"); f != "" {
		return f
	}
	return "cluster-layout.json"
}

// Read reads and checks a layout file.
func Read(file string) (*Layout, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("layout: %w (give the cluster layout with --cluster FILE or HERON_CLUSTER_LAYOUT)", err)
	}
	l, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("layout: %s: %w", file, err)
	}
	l.File = file
	return l, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Parse decodes and checks a layout.
func Parse(b []byte) (*Layout, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var l Layout
	if err := dec.Decode(&l); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(b[:se.Offset], []byte("\n"))
			return nil, fmt.Errorf("line %d: %v", line, err)
		}
		return nil, err
	}
	if l.Version != 1 {
		return nil, fmt.Errorf("version %d is not known; this Heron reads version 1", l.Version)
	}
	if l.Cluster == "" {
		l.Cluster = "heron"
	}
	if !nameRE.MatchString(l.Cluster) || strings.Contains(l.Cluster, ".") {
		return nil, fmt.Errorf("cluster name %q: use letters, digits, '-' and '_'", l.Cluster)
	}
	if len(l.Nodes) == 0 {
		return nil, errors.New("no nodes")
	}
	if l.NATS.Embedded == nil && len(l.NATS.Servers) == 0 && len(l.Nodes) > 1 {
		return nil, errors.New(`nats: give "embedded" (the manager runs a NATS server) or "servers"`)
	}
	if l.Rotation != nil {
		if err := l.Rotation.check(); err != nil {
			return nil, err
		}
	}
	if l.Mail != nil {
		if err := l.Mail.check(); err != nil {
			return nil, err
		}
	}
	managers, standalone := 0, 0
	for name, n := range l.Nodes {
		if n == nil {
			return nil, fmt.Errorf("node %q: empty entry", name)
		}
		n.Name = name
		if !nameRE.MatchString(name) {
			return nil, fmt.Errorf("node name %q: use letters, digits, '.', '-' and '_'", name)
		}
		switch n.Type {
		case Manager:
			managers++
		case Standalone:
			standalone++
		case Logger, Proxy:
		case Worker:
			if (n.Interface == "") == (n.Read == "") {
				return nil, fmt.Errorf("node %q: a worker needs exactly one of \"interface\" and \"read\"", name)
			}
			if n.Shard != nil && (n.Shard.Count < 1 || n.Shard.Index < 0 || n.Shard.Index >= n.Shard.Count) {
				return nil, fmt.Errorf("node %q: shard %d of %d is out of range", name, n.Shard.Index, n.Shard.Count)
			}
		default:
			return nil, fmt.Errorf("node %q: type %q is not one of manager, logger, proxy, worker, standalone", name, n.Type)
		}
		if n.Threads < 0 || n.Threads > 1024 {
			return nil, fmt.Errorf("node %q: threads %d out of range (1-1024)", name, n.Threads)
		}
	}
	switch {
	case standalone > 0 && len(l.Nodes) > 1:
		return nil, errors.New("a standalone node must be the only node")
	case standalone == 0 && managers != 1:
		return nil, fmt.Errorf("%d managers: a cluster has exactly one", managers)
	}
	return &l, nil
}

// Node returns the entry of the node called name, or an error listing the
// names the layout holds.
func (l *Layout) Node(name string) (*Node, error) {
	if n := l.Nodes[name]; n != nil {
		return n, nil
	}
	return nil, fmt.Errorf("layout: %s has no node %q (it has %s)", l.File, name, strings.Join(l.Names(), ", "))
}

// Names returns the node names, sorted.
func (l *Layout) Names() []string {
	var out []string
	for n := range l.Nodes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ByRole returns the nodes of one role, sorted by name.
func (l *Layout) ByRole(r Role) []*Node {
	var out []*Node
	for _, name := range l.Names() {
		if n := l.Nodes[name]; n.Type == r {
			out = append(out, n)
		}
	}
	return out
}

// Manager returns the manager (nil for a standalone layout).
func (l *Layout) Manager() *Node {
	if m := l.ByRole(Manager); len(m) == 1 {
		return m[0]
	}
	return nil
}
