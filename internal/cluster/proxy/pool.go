package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
)

// ErrNoProxy is returned when no proxy is live.
var ErrNoProxy = errors.New("proxy: no live proxy")

// ErrNotReady is wrapped by Pool.Add's error when the owner is still
// taking its keys over from the other proxies; send the request again
// after a pause.
var ErrNotReady = errors.New("proxy: owner not ready")

// ErrNotOwner is wrapped by Pool.Add's error when the proxy the request
// went to does not own the key in its own view of the live proxies (the
// views differ while a proxy comes or goes); send the request again
// after a pause, to the owner computed then.
var ErrNotOwner = errors.New("proxy: not the owner")

// Pool is the client side of the proxy pool (Zeek's Cluster::proxy_pool):
// it sends each key to the live proxy that owns it.
type Pool struct {
	c *transport.Conn
}

// NewPool returns the pool as the node connected by c sees it.
func NewPool(c *transport.Conn) *Pool { return &Pool{c: c} }

// Owner returns the live proxy that owns key (rendezvous hashing over the
// live proxies, the same choice on every node), and false when no proxy
// is live.
func (p *Pool) Owner(key string) (string, bool) { return p.c.Owner(key, layout.Proxy) }

// Live returns the live proxies, sorted.
func (p *Pool) Live() []string { return p.c.Live(layout.Proxy) }

// Add sends req to the owner of req.Key and returns its answer, or an
// error when no proxy is live, the owner does not answer before ctx ends,
// is not ready (ErrNotReady) or not the owner in its own view
// (ErrNotOwner), or could not process the request. One attempt: the
// caller retries (the owner may have changed by then). req is the
// caller's; Add sets req.V.
func (p *Pool) Add(ctx context.Context, req *Request) (*Result, error) {
	owner, ok := p.Owner(req.Key)
	if !ok {
		return nil, ErrNoProxy
	}
	req.V = Version
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("proxy: encode request: %w", err)
	}
	m, err := p.c.Request(ctx, transport.To(owner, TopicAdd), b)
	if err != nil {
		return nil, fmt.Errorf("proxy: %s: %w", owner, err)
	}
	res, err := decodeResult(m.Data)
	if err != nil {
		return nil, err
	}
	switch res.Retry {
	case "":
	case RetryNotReady:
		return nil, fmt.Errorf("proxy: %s: %w", owner, ErrNotReady)
	default:
		return nil, fmt.Errorf("proxy: %s: %w", owner, ErrNotOwner)
	}
	if res.Error != "" {
		return nil, fmt.Errorf("proxy: %s: %s", owner, res.Error)
	}
	return res, nil
}

// OnChange calls f (on a goroutine of the connection; it must not block
// for long) each time a proxy comes up or goes down, so that ownership
// may have moved. The returned function stops the calls.
func (p *Pool) OnChange(f func(transport.Event)) (remove func()) {
	return p.c.OnChange(func(e transport.Event) {
		if e.Role == layout.Proxy {
			f(e)
		}
	})
}
