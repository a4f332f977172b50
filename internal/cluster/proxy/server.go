package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/zeek"
)

// NewFunc is told about what a request brought that is new to the
// cluster: the members added (a new slice the function may keep) and
// whether the key itself was created. The request, with its Record, is
// the function's. It is the place where a proxy logs (known_hosts.log …).
// It runs on one of the server's goroutines and must not block for long.
type NewFunc func(req *Request, added []string, created bool)

// ServerOptions tunes a Server. The zero value gives the defaults.
type ServerOptions struct {
	// ReplicaTimeout is how long a proxy waits for another's answer to
	// a replica batch, 2 s. An owner whose backup does not answer (and
	// whose next backup does not either) counts the request as new.
	ReplicaTimeout time.Duration
	// PullTimeout bounds one hand-over request to another proxy (which
	// answers once it has sent every key), 20 s.
	PullTimeout time.Duration
	// ReadyTimeout bounds the hand-over at start: a proxy that has not
	// heard from every live proxy by then serves anyway, warns and
	// counts it in ServerStats.IncompleteHandovers, 60 s.
	ReadyTimeout time.Duration
	// MaxInFlight bounds the requests being replicated at once, 256.
	MaxInFlight int
	// MaxEntries bounds each table (0: known.DefaultMaxEntries).
	MaxEntries int
	// Warn receives one-line warnings; nil drops them.
	Warn func(string)
}

// ServerStats counts what a server did.
type ServerStats struct {
	// Requests counts check-and-insert requests received, and New those
	// that were new to the cluster.
	Requests, New uint64
	// Refused counts requests answered with a retry (not ready, not the
	// owner).
	Refused uint64
	// Replicated counts entries sent to other proxies; ReplicaFailures
	// the batches that got no answer.
	Replicated, ReplicaFailures uint64
	// ReplicasReceived counts entries received from other proxies.
	ReplicasReceived uint64
	// Resyncs counts re-replications after a proxy went down.
	Resyncs uint64
	// Pulls counts the hand-over requests this proxy answered, and
	// Pulled the keys it received in its own hand-over.
	Pulls, Pulled uint64
	// IncompleteHandovers is 1 when the proxy started serving without
	// having heard from every live proxy (ServerOptions.ReadyTimeout).
	IncompleteHandovers uint64
	// Keys is the number of keys held, over all tables.
	Keys uint64
}

// Server is a proxy's side of the pool: it owns the keys that rendezvous
// hashing gives it among the live proxies, answers check-and-insert
// requests for them, keeps a copy of the keys of which it is the backup
// (the second choice), and calls each table's NewFunc for what is new to
// the cluster. When it starts, it takes over its keys from the other
// proxies before it answers (the hand-over, described in the package
// documentation and docs/format/proxy.md). Register the tables with
// Handle, then Start.
type Server struct {
	c    *transport.Conn
	opts ServerOptions

	// mu guards the tables. Lock order: mu before the transport's own
	// locks (Live is called with mu held).
	mu     sync.Mutex
	tables map[string]*table
	// pending counts, per table and key ("<table>\x00<key>"), this
	// proxy's check-and-inserts in flight (inserted, not yet confirmed
	// and logged).
	pending map[string]int
	// marks records keys that this proxy first learned from a copy of
	// another owner's in-flight check-and-insert: that owner's
	// confirmation is answered as new (the copy is its own insert, not
	// a logged key).
	marks map[string]mark

	ready  atomic.Bool
	readyc chan struct{}

	subs  []*transport.Subscription
	unwat func()
	sem   chan struct{}
	// spawnMu orders spawn's wg.Add before Close's wg.Wait.
	spawnMu sync.Mutex
	stopped bool
	wg      sync.WaitGroup
	closed  chan struct{}
	ctx     context.Context // ends at Close: bounds the requests to peers
	cancel  context.CancelFunc

	requests, news, refused, replicated, replicaFailures, replicasReceived atomic.Uint64
	resyncs, pulls, pulled, incomplete                                     atomic.Uint64
}

type mark struct {
	owner string
	at    time.Time
}

// maxMarks bounds the marks; older than markAge they are swept (an
// owner's confirmation takes at most a few ReplicaTimeouts).
const (
	maxMarks = 1 << 14
	markAge  = time.Minute
)

type table struct {
	tab   *known.Table[string]
	onNew NewFunc
}

// NewServer returns the server of the proxy connected by c.
func NewServer(c *transport.Conn, o *ServerOptions) *Server {
	var opts ServerOptions
	if o != nil {
		opts = *o
	}
	if opts.ReplicaTimeout <= 0 {
		opts.ReplicaTimeout = 2 * time.Second
	}
	if opts.PullTimeout <= 0 {
		opts.PullTimeout = 20 * time.Second
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = time.Minute
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 256
	}
	if opts.Warn == nil {
		opts.Warn = func(string) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{c: c, opts: opts, tables: map[string]*table{}, readyc: make(chan struct{}),
		pending: map[string]int{}, marks: map[string]mark{},
		sem: make(chan struct{}, opts.MaxInFlight), closed: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// Handle registers a table: its keys live for expiry from their creation,
// and onNew (which may be nil) hears of what is new. Call it before Start.
func (s *Server) Handle(name string, expiry zeek.Interval, onNew NewFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tables[name] = &table{tab: known.NewTable[string](expiry, s.opts.MaxEntries), onNew: onNew}
}

// Start subscribes to the node's pool subjects, follows the proxies
// coming and going, and begins the hand-over: the server answers
// check-and-insert requests (others get RetryNotReady) once Ready is
// closed.
func (s *Server) Start() error {
	self := s.c.Name()
	var subs []*transport.Subscription
	for _, h := range []struct {
		topic string
		f     transport.Handler
	}{{TopicReplica, s.handleReplica}, {TopicPull, s.handlePull}, {TopicAdd, s.handleAdd}} {
		sub, err := s.c.Subscribe(transport.To(self, h.topic), h.f)
		if err != nil {
			for _, x := range subs {
				x.Unsubscribe()
			}
			return fmt.Errorf("proxy: %w", err)
		}
		subs = append(subs, sub)
	}
	s.subs = subs
	s.unwat = s.c.OnChange(func(e transport.Event) {
		if e.Role != layout.Proxy || e.Node == self {
			return
		}
		switch {
		case !e.Up:
			s.spawn(func() { s.resync(e.Node) })
		case s.ready.Load():
			// A proxy this one did not see when it started (or a
			// joiner, which has little): take over what it holds
			// for this proxy, as the hand-over would have.
			s.spawn(func() { s.pullFrom(e.Node) })
		}
	})
	s.spawn(s.handover)
	return nil
}

// spawn runs f on a goroutine that Close waits for, unless the server is
// closing; it reports whether f runs.
func (s *Server) spawn(f func()) bool {
	s.spawnMu.Lock()
	defer s.spawnMu.Unlock()
	if s.stopped {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Ready is closed once the server has taken its keys over from the other
// live proxies and answers check-and-insert requests.
func (s *Server) Ready() <-chan struct{} { return s.readyc }

// Close stops serving and waits for the requests in progress.
func (s *Server) Close() {
	select {
	case <-s.closed:
		return
	default:
	}
	close(s.closed)
	s.cancel()
	s.spawnMu.Lock()
	s.stopped = true
	s.spawnMu.Unlock()
	if s.unwat != nil {
		s.unwat()
	}
	for _, sub := range s.subs {
		sub.Unsubscribe()
	}
	s.wg.Wait()
}

// Stats returns the counters so far.
func (s *Server) Stats() ServerStats {
	st := ServerStats{
		Requests: s.requests.Load(), New: s.news.Load(), Refused: s.refused.Load(),
		Replicated: s.replicated.Load(), ReplicaFailures: s.replicaFailures.Load(),
		ReplicasReceived: s.replicasReceived.Load(), Resyncs: s.resyncs.Load(),
		Pulls: s.pulls.Load(), Pulled: s.pulled.Load(), IncompleteHandovers: s.incomplete.Load(),
	}
	s.mu.Lock()
	for _, t := range s.tables {
		st.Keys += uint64(t.tab.Len())
	}
	s.mu.Unlock()
	return st
}

func respond(m *transport.Msg, v any) {
	b, _ := json.Marshal(v)
	m.Respond(b)
}

// handleAdd is the owner's check-and-insert. A proxy that is not ready,
// or that does not own the key in its view of the live proxies, asks the
// sender to retry. The ownership test and the local insert happen under
// one lock, in the order requests arrive, so that a second request for
// the same key finds it and a hand-over scan (handlePull) either sees the
// key or runs before a request that then finds the puller owning it. The
// backup's copy is made on another goroutine, after which the requester
// gets its answer.
func (s *Server) handleAdd(m *transport.Msg) {
	s.requests.Add(1)
	self := s.c.Name()
	if !s.ready.Load() {
		s.refused.Add(1)
		respond(m, &Result{V: Version, Owner: self, Retry: RetryNotReady})
		return
	}
	req, err := decodeRequest(m.Data)
	if err != nil {
		respond(m, &Result{V: Version, Owner: self, Error: err.Error()})
		return
	}
	s.mu.Lock()
	t := s.tables[req.Table]
	if t == nil {
		s.mu.Unlock()
		respond(m, &Result{V: Version, Owner: self, Error: "proxy: unknown table " + req.Table})
		return
	}
	if transport.HRW(req.Key, s.c.Live(layout.Proxy)) != self {
		s.mu.Unlock()
		s.refused.Add(1)
		respond(m, &Result{V: Version, Owner: self, Retry: RetryNotOwner})
		return
	}
	now := zeek.Time(req.TS)
	if t.tab.Has(now, req.Key, req.Members...) {
		s.mu.Unlock()
		respond(m, &Result{V: Version, Owner: self})
		return
	}
	added, created := t.tab.Add(now, req.Key, req.Members...)
	createdAt, _ := t.tab.Created(now, req.Key)
	pk := req.Table + "\x00" + req.Key
	s.pending[pk]++
	s.mu.Unlock()
	settle := func() {
		s.mu.Lock()
		if s.pending[pk]--; s.pending[pk] <= 0 {
			delete(s.pending, pk)
		}
		s.mu.Unlock()
	}

	select {
	case s.sem <- struct{}{}:
	case <-s.closed:
		settle()
		return
	}
	if !s.spawn(func() {
		defer func() { <-s.sem }()
		defer settle()
		added, created := s.confirm(t, req, added, created, createdAt)
		res := &Result{V: Version, Owner: self, Added: added, Created: created}
		if res.New() {
			s.news.Add(1)
			if t.onNew != nil {
				t.onNew(req, added, created)
			}
		}
		respond(m, res)
	}) {
		<-s.sem
		settle()
	}
}

// confirm stores what the owner added on the key's backup (the
// highest-ranked other live proxy) before anything is logged, so that
// the key survives the owner, and asks every other proxy of the layout
// whether it knew the key already (the backup in the same message; the
// others by a lookup that stores nothing, in parallel; a proxy that is
// not running answers at once that nobody listens). What is new to all
// that answered is new to the cluster. So a key logged by a proxy that
// this one did not count live, or owned while this one was away, is not
// logged again while that proxy answers. A backup that does not answer
// is replaced by the next one if the view changed; with none, the
// owner's copy is the only one.
func (s *Server) confirm(t *table, req *Request, added []string, created bool, createdAt zeek.Time) ([]string, bool) {
	e := replicaEntry{Table: req.Table, Key: req.Key, Members: added, TS: req.TS, Created: int64(createdAt)}
	self := s.c.Name()
	var (
		mu      sync.Mutex
		results []replicaResult
		wg      sync.WaitGroup
	)
	ask := func(to string, e replicaEntry) bool {
		rr, err := s.sendReplicas(to, []replicaEntry{e})
		if err != nil {
			return false
		}
		mu.Lock()
		results = append(results, rr.Results[0])
		mu.Unlock()
		return true
	}
	// The backup, and after it the others, one request each.
	tried := map[string]bool{self: true}
	for range 3 {
		backup := s.backup(req.Key)
		if backup == "" || tried[backup] {
			break
		}
		tried[backup] = true
		c := e
		c.Confirm = true
		if ask(backup, c) {
			break
		}
		s.opts.Warn(fmt.Sprintf("proxy: %s: backup %s did not answer for %s %q", self, backup, req.Table, req.Key))
	}
	for _, n := range s.c.Layout().ByRole(layout.Proxy) {
		if tried[n.Name] {
			continue
		}
		l := e
		l.Lookup = true
		wg.Add(1)
		go func(to string) {
			defer wg.Done()
			ask(to, l)
		}(n.Name)
	}
	wg.Wait()
	earliest := createdAt
	for _, r := range results {
		var both []string
		for _, a := range added {
			if contains(r.Added, a) {
				both = append(both, a)
			}
		}
		added = both
		if !r.Created {
			created = false
			earliest = min(earliest, zeek.Time(r.CreatedAt))
		}
	}
	if earliest < createdAt {
		s.mu.Lock()
		t.tab.Backdate(req.Key, earliest)
		s.mu.Unlock()
	}
	return added, created
}

// backup returns the live proxy, other than this one, that ranks highest
// for key: the owner if this proxy went away, and so the previous owner
// when this proxy has just come (back).
func (s *Server) backup(key string) string {
	self := s.c.Name()
	best, bestScore := "", uint64(0)
	for _, m := range s.c.Live(layout.Proxy) {
		if m == self {
			continue
		}
		sc := transport.Score(key, m)
		if best == "" || sc > bestScore || sc == bestScore && m < best {
			best, bestScore = m, sc
		}
	}
	return best
}

// sendReplicas sends one batch to proxy to and returns its answer.
func (s *Server) sendReplicas(to string, entries []replicaEntry) (*replicaReply, error) {
	b, _ := json.Marshal(&replicaBatch{V: Version, From: s.c.Name(), Entries: entries})
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.ReplicaTimeout)
	defer cancel()
	m, err := s.c.Request(ctx, transport.To(to, TopicReplica), b)
	if err != nil {
		s.replicaFailures.Add(1)
		return nil, err
	}
	rr, err := decodeReplicaReply(m.Data, len(entries))
	if err != nil {
		s.replicaFailures.Add(1)
		return nil, err
	}
	s.replicated.Add(uint64(len(entries)))
	return rr, nil
}

// sendAll sends entries to proxy to in batches of at most maxBatch.
func (s *Server) sendAll(to string, entries []replicaEntry) error {
	for len(entries) > 0 {
		select {
		case <-s.closed:
			return errClosed
		default:
		}
		n := min(len(entries), maxBatch)
		if _, err := s.sendReplicas(to, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

var errClosed = errors.New("proxy: server closed")

// handleReplica stores the keys another proxy sends and says which were
// new here. A proxy stores replicas whether or not it is ready.
func (s *Server) handleReplica(m *transport.Msg) {
	batch, err := decodeReplica(m.Data)
	if err != nil {
		s.opts.Warn(fmt.Sprintf("proxy: %s: replica batch: %v", s.c.Name(), err))
		return // no answer: the sender counts a failure
	}
	s.replicasReceived.Add(uint64(len(batch.Entries)))
	reply := replicaReply{V: Version, Results: make([]replicaResult, len(batch.Entries))}
	s.mu.Lock()
	for i, e := range batch.Entries {
		t := s.tables[e.Table]
		if t == nil {
			continue
		}
		now := zeek.Time(e.TS)
		created := zeek.Time(e.Created)
		if created == 0 || created > now {
			created = now
		}
		mk := e.Table + "\x00" + e.Key
		mark, marked := s.marks[mk]
		if e.Lookup {
			reply.Results[i] = s.lookup(t, now, e, marked && mark.owner == batch.From)
			continue
		}
		added, isNew := t.tab.AddAt(now, created, e.Key, e.Members...)
		if !isNew {
			t.tab.Backdate(e.Key, created)
		}
		at, _ := t.tab.Created(now, e.Key)
		switch {
		case e.Confirm && marked && mark.owner == batch.From:
			// The owner's confirmation of the insert whose copy
			// we got from a scan: new here as far as the cluster
			// goes, as the owner itself says.
			delete(s.marks, mk)
			added, isNew = e.Members, true
		case isNew && e.Pending != "":
			s.mark(mk, e.Pending)
		case marked && e.Pending == "":
			delete(s.marks, mk) // a settled copy: the key is known
		}
		reply.Results[i] = replicaResult{Added: added, Created: isNew, CreatedAt: int64(at)}
	}
	s.mu.Unlock()
	respond(m, &reply)
}

// lookup answers a lookup entry without storing it: what of it is new
// here. A copy that stems from the asker's own in-flight insert (ownIns)
// counts as not known. s.mu is held.
func (s *Server) lookup(t *table, now zeek.Time, e replicaEntry, ownIns bool) replicaResult {
	at, ok := t.tab.Created(now, e.Key)
	if !ok || ownIns {
		return replicaResult{Added: e.Members, Created: true, CreatedAt: e.Created}
	}
	var added []string
	for _, m := range e.Members {
		if !t.tab.Has(now, e.Key, m) {
			added = append(added, m)
		}
	}
	return replicaResult{Added: added, CreatedAt: int64(at)}
}

// mark records that key was first learned from a copy of owner's
// in-flight insert; s.mu is held.
func (s *Server) mark(key, owner string) {
	now := time.Now()
	if len(s.marks) >= maxMarks {
		for k, m := range s.marks {
			if now.Sub(m.at) > markAge {
				delete(s.marks, k)
			}
		}
		if len(s.marks) >= maxMarks {
			return // no room: the key counts as known (it may go unlogged)
		}
	}
	s.marks[key] = mark{owner: owner, at: now}
}

// pendingOwner returns the owner whose in-flight insert this proxy's copy
// of key stems from: itself when its own insert is in flight, the marked
// owner when its copy came from a scan of another's; s.mu is held.
func (s *Server) pendingOwner(key string) string {
	if s.pending[key] > 0 {
		return s.c.Name()
	}
	if m, ok := s.marks[key]; ok {
		return m.owner
	}
	return ""
}

// collect returns, per receiving proxy, the live keys of every table for
// which pick names a receiver ("" for none). s.mu is held.
func (s *Server) collect(pick func(key string) string) map[string][]replicaEntry {
	out := map[string][]replicaEntry{}
	names := make([]string, 0, len(s.tables))
	for name := range s.tables {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := s.tables[name]
		now := t.tab.Clock()
		t.tab.Range(now, func(key string, created zeek.Time, members []string) bool {
			if to := pick(key); to != "" {
				out[to] = append(out[to], replicaEntry{Table: name, Key: key,
					Members: append([]string(nil), members...), TS: int64(now), Created: int64(created),
					Pending: s.pendingOwner(name + "\x00" + key)})
			}
			return true
		})
	}
	return out
}

// resync runs after proxy dead went down: for each key of which dead was
// one of the two highest-ranked proxies and this proxy is one of the two
// now, the other of the two gets a copy, so that every key is again on
// two live proxies.
func (s *Server) resync(dead string) {
	self := s.c.Name()
	live := s.c.Live(layout.Proxy)
	if slices.Contains(live, dead) {
		return // back already (a restart): it takes its keys over itself
	}
	withDead := append(slices.Clone(live), dead)
	s.mu.Lock()
	batches := s.collect(func(key string) string {
		if a, b := top2(key, withDead); a != dead && b != dead {
			return ""
		}
		switch first, second := top2(key, live); self {
		case first:
			return second
		case second:
			return first
		}
		return ""
	})
	s.mu.Unlock()
	peers := slices.Sorted(maps.Keys(batches))
	for _, p := range peers {
		if err := s.sendAll(p, batches[p]); err != nil {
			if err != errClosed {
				s.opts.Warn(fmt.Sprintf("proxy: %s: copying keys to %s after %s went down: %v", self, p, dead, err))
			}
			return
		}
	}
	s.resyncs.Add(1)
}

// handover is the start of a proxy: once the connection has settled (it
// has heard every live node), it asks every other live proxy for the keys
// of which it is now one of the two highest-ranked proxies, until each
// has answered that it sent them all. A peer answers only once it sees
// this proxy live, so that from then on its own decisions count this
// proxy in. Then the server is ready.
func (s *Server) handover() {
	defer close(s.readyc)
	defer s.ready.Store(true)
	self := s.c.Name()
	select {
	case <-s.c.Settled():
	case <-s.closed:
		return
	}
	deadline := time.Now().Add(s.opts.ReadyTimeout)
	// Its own heartbeat back means the others' of the same period
	// have had the time to arrive too.
	for !s.c.IsLive(self) && time.Now().Before(deadline) {
		select {
		case <-s.closed:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
	done := map[string]bool{}
	wait := 10 * time.Millisecond
	for {
		live := s.c.Live(layout.Proxy)
		var pending []string
		for _, p := range live {
			if p != self && !done[p] {
				pending = append(pending, p)
			}
		}
		if len(pending) == 0 {
			return
		}
		for _, p := range pending {
			n, err := s.pull(p, live)
			if err != nil {
				continue
			}
			done[p] = true
			s.pulled.Add(uint64(n))
		}
		if time.Now().After(deadline) {
			s.incomplete.Store(1)
			s.opts.Warn(fmt.Sprintf("proxy: %s: serving without having taken its keys over from %v after %v; keys they logged may be logged again",
				self, pending, s.opts.ReadyTimeout))
			return
		}
		select {
		case <-s.closed:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// pullFrom pulls from proxy p until it answers done, goes down, or the
// server closes.
func (s *Server) pullFrom(p string) {
	wait := 10 * time.Millisecond
	for s.c.IsLive(p) {
		n, err := s.pull(p, s.c.Live(layout.Proxy))
		if err == nil {
			s.pulled.Add(uint64(n))
			return
		}
		select {
		case <-s.closed:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// pull asks proxy p for this proxy's keys and returns how many it sent.
func (s *Server) pull(p string, live []string) (int, error) {
	b, _ := json.Marshal(&pullRequest{V: Version, Node: s.c.Name(), Boot: s.c.Boot(), Live: live})
	ctx, cancel := context.WithTimeout(s.ctx, s.opts.PullTimeout)
	defer cancel()
	m, err := s.c.Request(ctx, transport.To(p, TopicPull), b)
	if err != nil {
		return 0, err
	}
	r, err := decodePullReply(m.Data)
	if err != nil {
		return 0, err
	}
	if r.Status != pullDone {
		return 0, fmt.Errorf("proxy: %s answered %s", p, r.Status)
	}
	return r.Entries, nil
}

// handlePull answers a starting proxy's hand-over request: when the
// puller is live in this proxy's view, the keys for which it is one of
// the two highest-ranked proxies (over this proxy's view and the
// puller's) are sent to it as replica batches, then the request is
// answered. The scan holds the table lock: a key inserted before it is
// sent, and a request after it finds the puller in the view.
func (s *Server) handlePull(m *transport.Msg) {
	req, err := decodePull(m.Data)
	if err != nil {
		s.opts.Warn(fmt.Sprintf("proxy: %s: pull request: %v", s.c.Name(), err))
		return
	}
	if !s.c.IsLive(req.Node) {
		respond(m, &pullReply{V: Version, Status: pullNotLive})
		return
	}
	s.spawn(func() {
		s.mu.Lock()
		view := s.c.Live(layout.Proxy)
		for _, p := range append(req.Live, req.Node) {
			if !slices.Contains(view, p) {
				view = append(view, p)
			}
		}
		batches := s.collect(func(key string) string {
			if a, b := top2(key, view); a == req.Node || b == req.Node {
				return req.Node
			}
			return ""
		})
		s.mu.Unlock()
		entries := batches[req.Node]
		if err := s.sendAll(req.Node, entries); err != nil {
			respond(m, &pullReply{V: Version, Status: pullFailed})
			return
		}
		s.pulls.Add(1)
		respond(m, &pullReply{V: Version, Status: pullDone, Entries: len(entries)})
	})
}

// top2 returns the two members that rank highest for key.
func top2(key string, members []string) (first, second string) {
	var s1, s2 uint64
	for _, m := range members {
		sc := transport.Score(key, m)
		switch {
		case first == "" || sc > s1 || sc == s1 && m < first:
			second, s2 = first, s1
			first, s1 = m, sc
		case second == "" || sc > s2 || sc == s2 && m < second:
			second, s2 = m, sc
		}
	}
	return first, second
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
