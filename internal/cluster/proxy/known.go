package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/zeek"
)

// knownRecord is the Record of the known_* tables' requests: what the
// proxy needs besides the key and time to write the log record.
type knownRecord struct {
	Host    string `json:"host"`
	Port    uint16 `json:"port,omitempty"`
	Proto   string `json:"proto,omitempty"`
	Subject string `json:"subject,omitempty"`
	Issuer  string `json:"issuer_subject,omitempty"`
	Serial  string `json:"serial,omitempty"`
}

// HostKey, ServiceKey and CertKey are the pool keys of the known_* tables
// (the host; the host and port; the host and certificate hash), as
// Zeek's scripts key Cluster::publish_hrw.
func HostKey(h zeek.Addr) string { return h.String() }

// ServiceKey is the key of a service: "<host> <port>/<proto>".
func ServiceKey(h zeek.Addr, p zeek.Port) string {
	return h.String() + " " + strconv.Itoa(int(p.Num)) + "/" + p.Proto.String()
}

// CertKey is the key of a certificate: "<host> <sha1>".
func CertKey(h zeek.Addr, hash string) string { return h.String() + " " + hash }

// ForwarderOptions tunes a KnownForwarder.
type ForwarderOptions struct {
	// Queue bounds the finds waiting to be sent, 65536. A find that does
	// not fit is dropped and forgotten, so the next sighting sends it.
	Queue int
	// Senders is the number of requests in flight, 8.
	Senders int
	// Timeout is how long one attempt waits for the owner, 2 s.
	Timeout time.Duration
	// RetryFor is how long a find is retried (while no proxy is live, or
	// the owner does not answer) before it is given up and forgotten,
	// 30 s.
	RetryFor time.Duration
	// Warn receives one-line warnings; nil drops them.
	Warn func(string)
}

// ForwarderStats counts what a KnownForwarder did.
type ForwarderStats struct {
	// Sent counts finds the owner answered for, New those it found new.
	Sent, New uint64
	// Retries counts attempts after the first.
	Retries uint64
	// Lost counts finds given up (forgotten, so sent again when seen
	// again), Dropped those that did not fit in the queue.
	Lost, Dropped uint64
	// Queued is the number of finds waiting now.
	Queued uint64
}

// KnownForwarder is a cluster worker's known.Forwarder: it sends each
// find to the proxy that owns its key, which logs it when it is new to
// the cluster. Attach it to the worker's framework so that the worker
// resends everything when the proxies change (as Zeek's workers clear
// their tables on Cluster::node_up and node_down) and resends what it
// could not deliver.
type KnownForwarder struct {
	pool *Pool
	opts ForwarderOptions
	q    chan item
	fw   atomic.Pointer[known.Framework]
	stop chan struct{}
	wg   sync.WaitGroup
	busy atomic.Int64 // items queued or in flight
	rm   func()

	sent, news, retries, lost, dropped atomic.Uint64
}

var _ known.Forwarder = (*KnownForwarder)(nil)

type item struct {
	req    Request
	forget func(fw *known.Framework)
	since  time.Time
}

// NewKnownForwarder starts a forwarder over pool.
func NewKnownForwarder(pool *Pool, o *ForwarderOptions) *KnownForwarder {
	var opts ForwarderOptions
	if o != nil {
		opts = *o
	}
	if opts.Queue <= 0 {
		opts.Queue = 1 << 16
	}
	if opts.Senders <= 0 {
		opts.Senders = 8
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = 30 * time.Second
	}
	if opts.Warn == nil {
		opts.Warn = func(string) {}
	}
	k := &KnownForwarder{pool: pool, opts: opts, q: make(chan item, opts.Queue), stop: make(chan struct{})}
	k.rm = pool.OnChange(func(transport.Event) {
		if fw := k.fw.Load(); fw != nil {
			fw.Reset()
		}
	})
	for range opts.Senders {
		k.wg.Add(1)
		go k.run()
	}
	return k
}

// Attach gives the forwarder the framework it serves (made with the
// forwarder as its Env.Forward).
func (k *KnownForwarder) Attach(fw *known.Framework) { k.fw.Store(fw) }

// Stats returns the counters so far.
func (k *KnownForwarder) Stats() ForwarderStats {
	return ForwarderStats{Sent: k.sent.Load(), New: k.news.Load(), Retries: k.retries.Load(),
		Lost: k.lost.Load(), Dropped: k.dropped.Load(), Queued: uint64(len(k.q))}
}

// Drain waits until every queued find has been answered or given up, or
// ctx ends.
func (k *KnownForwarder) Drain(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for k.busy.Load() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			return fmt.Errorf("proxy: %d finds still unsent: %w", k.busy.Load(), ctx.Err())
		}
	}
	return nil
}

// Close stops the forwarder; finds still queued are dropped.
func (k *KnownForwarder) Close() {
	select {
	case <-k.stop:
		return
	default:
	}
	close(k.stop)
	k.rm()
	k.wg.Wait()
}

func (k *KnownForwarder) enqueue(it item) {
	it.since = time.Now()
	k.busy.Add(1)
	select {
	case k.q <- it:
	default:
		k.busy.Add(-1)
		k.dropped.Add(1)
		// The framework's lock is held by our caller: forget later.
		if fw := k.fw.Load(); fw != nil {
			go it.forget(fw)
		}
	}
}

// ForwardHost implements known.Forwarder.
func (k *KnownForwarder) ForwardHost(r known.HostsInfo) {
	rec, _ := json.Marshal(knownRecord{Host: r.Host.String()})
	host := r.Host
	k.enqueue(item{
		req:    Request{Table: known.HostsLogPath, Key: HostKey(host), TS: int64(r.TS), Record: rec},
		forget: func(fw *known.Framework) { fw.Forget(known.HostsLogPath, host, zeek.Port{}, "") },
	})
}

// ForwardService implements known.Forwarder.
func (k *KnownForwarder) ForwardService(r known.ServicesInfo) {
	rec, _ := json.Marshal(knownRecord{Host: r.Host.String(), Port: r.PortNum.Num, Proto: r.PortNum.Proto.String()})
	host, port := r.Host, r.PortNum
	k.enqueue(item{
		req:    Request{Table: known.ServicesLogPath, Key: ServiceKey(host, port), Members: r.Service, TS: int64(r.TS), Record: rec},
		forget: func(fw *known.Framework) { fw.Forget(known.ServicesLogPath, host, port, "") },
	})
}

// ForwardCert implements known.Forwarder.
func (k *KnownForwarder) ForwardCert(r known.CertsInfo, hash string) {
	kr := knownRecord{Host: r.Host.String(), Subject: r.Subject.V, Issuer: r.IssuerSubject.V, Serial: r.Serial.V}
	if r.PortNum.Set {
		kr.Port, kr.Proto = r.PortNum.V.Num, r.PortNum.V.Proto.String()
	}
	rec, _ := json.Marshal(kr)
	host := r.Host
	k.enqueue(item{
		req:    Request{Table: known.CertsLogPath, Key: CertKey(host, hash), TS: int64(r.TS), Record: rec},
		forget: func(fw *known.Framework) { fw.Forget(known.CertsLogPath, host, zeek.Port{}, hash) },
	})
}

func (k *KnownForwarder) run() {
	defer k.wg.Done()
	for {
		select {
		case <-k.stop:
			return
		case it := <-k.q:
			k.deliver(&it)
			k.busy.Add(-1)
		}
	}
}

// deliver sends one find, retrying until it is answered or too old: an
// owner that is not ready or not the owner (in its view) is asked again
// soon, since a hand-over or a change of view takes a moment.
func (k *KnownForwarder) deliver(it *item) {
	wait := 25 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			k.retries.Add(1)
		}
		ctx, cancel := context.WithTimeout(context.Background(), k.opts.Timeout)
		res, err := k.pool.Add(ctx, &it.req)
		cancel()
		if err == nil {
			k.sent.Add(1)
			if res.New() {
				k.news.Add(1)
			}
			return
		}
		if time.Since(it.since) > k.opts.RetryFor {
			k.lost.Add(1)
			k.opts.Warn(fmt.Sprintf("proxy: giving up %s %q after %v: %v", it.req.Table, it.req.Key, k.opts.RetryFor, err))
			if fw := k.fw.Load(); fw != nil {
				it.forget(fw)
			}
			return
		}
		select {
		case <-k.stop:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// ServeKnown registers the known_* tables with a proxy's server: what is
// new to the cluster is written to logs (the proxy's streams, which the
// log shipping carries to the logger), with the expiries of cfg. Only the
// tables of the loaded scripts are served.
func ServeKnown(s *Server, cfg *known.Config, logs known.Logs) {
	if cfg.Hosts {
		s.Handle(known.HostsLogPath, cfg.HostStoreExpiry, func(req *Request, _ []string, created bool) {
			var kr knownRecord
			h, ok := decodeKnown(req, &kr)
			if !ok || !created || logs.Hosts == nil {
				return
			}
			_ = logs.Hosts.Write(&known.HostsInfo{TS: zeek.Time(req.TS), Host: h})
		})
	}
	if cfg.Services {
		s.Handle(known.ServicesLogPath, cfg.ServiceStoreExpiry, func(req *Request, added []string, _ bool) {
			var kr knownRecord
			h, ok := decodeKnown(req, &kr)
			if !ok || logs.Services == nil {
				return
			}
			port := zeek.Port{Num: kr.Port, Proto: protoOf(kr.Proto)}
			if added == nil {
				added = []string{}
			}
			_ = logs.Services.Write(&known.ServicesInfo{TS: zeek.Time(req.TS), Host: h,
				PortNum: port, PortProto: port.Proto, Service: added})
		})
	}
	if cfg.Certs {
		s.Handle(known.CertsLogPath, cfg.CertStoreExpiry, func(req *Request, _ []string, created bool) {
			var kr knownRecord
			h, ok := decodeKnown(req, &kr)
			if !ok || !created || logs.Certs == nil {
				return
			}
			r := known.CertsInfo{TS: zeek.Time(req.TS), Host: h,
				Subject: zeek.Some(kr.Subject), IssuerSubject: zeek.Some(kr.Issuer), Serial: zeek.Some(kr.Serial)}
			if kr.Proto != "" {
				r.PortNum = zeek.Some(zeek.Port{Num: kr.Port, Proto: protoOf(kr.Proto)})
			}
			_ = logs.Certs.Write(&r)
		})
	}
}

func decodeKnown(req *Request, kr *knownRecord) (zeek.Addr, bool) {
	if err := json.Unmarshal(req.Record, kr); err != nil {
		return zeek.Addr{}, false
	}
	h, err := netip.ParseAddr(kr.Host)
	return h, err == nil
}

func protoOf(s string) zeek.Proto {
	for _, p := range []zeek.Proto{zeek.ProtoTCP, zeek.ProtoUDP, zeek.ProtoICMP} {
		if p.String() == s {
			return p
		}
	}
	return zeek.ProtoUnknown
}
