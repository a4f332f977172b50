package weird

import (
	"net/netip"
	"strconv"

	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Info is a weird.log record (Zeek's Weird::Info).
type Info struct {
	// TS is the time the weird was raised.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid, for connection weirds.
	UID zeek.Opt[string] `zeek:"uid"`
	// ID holds the endpoints (ports 0 for flow weirds).
	ID zeek.Opt[conn.ConnID] `zeek:"id"`
	// Name is the weird's name.
	Name string `zeek:"name"`
	// Addl is additional information, when any.
	Addl zeek.Opt[string] `zeek:"addl"`
	// Notice says whether the weird also raised a notice.
	Notice bool `zeek:"notice"`
	// Peer names the node that raised it (peer_description).
	Peer string `zeek:"peer"`
	// Source is the analyzer that raised it, when known.
	Source zeek.Opt[string] `zeek:"source"`
}

// Config holds the framework's options with Zeek's names.
type Config struct {
	SamplingWhitelist  map[string]bool   // Weird::sampling_whitelist
	SamplingGlobalList map[string]bool   // Weird::sampling_global_list
	SamplingThreshold  uint64            // Weird::sampling_threshold
	SamplingRate       uint64            // Weird::sampling_rate
	SamplingDuration   zeek.Interval     // Weird::sampling_duration
	Actions            map[string]Action // Weird::actions (others: ACTION_LOG)
	IgnoreHosts        map[HostWeird]bool
	DoNotIgnoreRepeats map[string]bool // Weird::weird_do_not_ignore_repeats
	Peer               string          // peer_description
	IgnoreInterval     zeek.Interval   // create_expire of weird_ignore
	DidLogInterval     zeek.Interval   // create_expire of did_log / did_notice
}

// HostWeird is an entry of Weird::ignore_hosts.
type HostWeird struct {
	Host netip.Addr
	Name string
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		SamplingThreshold: 25,
		SamplingRate:      1000,
		SamplingDuration:  10 * zeek.Minute,
		Actions:           DefaultActions(),
		DoNotIgnoreRepeats: map[string]bool{
			"bad_IP_checksum": true, "bad_TCP_checksum": true,
			"bad_UDP_checksum": true, "bad_ICMP_checksum": true,
		},
		Peer:           "zeek",
		IgnoreInterval: 10 * zeek.Minute,
		DidLogInterval: 24 * zeek.Hour,
	}
}

// Reporter samples, filters and records weirds. It is not safe for
// concurrent use: each analysis thread owns one.
type Reporter struct {
	cfg    Config
	write  func(*Info)
	notice func(*Info)

	netState  map[string]*sampleState
	flowState map[flowKey]*flowSample

	ignore  expiringSet
	didLog  expiringSet
	didNote expiringSet

	// Counts by name of every weird raised (before sampling).
	Counts map[string]uint64
}

type sampleState struct {
	count uint64
	first zeek.Time
}

type flowKey struct{ src, dst netip.Addr }

type flowSample struct {
	first  zeek.Time
	counts map[string]uint64
}

// New returns a Reporter that hands records to write (nil: weirds are
// sampled and counted but not logged, as without Zeek's weird script) and
// weirds with notice actions to notice (may be nil).
func New(cfg Config, write, notice func(*Info)) *Reporter {
	if cfg.Actions == nil {
		cfg.Actions = DefaultActions()
	}
	return &Reporter{
		cfg: cfg, write: write, notice: notice,
		netState:  map[string]*sampleState{},
		flowState: map[flowKey]*flowSample{},
		ignore:    newExpiringSet(),
		didLog:    newExpiringSet(),
		didNote:   newExpiringSet(),
		Counts:    map[string]uint64{},
	}
}

// GlobalVerdict applies Zeek's sampling white list and global list to a
// connection weird.
func (r *Reporter) GlobalVerdict(now zeek.Time, name string) conn.WeirdVerdict {
	if r.cfg.SamplingWhitelist[name] {
		return conn.WeirdAllow
	}
	if r.cfg.SamplingGlobalList[name] {
		if r.permitNet(now, name) {
			return conn.WeirdAllow
		}
		return conn.WeirdDeny
	}
	return conn.WeirdUnknown
}

func (r *Reporter) permitNet(now zeek.Time, name string) bool {
	s := r.netState[name]
	if s != nil && now >= s.first.Add(r.cfg.SamplingDuration) {
		s = nil // the reset timer fired
	}
	if s == nil {
		s = &sampleState{first: now}
		r.netState[name] = s
	}
	s.count++
	return r.sample(s.count)
}

func (r *Reporter) sample(count uint64) bool {
	if count <= r.cfg.SamplingThreshold {
		return true
	}
	if r.cfg.SamplingRate == 0 {
		return false
	}
	return (count-r.cfg.SamplingThreshold)%r.cfg.SamplingRate == 0
}

// Conn records a weird on a connection that passed the connection's own
// sampling (done by the connection tracker).
func (r *Reporter) Conn(now zeek.Time, uid string, id conn.ConnID, name, addl, source string) {
	r.Counts[name]++
	w := Info{TS: now, UID: zeek.Some(uid), ID: zeek.Some(id), Name: name}
	r.do(&w, addl, source, idString(&id))
}

// Flow records a weird about the traffic between two addresses.
func (r *Reporter) Flow(now zeek.Time, src, dst netip.Addr, name, addl, source string) {
	r.Counts[name]++
	switch r.globalLists(now, name) {
	case conn.WeirdDeny:
		return
	case conn.WeirdUnknown:
		k := flowKey{src, dst}
		f := r.flowState[k]
		if f != nil && now >= f.first.Add(r.cfg.SamplingDuration) {
			f = nil
		}
		if f == nil {
			f = &flowSample{first: now, counts: map[string]uint64{}}
			r.flowState[k] = f
		}
		f.counts[name]++
		if !r.sample(f.counts[name]) {
			return
		}
	}
	id := conn.ConnID{OrigH: src, RespH: dst,
		OrigP: zeek.Port{Proto: zeek.ProtoUnknown}, RespP: zeek.Port{Proto: zeek.ProtoUnknown}}
	w := Info{TS: now, ID: zeek.Some(id), Name: name}
	r.do(&w, addl, source, src.String()+" -> "+dst.String())
}

// Net records a weird not tied to any addresses.
func (r *Reporter) Net(now zeek.Time, name, addl, source string) {
	r.Counts[name]++
	if !r.cfg.SamplingWhitelist[name] && !r.permitNet(now, name) {
		return
	}
	w := Info{TS: now, Name: name}
	r.do(&w, addl, source, "")
}

func (r *Reporter) globalLists(now zeek.Time, name string) conn.WeirdVerdict {
	return r.GlobalVerdict(now, name)
}

// do is the script's do_weird.
func (r *Reporter) do(w *Info, addl, source, identifier string) {
	if addl != "" {
		w.Addl = zeek.Some(addl)
	}
	if source != "" {
		w.Source = zeek.Some(source)
	}
	w.Peer = r.cfg.Peer
	now := w.TS
	action, ok := r.cfg.Actions[w.Name]
	if !ok {
		action = ActionLog
	}
	if action == ActionIgnore || r.ignore.has(now, w.Name, identifier) {
		return
	}
	if w.ID.Set && r.cfg.IgnoreHosts != nil {
		if r.cfg.IgnoreHosts[HostWeird{w.ID.V.OrigH, w.Name}] || r.cfg.IgnoreHosts[HostWeird{w.ID.V.RespH, w.Name}] {
			return
		}
	}
	if action.limiting() {
		nid := identifier
		if action.notice() {
			if w.ID.Set && action == ActionNoticePerOrig {
				nid = w.ID.V.OrigH.String()
			} else if action == ActionNoticeOnce {
				nid = ""
			}
			if r.didNote.has(now, w.Name, nid) {
				return
			}
			r.didNote.add(now, w.Name, nid, r.cfg.DidLogInterval)
		} else {
			if w.ID.Set && action == ActionLogPerOrig {
				nid = w.ID.V.OrigH.String()
			} else if action == ActionLogOnce {
				nid = ""
			}
			if r.didLog.has(now, w.Name, nid) {
				return
			}
			r.didLog.add(now, w.Name, nid, r.cfg.DidLogInterval)
		}
	}
	if action.notice() {
		w.Notice = true
		if r.notice != nil {
			r.notice(w)
		}
	}
	if !r.cfg.DoNotIgnoreRepeats[w.Name] {
		r.ignore.add(now, w.Name, identifier, r.cfg.IgnoreInterval)
	}
	if r.write != nil {
		r.write(w)
	}
}

// idString is Zeek's id_string: "1.2.3.4:80/tcp > 5.6.7.8:1234/tcp".
func idString(id *conn.ConnID) string {
	return id.OrigH.String() + ":" + portString(id.OrigP) + " > " + id.RespH.String() + ":" + portString(id.RespP)
}

func portString(p zeek.Port) string { return strconv.Itoa(int(p.Num)) + "/" + p.Proto.String() }

// expiringSet is a set of (name, identifier) pairs whose entries expire a
// fixed time after they were added (Zeek's &create_expire), on packet time.
type expiringSet struct {
	m     map[[2]string]zeek.Time
	adds  int
	limit int
}

func newExpiringSet() expiringSet {
	return expiringSet{m: map[[2]string]zeek.Time{}, limit: 1 << 16}
}

func (s *expiringSet) has(now zeek.Time, name, id string) bool {
	exp, ok := s.m[[2]string{name, id}]
	if !ok {
		return false
	}
	if now >= exp {
		delete(s.m, [2]string{name, id})
		return false
	}
	return true
}

func (s *expiringSet) add(now zeek.Time, name, id string, ttl zeek.Interval) {
	s.m[[2]string{name, id}] = now.Add(ttl)
	s.adds++
	if s.adds >= s.limit {
		// Sweep expired entries now and then to bound memory.
		s.adds = 0
		for k, exp := range s.m {
			if now >= exp {
				delete(s.m, k)
			}
		}
		if len(s.m) > s.limit {
			s.limit = 2 * len(s.m)
		}
	}
}
