package transport

import (
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/heron-nsm/heron/internal/cluster/layout"
)

// Heartbeat is the payload of hb.<node>, JSON encoded.
type Heartbeat struct {
	// V is the format version, 1.
	V int `json:"v"`
	// Node is the sender's name; it must match the subject.
	Node string `json:"node"`
	// Role is the sender's role.
	Role layout.Role `json:"role"`
	// Boot is when the sender's connection started (Unix nanoseconds);
	// a new value means the node restarted.
	Boot int64 `json:"boot"`
	// Seq counts the sender's heartbeats since Boot, from 1.
	Seq uint64 `json:"seq"`
	// IntervalMS is the sender's heartbeat interval in milliseconds.
	IntervalMS int64 `json:"interval_ms"`
	// Leaving is set on the last heartbeat of a node that shuts down: it
	// is down at once.
	Leaving bool `json:"leaving,omitempty"`
}

// Event reports a node going up or down, as this node sees it.
type Event struct {
	// Node is the node's name and Role its role.
	Node string
	Role layout.Role
	// Up is true when the node came up (its first heartbeat), false when
	// it went down (no heartbeat for Options.DownAfter, or a goodbye).
	Up bool
	// Restarted is set with Up when a live node's boot time changed.
	Restarted bool
}

type member struct {
	role layout.Role
	boot int64
	last time.Time
	up   bool
}

// liveness follows the heartbeats of the cluster.
type liveness struct {
	c *Conn

	mu       sync.Mutex
	members  map[string]*member
	watchers map[int]func(Event)
	nextID   int
	queue    []Event
	signal   chan struct{}
	seq      uint64
}

func (lv *liveness) init(c *Conn) {
	lv.c = c
	lv.members = map[string]*member{}
	lv.watchers = map[int]func(Event){}
	lv.signal = make(chan struct{}, 1)
}

// heartbeat handles a message on hb.*.
func (lv *liveness) heartbeat(m *nats.Msg) {
	c := lv.c
	name := fromOf(m.Subject[len(c.prefix):])
	n := c.l.Nodes[name]
	if n == nil {
		return // not a node of this layout
	}
	var hb Heartbeat
	if err := json.Unmarshal(m.Data, &hb); err != nil || hb.Node != name {
		return
	}
	now := time.Now()
	lv.mu.Lock()
	defer lv.mu.Unlock()
	mb := lv.members[name]
	if mb == nil {
		mb = &member{role: n.Type}
		lv.members[name] = mb
	}
	if hb.Leaving {
		if mb.up && hb.Boot == mb.boot {
			mb.up = false
			lv.emit(Event{Node: name, Role: n.Type})
		}
		return
	}
	restarted := mb.up && mb.boot != hb.Boot
	mb.last = now
	mb.boot = hb.Boot
	if !mb.up || restarted {
		mb.up = true
		lv.emit(Event{Node: name, Role: n.Type, Up: true, Restarted: restarted})
	}
}

// emit queues an event for the watchers; lv.mu is held.
func (lv *liveness) emit(e Event) {
	lv.queue = append(lv.queue, e)
	select {
	case lv.signal <- struct{}{}:
	default:
	}
}

// run expires silent nodes and delivers events, until the connection
// closes.
func (lv *liveness) run() {
	defer lv.c.wg.Done()
	t := time.NewTicker(lv.c.opts.HeartbeatInterval / 4)
	defer t.Stop()
	for {
		select {
		case <-lv.c.stop:
			return
		case <-t.C:
			lv.expire(time.Now())
		case <-lv.signal:
		}
		lv.deliver()
	}
}

func (lv *liveness) expire(now time.Time) {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	for name, mb := range lv.members {
		if mb.up && now.Sub(mb.last) > lv.c.opts.DownAfter {
			mb.up = false
			lv.emit(Event{Node: name, Role: mb.role})
		}
	}
}

func (lv *liveness) deliver() {
	for {
		lv.mu.Lock()
		if len(lv.queue) == 0 {
			lv.mu.Unlock()
			return
		}
		e := lv.queue[0]
		lv.queue = lv.queue[1:]
		ws := make([]func(Event), 0, len(lv.watchers))
		ids := make([]int, 0, len(lv.watchers))
		for id := range lv.watchers {
			ids = append(ids, id)
		}
		sort.Ints(ids)
		for _, id := range ids {
			ws = append(ws, lv.watchers[id])
		}
		lv.mu.Unlock()
		for _, w := range ws {
			w(e)
		}
	}
}

func (lv *liveness) close() {
	lv.mu.Lock()
	defer lv.mu.Unlock()
	for _, mb := range lv.members {
		mb.up = false
	}
	lv.watchers = map[int]func(Event){}
}

// beat publishes the heartbeats until the connection closes.
func (c *Conn) beat() {
	defer c.wg.Done()
	t := time.NewTicker(c.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		case <-c.kick:
		}
		c.publishHeartbeat(false)
	}
}

func (c *Conn) publishHeartbeat(leaving bool) {
	c.live.mu.Lock()
	c.live.seq++
	hb := Heartbeat{
		V: 1, Node: c.node.Name, Role: c.node.Type, Boot: c.boot, Seq: c.live.seq,
		IntervalMS: c.opts.HeartbeatInterval.Milliseconds(), Leaving: leaving,
	}
	c.live.mu.Unlock()
	b, _ := json.Marshal(hb)
	c.nc.Publish(c.prefix+HeartbeatSubject(c.node.Name), b) // a lost beat is the next one's job
}

// Live returns the names of the live nodes of role, sorted; role ""
// returns every live node. The node itself is live while it hears its
// own heartbeats.
func (c *Conn) Live(role layout.Role) []string {
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	var out []string
	now := time.Now()
	for name, mb := range c.live.members {
		if mb.up && now.Sub(mb.last) <= c.opts.DownAfter && (role == "" || mb.role == role) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// IsLive reports whether node is live.
func (c *Conn) IsLive(node string) bool {
	c.live.mu.Lock()
	defer c.live.mu.Unlock()
	mb := c.live.members[node]
	return mb != nil && mb.up && time.Since(mb.last) <= c.opts.DownAfter
}

// OnChange calls f for every node that goes up or down from now on, one
// event at a time, in order, on a goroutine of the connection (f must
// not block for long). The returned function stops the calls.
func (c *Conn) OnChange(f func(Event)) (remove func()) {
	c.live.mu.Lock()
	id := c.live.nextID
	c.live.nextID++
	c.live.watchers[id] = f
	c.live.mu.Unlock()
	return func() {
		c.live.mu.Lock()
		delete(c.live.watchers, id)
		c.live.mu.Unlock()
	}
}

// Owner returns the owner of key among the live nodes of role (HRW), and
// false when none is live.
func (c *Conn) Owner(key string, role layout.Role) (string, bool) {
	m := c.Live(role)
	if len(m) == 0 {
		return "", false
	}
	return HRW(key, m), true
}
