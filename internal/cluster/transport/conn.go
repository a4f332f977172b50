package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/layout"
)

// ErrNotConnected is wrapped by the errors of Publish and Request while
// the node has no connection to a NATS server.
var ErrNotConnected = errors.New("transport: not connected to NATS")

// Options tunes a connection. The zero value (or nil) gives the defaults.
type Options struct {
	// HeartbeatInterval is how often the node publishes its heartbeat,
	// 1 s.
	HeartbeatInterval time.Duration
	// DownAfter is how long without a heartbeat makes a node down, 3 s.
	DownAfter time.Duration
	// URLs, when set, replace the servers the layout names.
	URLs []string
	// ReconnectWait is the pause between reconnection attempts, 250 ms.
	ReconnectWait time.Duration
	// Warn receives one-line warnings (a permission violation, a lost
	// connection); nil prints them on standard error.
	Warn func(string)
}

func (o *Options) fill() {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = time.Second
	}
	if o.DownAfter <= 0 {
		o.DownAfter = 3 * o.HeartbeatInterval
	}
	if o.ReconnectWait <= 0 {
		o.ReconnectWait = 250 * time.Millisecond
	}
	if o.Warn == nil {
		o.Warn = func(s string) { fmt.Fprintln(os.Stderr, s) }
	}
}

// Conn is a node's connection to the cluster. Its methods may be called
// from any goroutine.
type Conn struct {
	l      *layout.Layout
	node   *layout.Node
	prefix string // "<cluster>."
	opts   Options
	boot   int64

	nc *nats.Conn
	js jetstream.JetStream

	permErrs atomic.Uint64
	lastPerm atomic.Pointer[error]

	live    liveness
	hbSub   *nats.Subscription
	stop    chan struct{}
	wg      sync.WaitGroup
	settled chan struct{}
	once    sync.Once
	kick    chan struct{} // asks beat for a heartbeat now
}

// Connect connects node of layout l to the cluster's NATS servers: the
// layout's nats.servers, or else the manager's embedded server at
// nats.embedded.listen (an unspecified host there means the manager's
// host). It authenticates with the node's user and password and uses TLS
// as the layout asks, starts the heartbeats and follows the others'.
// When no server answers yet, Connect returns a connection that keeps
// trying in the background.
func Connect(l *layout.Layout, node string, o *Options) (*Conn, error) {
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.fill()
	n, err := l.Node(node)
	if err != nil {
		return nil, err
	}
	urls := opts.URLs
	if len(urls) == 0 {
		if urls, err = serverURLs(l); err != nil {
			return nil, err
		}
	}
	tc, err := ClientTLS(l, node)
	if err != nil {
		return nil, err
	}
	c := &Conn{
		l: l, node: n, prefix: l.Cluster + ".", opts: opts,
		boot:    time.Now().UnixNano(),
		stop:    make(chan struct{}),
		settled: make(chan struct{}),
		kick:    make(chan struct{}, 1),
	}
	c.live.init(c)
	nopts := []nats.Option{
		nats.Name(l.Cluster + "/" + node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(opts.ReconnectWait),
		nats.ReconnectJitter(50*time.Millisecond, 100*time.Millisecond),
		nats.ReconnectBufSize(-1), // fail publishes while disconnected: callers spool
		nats.CustomInboxPrefix(inboxPrefix(l.Cluster, node)),
		nats.Timeout(5 * time.Second),
		nats.PingInterval(5 * time.Second),
		nats.MaxPingsOutstanding(3),
		nats.ErrorHandler(c.asyncError),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				c.opts.Warn(fmt.Sprintf("transport: %s: lost the NATS connection: %v; reconnecting", node, err))
			}
		}),
		nats.ConnectHandler(func(*nats.Conn) { c.connected() }),
		nats.ReconnectHandler(func(*nats.Conn) { c.connected() }),
	}
	if n.User != "" {
		nopts = append(nopts, nats.UserInfo(n.User, n.Password))
	}
	if tc != nil {
		nopts = append(nopts, nats.Secure(tc))
	}
	url := strings.Join(urls, ",")
	nc, err := nats.Connect(url, nopts...)
	if err != nil {
		if fatalConnectError(err) {
			return nil, fmt.Errorf("transport: node %s: NATS at %s refused the connection: %w", node, url, err)
		}
		// With TLS 1.3 a server refuses a client's certificate after
		// the client's side of the handshake is done, and the refusal
		// can be lost in a reset; ask each server again, only reading.
		if tc != nil && len(tc.Certificates) > 0 {
			for _, u := range urls {
				if perr := probeTLS(u, tc); perr != nil && fatalConnectError(perr) {
					return nil, fmt.Errorf("transport: node %s: NATS at %s refused the connection: %w", node, u, perr)
				}
			}
		}
		nc, err = nats.Connect(url, append(nopts, nats.RetryOnFailedConnect(true))...)
		if err != nil {
			return nil, fmt.Errorf("transport: node %s: NATS at %s: %w", node, url, err)
		}
	}
	c.nc = nc
	if c.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("transport: node %s: jetstream: %w", node, err)
	}
	if c.hbSub, err = nc.Subscribe(c.prefix+PrefixHeartbeat+".*", c.live.heartbeat); err != nil {
		nc.Close()
		return nil, fmt.Errorf("transport: node %s: subscribe to heartbeats: %w", node, err)
	}
	if nc.IsConnected() {
		c.connected()
	}
	c.wg.Add(2)
	go c.beat()
	go c.live.run()
	return c, nil
}

// serverURLs returns the URLs of the layout's NATS servers.
func serverURLs(l *layout.Layout) ([]string, error) {
	if len(l.NATS.Servers) > 0 {
		return l.NATS.Servers, nil
	}
	if l.NATS.Embedded == nil {
		return nil, errors.New(`transport: the layout names no NATS server (give nats.embedded or nats.servers)`)
	}
	host, port, err := net.SplitHostPort(l.NATS.Embedded.Listen)
	if err != nil {
		return nil, fmt.Errorf("transport: nats.embedded.listen %q: %w", l.NATS.Embedded.Listen, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if m := l.Manager(); m != nil && m.Host != "" {
			host = m.Host
		}
	}
	return []string{"nats://" + net.JoinHostPort(host, port)}, nil
}

// fatalConnectError reports whether err is one that retrying cannot fix:
// refused credentials or certificates.
func fatalConnectError(err error) bool {
	if errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || errors.Is(err, nats.ErrAccountAuthExpired) {
		return true
	}
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	if errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn) {
		return true
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "authorization violation") || strings.Contains(s, "tls:") ||
		strings.Contains(s, "x509:") || strings.Contains(s, "secure connection")
}

func (c *Conn) connected() {
	c.once.Do(func() {
		go func() {
			// Settled once the node has had the time to hear every live
			// node's heartbeat.
			select {
			case <-time.After(c.opts.HeartbeatInterval * 3 / 2):
				close(c.settled)
			case <-c.stop:
			}
		}()
	})
	select { // be seen at once
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Conn) asyncError(_ *nats.Conn, _ *nats.Subscription, err error) {
	if err == nil {
		return
	}
	if errors.Is(err, nats.ErrPermissionViolation) || strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		c.permErrs.Add(1)
		c.lastPerm.Store(&err)
		c.opts.Warn(fmt.Sprintf("transport: %s: %v", c.node.Name, err))
		return
	}
	c.opts.Warn(fmt.Sprintf("transport: %s: %v", c.node.Name, err))
}

// PermissionErrors returns how many permission violations the server has
// reported for this connection (a publish or subscription the node's
// role may not make) and the last one.
func (c *Conn) PermissionErrors() (uint64, error) {
	var last error
	if p := c.lastPerm.Load(); p != nil {
		last = *p
	}
	return c.permErrs.Load(), last
}

// Layout returns the layout the connection was made from.
func (c *Conn) Layout() *layout.Layout { return c.l }

// Name returns the node's name.
func (c *Conn) Name() string { return c.node.Name }

// Role returns the node's role.
func (c *Conn) Role() layout.Role { return c.node.Type }

// Cluster returns the cluster's name, the prefix of every subject.
func (c *Conn) Cluster() string { return c.l.Cluster }

// Boot returns when this connection's node started (Unix nanoseconds),
// as its heartbeats carry it.
func (c *Conn) Boot() int64 { return c.boot }

// Subject returns the full NATS subject of a subject relative to the
// cluster: "<cluster>.<rel>".
func (c *Conn) Subject(rel string) string { return c.prefix + rel }

// Own returns the subject on which this node tells the others about
// topic: "node.<node>.<topic>".
func (c *Conn) Own(topic string) string {
	return PrefixNode + "." + Token(c.node.Name) + "." + topic
}

// Connected reports whether the node is connected to a NATS server now.
func (c *Conn) Connected() bool { return c.nc.IsConnected() }

// Settled is closed once the node has been connected long enough to have
// heard the heartbeat of every live node (1.5 heartbeat intervals after
// the first connection). Owners computed before then may be wrong.
func (c *Conn) Settled() <-chan struct{} { return c.settled }

// NATS returns the underlying NATS connection.
func (c *Conn) NATS() *nats.Conn { return c.nc }

// JetStream returns the JetStream context of the connection.
func (c *Conn) JetStream() jetstream.JetStream { return c.js }

// Publish sends payload on subject (relative to the cluster). It returns
// once the message is buffered for sending; an error wrapping
// ErrNotConnected while disconnected. The server may still refuse the
// subject: PermissionErrors counts those refusals. The caller keeps
// payload.
func (c *Conn) Publish(subject string, payload []byte) error {
	if !c.nc.IsConnected() {
		return fmt.Errorf("transport: publish %s: %w", subject, ErrNotConnected)
	}
	if err := c.nc.Publish(c.prefix+subject, payload); err != nil {
		if errors.Is(err, nats.ErrReconnectBufExceeded) {
			err = ErrNotConnected
		}
		return fmt.Errorf("transport: publish %s: %w", subject, err)
	}
	return nil
}

// Msg is a received message.
type Msg struct {
	// Subject is the subject relative to the cluster.
	Subject string
	// From is the node named by the subject of the hb, node and log
	// families (the sender), or of the to family (the addressee); "" for
	// others.
	From string
	// Data is the payload; the handler owns it.
	Data []byte

	reply string
	c     *Conn
}

// Respond answers a message sent with Request.
func (m *Msg) Respond(payload []byte) error {
	if m.reply == "" {
		return errors.New("transport: respond: the message is not a request")
	}
	if err := m.c.nc.Publish(m.reply, payload); err != nil {
		return fmt.Errorf("transport: respond: %w", err)
	}
	return nil
}

// Handler handles a received message. The handlers of one subscription
// run one at a time, in the order the messages arrived.
type Handler func(m *Msg)

// Subscription is an active subscription.
type Subscription struct {
	s *nats.Subscription
}

// Unsubscribe ends the subscription.
func (s *Subscription) Unsubscribe() error { return s.s.Unsubscribe() }

// Subscribe calls h for each message on subjects matching pattern,
// relative to the cluster, with NATS wildcards: "*" matches one token,
// a final ">" one or more ("node.*.notice", "manager.>"). The
// subscription survives reconnections.
func (c *Conn) Subscribe(pattern string, h Handler) (*Subscription, error) {
	s, err := c.nc.Subscribe(c.prefix+pattern, func(m *nats.Msg) {
		h(c.msg(m))
	})
	if err != nil {
		return nil, fmt.Errorf("transport: subscribe %s: %w", pattern, err)
	}
	s.SetPendingLimits(1<<16, 256<<20)
	return &Subscription{s: s}, nil
}

func (c *Conn) msg(m *nats.Msg) *Msg {
	rel := strings.TrimPrefix(m.Subject, c.prefix)
	from := fromOf(rel)
	if from == "" && strings.HasPrefix(rel, PrefixTo+".") {
		tok, _, _ := strings.Cut(rel[len(PrefixTo)+1:], ".")
		from, _ = Untoken(tok)
	}
	return &Msg{Subject: rel, From: from, Data: m.Data, reply: m.Reply, c: c}
}

// Request sends payload on subject and waits for one answer until ctx
// ends.
func (c *Conn) Request(ctx context.Context, subject string, payload []byte) (*Msg, error) {
	if !c.nc.IsConnected() {
		return nil, fmt.Errorf("transport: request %s: %w", subject, ErrNotConnected)
	}
	m, err := c.nc.RequestWithContext(ctx, c.prefix+subject, payload)
	if err != nil {
		return nil, fmt.Errorf("transport: request %s: %w", subject, err)
	}
	return c.msg(m), nil
}

// Flush waits until the server has processed everything published so
// far (a round trip), or ctx ends; a ctx without a deadline is given one
// of 10 s.
func (c *Conn) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	if err := c.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("transport: flush: %w", err)
	}
	return nil
}

// Close says goodbye (the others see the node down at once), stops the
// heartbeats and closes the connection.
func (c *Conn) Close() error {
	select {
	case <-c.stop:
		return nil
	default:
	}
	close(c.stop)
	c.wg.Wait()
	if c.nc.IsConnected() {
		c.publishHeartbeat(true)
		c.nc.FlushTimeout(time.Second)
	}
	c.nc.Close()
	c.live.close()
	return nil
}
