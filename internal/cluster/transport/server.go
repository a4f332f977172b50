package transport

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/heron-nsm/heron/internal/cluster/layout"
)

// LogStreamName returns the name of the JetStream stream that carries the
// log batches of cluster: "<cluster>_logs".
func LogStreamName(cluster string) string { return cluster + "_logs" }

// inboxPrefix returns the reply-subject prefix of node's connection:
// "_INBOX.<cluster>.<node>", so that a node can be allowed to receive only
// its own replies.
func inboxPrefix(cluster, node string) string { return "_INBOX." + cluster + "." + Token(node) }

// ServerOptions tunes a NATS server built from a layout. The zero value
// runs the layout's embedded server.
type ServerOptions struct {
	// Listen overrides nats.embedded.listen ("127.0.0.1:0" picks a free
	// port; Server.Addr tells which).
	Listen string
	// StoreDir is where JetStream keeps its files;
	// "" is <spool_dir>/<manager>/jetstream.
	StoreDir string
	// MaxStore bounds JetStream's file storage in bytes; 0 lets the
	// server choose (a share of the free disk).
	MaxStore int64
	// Name is the server's name; "" is "<cluster>-<node>".
	Name string
	// ClusterName, ClusterListen and Routes make the server one of a NATS
	// cluster (tests run three): the cluster's name, the address routes
	// listen on, and the other servers' route URLs (nats://host:port).
	ClusterName   string
	ClusterListen string
	Routes        []string
	// Log prints the server's notices and errors on standard error.
	Log bool
}

// Server is a NATS server run in this process.
type Server struct {
	s *server.Server
}

// ServerConfig returns the options of a NATS server for the cluster of l,
// run by node (the manager, for the embedded server): the listen address,
// JetStream, TLS with the node's certificate verifying every client's,
// and, when any node of the layout has a user, one user per node with the
// permissions Permissions gives. An external deployment can be configured
// after it.
func ServerConfig(l *layout.Layout, node string, o *ServerOptions) (*server.Options, error) {
	if o == nil {
		o = &ServerOptions{}
	}
	n, err := l.Node(node)
	if err != nil {
		return nil, err
	}
	listen := o.Listen
	if listen == "" && l.NATS.Embedded != nil {
		listen = l.NATS.Embedded.Listen
	}
	if listen == "" {
		listen = "127.0.0.1:4222"
	}
	host, port, err := splitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("transport: listen address %q: %w", listen, err)
	}
	store := o.StoreDir
	if store == "" {
		store = filepath.Join(l.SpoolDir, node, "jetstream")
	}
	name := o.Name
	if name == "" {
		name = l.Cluster + "-" + Token(node)
	}
	opts := &server.Options{
		ServerName:        name,
		Host:              host,
		Port:              port,
		JetStream:         true,
		StoreDir:          store,
		JetStreamMaxStore: o.MaxStore,
		NoSigs:            true,
		NoLog:             !o.Log,
		MaxPayload:        4 << 20,
		PingInterval:      5 * time.Second,
		MaxPingsOut:       3,
	}
	if o.MaxStore == 0 {
		opts.JetStreamMaxStore = 0
	}
	tc, err := serverTLS(l, n)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		opts.TLSConfig = tc
		opts.TLS = true
		opts.TLSVerify = true
		opts.TLSTimeout = 5
	}
	users := false
	for _, nn := range l.Nodes {
		users = users || nn.User != ""
	}
	if users {
		for _, name := range l.Names() {
			nn := l.Nodes[name]
			if nn.User == "" {
				continue
			}
			opts.Users = append(opts.Users, &server.User{
				Username:    nn.User,
				Password:    nn.Password,
				Permissions: Permissions(l, name),
			})
		}
	}
	if o.ClusterListen != "" {
		ch, cp, err := splitHostPort(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("transport: cluster listen address %q: %w", o.ClusterListen, err)
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: ch, Port: cp}
		for _, r := range o.Routes {
			u, err := url.Parse(r)
			if err != nil {
				return nil, fmt.Errorf("transport: route %q: %w", r, err)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	return opts, nil
}

func splitHostPort(hp string) (string, int, error) {
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, port, nil
}

// Permissions returns what node may publish and subscribe to, as the
// table in docs/format/transport.md says; nil (everything) for the
// manager and a standalone node.
func Permissions(l *layout.Layout, node string) *server.Permissions {
	n := l.Nodes[node]
	if n == nil || n.Type == layout.Manager || n.Type == layout.Standalone {
		return nil
	}
	c, t := l.Cluster, Token(node)
	pub := []string{
		c + ".hb." + t,
		c + ".log.*." + t,
		c + ".node." + t + ".>",
	}
	sub := []string{
		c + ".hb.*",
		c + ".manager.>",
		c + ".node.>",
		c + ".to." + t + ".>",
		inboxPrefix(c, node) + ".>",
	}
	switch n.Type {
	case layout.Worker:
		for _, name := range l.Names() {
			if l.Nodes[name].Type != layout.Worker {
				pub = append(pub, c+".to."+Token(name)+".>")
			}
		}
	case layout.Proxy:
		pub = append(pub, c+".to.>")
	case layout.Logger:
		s := LogStreamName(c)
		pub = append(pub, c+".to.>",
			"$JS.API.INFO",
			"$JS.API.STREAM.INFO."+s,
			"$JS.API.STREAM.CREATE."+s,
			"$JS.API.STREAM.UPDATE."+s,
			"$JS.API.CONSUMER.CREATE."+s+".>",
			"$JS.API.CONSUMER.DURABLE.CREATE."+s+".>",
			"$JS.API.CONSUMER.INFO."+s+".>",
			"$JS.API.CONSUMER.LIST."+s,
			"$JS.API.CONSUMER.NAMES."+s,
			"$JS.API.CONSUMER.MSG.NEXT."+s+".>",
			"$JS.API.CONSUMER.DELETE."+s+".>",
			"$JS.API.STREAM.PURGE."+s,
			"$JS.ACK."+s+".>",
		)
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: sub},
		Response:  &server.ResponsePermission{MaxMsgs: 1, Expires: time.Minute},
	}
}

// RunEmbedded starts the NATS server the manager of l embeds, with
// JetStream stored under <spool_dir>/<manager>/jetstream, and waits until
// it accepts connections.
func RunEmbedded(l *layout.Layout, o *ServerOptions) (*Server, error) {
	m := l.Manager()
	if m == nil {
		return nil, errors.New("transport: the layout has no manager to run the NATS server")
	}
	return RunServer(l, m.Name, o)
}

// RunServer starts a NATS server configured by ServerConfig(l, node, o)
// and waits until it accepts connections (and, in a cluster, until
// JetStream is ready is up to the caller).
func RunServer(l *layout.Layout, node string, o *ServerOptions) (*Server, error) {
	opts, err := ServerConfig(l, node, o)
	if err != nil {
		return nil, err
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("transport: NATS server: %w", err)
	}
	if o != nil && o.Log {
		s.ConfigureLogger()
	}
	s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("transport: NATS server on %s:%d did not start (is the port in use?)", opts.Host, opts.Port)
	}
	return &Server{s: s}, nil
}

// Addr returns the host:port the server accepts clients on.
func (s *Server) Addr() string {
	if a, ok := s.s.Addr().(*net.TCPAddr); ok {
		return a.String()
	}
	return ""
}

// ClientURL returns a URL clients can connect to.
func (s *Server) ClientURL() string { return s.s.ClientURL() }

// JetStreamReady reports whether JetStream is enabled and, in a cluster,
// has a meta leader.
func (s *Server) JetStreamReady() bool {
	return s.s.JetStreamEnabled() && (!s.s.JetStreamIsClustered() || s.s.JetStreamIsCurrent())
}

// Shutdown stops the server and waits until it has stopped.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}
