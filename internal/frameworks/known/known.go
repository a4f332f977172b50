package known

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

// ServiceKey identifies a service: Known::services is indexed by host and
// port.
type ServiceKey struct {
	Host zeek.Addr
	Port zeek.Port
}

// CertKey identifies a certificate offered by a host: Known::certs is
// indexed by host and the certificate's SHA-1 hash (hex).
type CertKey struct {
	Host zeek.Addr
	Hash string
}

// Conn is what the framework reads of a connection at
// connection_established, analyzer_confirmation_info and
// connection_state_remove. The caller fills it from its connection; the
// framework keeps nothing of it but UID (and only until ConnRemoved).
type Conn struct {
	// UID is the connection's uid; known-services remembers, by uid,
	// that a connection's service was handled at a confirmation, so that
	// its removal does not handle it again (c$known_services_done).
	UID [2]uint64
	// OrigH and RespH are the originator's and responder's addresses.
	OrigH, RespH zeek.Addr
	// RespP is the responder's port, with the transport protocol.
	RespP zeek.Port
	// OrigState and RespState are the endpoints' states (Zeek's
	// c$orig$state and c$resp$state): the constants of package conn,
	// conn.TCPEstablished … for TCP, conn.UDPActive for UDP.
	OrigState, RespState uint8
	// RespSYNACK reports an 'h' in the connection's history: the
	// responder sent a SYN-ACK.
	RespSYNACK bool
	// RespSize is c$resp$size (payload bytes the responder sent).
	RespSize uint64
	// Services is c$service, the confirmed protocols in order, with
	// "-NAME" for those confirmed and then violated when
	// DPD::track_removed_services_in_connection is set. Borrowed for the
	// call.
	Services []string
}

// Cert is what the framework reads at ssl_established of a connection
// whose server sent a certificate chain with a parsed first certificate
// (c$ssl$cert_chain[0]$x509). Borrowed for the call.
type Cert struct {
	// RespH and RespP are the server's address and port.
	RespH zeek.Addr
	RespP zeek.Port
	// FUID is the first certificate's file id.
	FUID string
	// SHA1 is the first certificate's SHA-1 hash in hex, "" when the
	// file had none (an error is reported then, as Zeek does).
	SHA1 string
	// Subject, Issuer and Serial are the certificate's subject, issuer
	// and serial as x509.log writes them.
	Subject, Issuer, Serial string
}

// Forwarder takes what a cluster worker finds that its own table did not
// know, for the proxy that owns the key (Zeek's Cluster::publish_hrw to
// the proxy pool, whose member then logs what is new cluster-wide). The
// framework calls it with its lock held: it must not block (queue the
// record). Records are passed by value; their slices belong to the
// receiver.
type Forwarder interface {
	ForwardHost(r HostsInfo)
	ForwardService(r ServicesInfo)
	ForwardCert(r CertsInfo, hash string)
}

// Env is what the framework needs from its node.
type Env struct {
	// Local is Site::is_local_addr; nil counts no address as local.
	Local func(zeek.Addr) bool
	// Logs are where records are written. On a cluster worker, which
	// forwards instead of logging, they are not used.
	Logs Logs
	// Forward, when set, makes this a cluster worker: finds go to the
	// proxies, and the local tables only spare them repeats.
	Forward Forwarder
	// Error reports what Zeek reports with Reporter::error (nil: dropped).
	Error func(now zeek.Time, msg string)
}

// Stats counts what the framework did.
type Stats struct {
	// Hosts, Services and Certs count records logged here.
	Hosts, Services, Certs uint64
	// Forwarded counts finds handed to the Forwarder.
	Forwarded uint64
	// Evicted counts live keys dropped from full tables.
	Evicted uint64
	// Unscheduled counts services without a protocol not queued for
	// their delayed commit because Config.MaxEntries already waited.
	Unscheduled uint64
}

// Framework is the three scripts' logic on one node: which connections
// show a host, a service or a certificate, and whether it is already
// known. It is safe for concurrent use: every analysis thread of a node
// calls one Framework.
type Framework struct {
	cfg      Config
	env      Env
	hostT    Tracking
	serviceT Tracking
	certT    Tracking

	mu       sync.Mutex
	hosts    *Table[zeek.Addr]
	services *Table[ServiceKey]
	certs    *Table[CertKey]
	done     map[[2]uint64]struct{}
	pending  []pendingService        // sorted by due
	waiting  map[ServiceKey]struct{} // the keys in pending
	nextDue  atomic.Int64            // due time of pending[0], MaxInt64 when none
	ending   bool                    // Finish ran: nothing more is scheduled
	stats    Stats
}

type pendingService struct {
	due  zeek.Time
	info ServicesInfo
}

// New returns a framework for the scripts cfg loads.
func New(cfg Config, env Env) (*Framework, error) {
	f := &Framework{cfg: cfg, env: env, done: map[[2]uint64]struct{}{}, waiting: map[ServiceKey]struct{}{}}
	for _, t := range []struct {
		name string
		v    string
		p    *Tracking
	}{
		{"Known::host_tracking", cfg.HostTracking, &f.hostT},
		{"Known::service_tracking", cfg.ServiceTracking, &f.serviceT},
		{"Known::cert_tracking", cfg.CertTracking, &f.certT},
	} {
		if !slices.Contains(trackingNames, t.v) {
			return nil, fmt.Errorf("known: %s: %q is not one of LOCAL_HOSTS, REMOTE_HOSTS, ALL_HOSTS, NO_HOSTS", t.name, t.v)
		}
		*t.p = Tracking(t.v)
	}
	f.hosts = NewTable[zeek.Addr](cfg.HostStoreExpiry, cfg.MaxEntries)
	f.services = NewTable[ServiceKey](cfg.ServiceStoreExpiry, cfg.MaxEntries)
	f.certs = NewTable[CertKey](cfg.CertStoreExpiry, cfg.MaxEntries)
	f.nextDue.Store(math.MaxInt64)
	return f, nil
}

// Stats returns the counters so far.
func (f *Framework) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Evicted = f.hosts.Evicted + f.services.Evicted + f.certs.Evicted
	return s
}

func (f *Framework) local(a zeek.Addr) bool { return f.env.Local != nil && f.env.Local(a) }

// ConnEstablished is known-hosts' connection_established handler: when
// both endpoints of a TCP connection are established, each tracked
// address (originator first) is a host found at now.
func (f *Framework) ConnEstablished(now zeek.Time, c *Conn) {
	if !f.cfg.Hosts || f.hostT == NoHosts {
		return
	}
	if c.OrigState != conn.TCPEstablished || c.RespState != conn.TCPEstablished {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hostT.Matches(f.local(c.OrigH)) {
		f.hostFound(now, c.OrigH)
	}
	if c.RespH != c.OrigH && f.hostT.Matches(f.local(c.RespH)) {
		f.hostFound(now, c.RespH)
	}
}

// hostFound is Known::host_found and, on this node, known_host_add.
func (f *Framework) hostFound(now zeek.Time, host zeek.Addr) {
	if f.hosts.Has(now, host) {
		return
	}
	r := HostsInfo{TS: now, Host: host}
	if f.env.Forward != nil {
		f.env.Forward.ForwardHost(r)
		f.stats.Forwarded++
	}
	if _, created := f.hosts.Add(now, host); created && f.env.Forward == nil {
		f.stats.Hosts++
		f.env.Logs.host(&r)
	}
}

// AnalyzerConfirmed is known-services' analyzer_confirmation_info handler
// (priority -5): call it after a protocol of c is confirmed and added to
// its services (packet analyzers' confirmations included).
func (f *Framework) AnalyzerConfirmed(now zeek.Time, c *Conn) {
	if !f.cfg.Services || f.serviceT == NoHosts {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.servicesDone(now, c, true)
}

// ConnRemoved is known-services' connection_state_remove handler
// (priority -5): call it for every connection as it ends, before it is
// reused. A connection whose service was handled at a confirmation is
// not handled again.
func (f *Framework) ConnRemoved(now zeek.Time, c *Conn) {
	if !f.cfg.Services || f.serviceT == NoHosts {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.done[c.UID]; ok {
		delete(f.done, c.UID)
		return
	}
	f.servicesDone(now, c, false)
}

// servicesDone is known_services_done.
func (f *Framework) servicesDone(now zeek.Time, c *Conn, confirmed bool) {
	if !f.serviceT.Matches(f.local(c.RespH)) {
		return
	}
	if len(c.Services) == 1 {
		if c.Services[0] == "ftp-data" {
			return // data connections of FTP are not services
		}
		if c.Services[0] == "DNS" && c.RespSize == 0 {
			return // a DNS server must talk
		}
	}
	if !f.activeService(c) {
		// Too early at a confirmation: the removal checks again.
		return
	}
	if confirmed {
		f.done[c.UID] = struct{}{}
	}
	services := make([]string, 0, max(1, len(c.Services)))
	for _, s := range c.Services {
		if s != "" && s[0] != '-' {
			services = append(services, s)
		}
	}
	r := ServicesInfo{TS: now, Host: c.RespH, PortNum: c.RespP, PortProto: c.RespP.Proto, Service: services}
	if len(c.Services) == 0 {
		// No protocol yet: wait in case another connection finds one.
		r.Service = append(r.Service, "")
		f.schedule(now.Add(f.cfg.UnnamedServiceDelay), r)
		return
	}
	f.serviceCommit(now, r)
}

// activeService is has_active_service.
func (f *Framework) activeService(c *Conn) bool {
	switch c.RespP.Proto {
	case zeek.ProtoTCP:
		switch c.RespState {
		case conn.TCPEstablished, conn.TCPClosed, conn.TCPPartial:
			return true
		}
		return c.RespSYNACK
	case zeek.ProtoUDP:
		if f.cfg.ServiceUDPRequiresResponse {
			return c.RespState == conn.UDPActive
		}
		return true
	}
	return false // ICMP and others are not services
}

// serviceCommit is service_info_commit and, on this node,
// known_service_add. r.Service becomes the framework's.
func (f *Framework) serviceCommit(now zeek.Time, r ServicesInfo) {
	key := ServiceKey{r.Host, r.PortNum}
	if f.services.Has(now, key, r.Service...) {
		return
	}
	if f.env.Forward != nil {
		fr := r
		fr.Service = slices.Clone(r.Service)
		f.env.Forward.ForwardService(fr)
		f.stats.Forwarded++
	}
	added, created := f.services.Add(now, key, r.Service...)
	if f.env.Forward == nil && (created || len(added) > 0) {
		// Only the services not known before.
		r.Service = added
		if r.Service == nil {
			r.Service = []string{}
		}
		f.stats.Services++
		f.env.Logs.service(&r)
	}
}

// schedule queues a commit for due. Once the node is terminating
// nothing is scheduled any more, as Zeek's schedule statement does
// nothing then.
//
// A service whose host and port already wait is not queued again: the
// first commit adds the empty name, so the later one could log nothing
// (this bounds the queue by the number of distinct services, where Zeek
// schedules one event per connection).
func (f *Framework) schedule(due zeek.Time, r ServicesInfo) {
	if f.ending {
		return
	}
	key := ServiceKey{r.Host, r.PortNum}
	if _, ok := f.waiting[key]; ok {
		return
	}
	if len(f.pending) >= f.services.Max {
		f.stats.Unscheduled++
		return
	}
	f.waiting[key] = struct{}{}
	i, _ := slices.BinarySearchFunc(f.pending, due, func(p pendingService, t zeek.Time) int {
		if p.due <= t {
			return -1 // after those due at the same time
		}
		return 1
	})
	f.pending = slices.Insert(f.pending, i, pendingService{due, r})
	f.nextDue.Store(int64(f.pending[0].due))
}

// Advance runs the commits that are due at network time now (Zeek's
// scheduled service_info_commit events). Call it as time advances; it
// costs one atomic load when nothing is due.
func (f *Framework) Advance(now zeek.Time) {
	if int64(now) < f.nextDue.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runDue(now, false)
}

// Finish runs every pending commit, as Zeek expires all timers when it
// terminates; now is the network time at the end. Call it once the input
// has ended and before the connections still open are flushed: Zeek
// removes those while terminating, when a service without a name can no
// longer be scheduled, so it is not logged.
func (f *Framework) Finish(now zeek.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ending = true
	f.runDue(now, true)
}

func (f *Framework) runDue(now zeek.Time, all bool) {
	n := 0
	for n < len(f.pending) && (all || f.pending[n].due <= now) {
		n++
	}
	due := slices.Clone(f.pending[:n])
	f.pending = slices.Delete(f.pending, 0, n)
	for _, p := range due {
		delete(f.waiting, ServiceKey{p.info.Host, p.info.PortNum})
	}
	if len(f.pending) > 0 {
		f.nextDue.Store(int64(f.pending[0].due))
	} else {
		f.nextDue.Store(math.MaxInt64)
	}
	for _, p := range due {
		f.serviceCommit(max(now, p.due), p.info)
	}
}

// SSLEstablished is known-certs' ssl_established handler: call it when an
// SSL/TLS connection is established and its server sent a certificate
// chain whose first certificate was parsed.
func (f *Framework) SSLEstablished(now zeek.Time, c *Cert) {
	if !f.cfg.Certs {
		return
	}
	if c.SHA1 == "" {
		if f.env.Error != nil {
			f.env.Error(now, "Certificate with fuid "+c.FUID+" did not contain sha1 hash when checking for known certs. Aborting")
		}
		return
	}
	if !f.certT.Matches(f.local(c.RespH)) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := CertKey{c.RespH, c.SHA1}
	if f.certs.Has(now, key) {
		return
	}
	r := CertsInfo{
		TS: now, Host: c.RespH, PortNum: zeek.Some(c.RespP),
		Subject: zeek.Some(c.Subject), IssuerSubject: zeek.Some(c.Issuer), Serial: zeek.Some(c.Serial),
	}
	if f.env.Forward != nil {
		f.env.Forward.ForwardCert(r, c.SHA1)
		f.stats.Forwarded++
	}
	if _, created := f.certs.Add(now, key); created && f.env.Forward == nil {
		f.stats.Certs++
		f.env.Logs.cert(&r)
	}
}

// Reset forgets what the node's tables know, as Zeek's workers do when a
// cluster node comes or goes (the proxy that owns a key may have changed,
// so finds are sent again). Pending commits stay.
func (f *Framework) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hosts.Reset()
	f.services.Reset()
	f.certs.Reset()
}

// Forget drops one key from this node's table, so that the next find of
// it is forwarded again (a Forwarder that could not deliver a find calls
// it). kind is HostsLogPath, ServicesLogPath or CertsLogPath.
func (f *Framework) Forget(kind string, host zeek.Addr, port zeek.Port, hash string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch kind {
	case HostsLogPath:
		f.hosts.Delete(host)
	case ServicesLogPath:
		f.services.Delete(ServiceKey{host, port})
	case CertsLogPath:
		f.certs.Delete(CertKey{host, hash})
	}
}
