package signatures

import (
	"container/heap"
	"regexp"
	"strconv"
	"sync"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Action is what the framework does with the matches of a signature
// (Zeek's Signatures::Action).
type Action uint8

// Actions, in the order of Zeek's Signatures::Action enum.
const (
	// SigIgnore ignores the signature completely, scan detection included;
	// nothing is logged.
	SigIgnore Action = iota
	// SigQuiet feeds the scan detection but logs nothing and raises no
	// notice for the match itself.
	SigQuiet
	// SigLog writes the match to signatures.log.
	SigLog
	// SigFileButNoScan is SigLog without scan detection.
	SigFileButNoScan
	// SigAlarm logs the match and raises a Sensitive_Signature notice.
	SigAlarm
	// SigAlarmPerOrig logs the match; the first match of an originator
	// raises a Sensitive_Signature notice.
	SigAlarmPerOrig
	// SigAlarmOnce logs the match; the first match of the signature raises
	// a Sensitive_Signature notice.
	SigAlarmOnce
	// SigCountPerResp counts the matches per responder and raises a
	// Count_Signature notice at each count of Config.CountThresholds;
	// it does not log the match.
	SigCountPerResp
	// SigSummary logs the match, and the first match of an originator
	// schedules a Signature_Summary notice after Config.SummaryInterval;
	// no scan detection.
	SigSummary
)

var actionNames = [...]string{
	SigIgnore:        "SIG_IGNORE",
	SigQuiet:         "SIG_QUIET",
	SigLog:           "SIG_LOG",
	SigFileButNoScan: "SIG_FILE_BUT_NO_SCAN",
	SigAlarm:         "SIG_ALARM",
	SigAlarmPerOrig:  "SIG_ALARM_PER_ORIG",
	SigAlarmOnce:     "SIG_ALARM_ONCE",
	SigCountPerResp:  "SIG_COUNT_PER_RESP",
	SigSummary:       "SIG_SUMMARY",
}

// String returns Zeek's name of the action ("Signatures::SIG_ALARM").
func (a Action) String() string {
	if int(a) < len(actionNames) {
		return "Signatures::" + actionNames[a]
	}
	return "Signatures::SIG_UNKNOWN(" + strconv.Itoa(int(a)) + ")"
}

// ParseAction returns the action named as in Zeek, with or without its
// module ("Signatures::SIG_LOG" or "SIG_LOG").
func ParseAction(s string) (Action, bool) {
	if len(s) > 12 && s[:12] == "Signatures::" {
		s = s[12:]
	}
	for a, name := range actionNames {
		if name == s {
			return Action(a), true
		}
	}
	return 0, false
}

// The notice types of base/frameworks/signatures.
var (
	// SensitiveSignature is raised for matches of alarming signatures, and
	// is the note of the signatures.log record of every logged match.
	SensitiveSignature = notice.RegisterType("Signatures::Sensitive_Signature")
	// MultipleSignatures: an originator triggered a number of different
	// signatures (Config.VertScanThresholds) against one responder.
	MultipleSignatures = notice.RegisterType("Signatures::Multiple_Signatures")
	// MultipleSigResponders: an originator triggered one signature against
	// a number of responders (Config.HorizScanThresholds).
	MultipleSigResponders = notice.RegisterType("Signatures::Multiple_Sig_Responders")
	// CountSignature: a SigCountPerResp signature matched a number of
	// times (Config.CountThresholds) on one responder.
	CountSignature = notice.RegisterType("Signatures::Count_Signature")
	// SignatureSummary counts an originator's matches of a SigSummary
	// signature, Config.SummaryInterval after the first.
	SignatureSummary = notice.RegisterType("Signatures::Signature_Summary")
)

// Info is a signatures.log record (Zeek's Signatures::Info).
type Info struct {
	// TS is the network time of the match.
	TS zeek.Time `zeek:"ts"`
	// UID is the uid of the connection that matched.
	UID zeek.Opt[string] `zeek:"uid"`
	// SrcAddr is the host that sent the matching data (or the scanning
	// originator).
	SrcAddr zeek.Opt[zeek.Addr] `zeek:"src_addr"`
	// SrcPort is SrcAddr's port.
	SrcPort zeek.Opt[zeek.Port] `zeek:"src_port"`
	// DstAddr is the host the matching data was sent to.
	DstAddr zeek.Opt[zeek.Addr] `zeek:"dst_addr"`
	// DstPort is DstAddr's port.
	DstPort zeek.Opt[zeek.Port] `zeek:"dst_port"`
	// Note is the notice type the record stands for.
	Note notice.Type `zeek:"note,enum"`
	// SigID is the signature's id.
	SigID zeek.Opt[string] `zeek:"sig_id"`
	// EventMsg describes the match.
	EventMsg zeek.Opt[string] `zeek:"event_msg"`
	// SubMsg is the matching data (at most 140 bytes, then "...") or a
	// description of a scan.
	SubMsg zeek.Opt[string] `zeek:"sub_msg"`
	// SigCount is the number of signatures of a vertical scan.
	SigCount zeek.Opt[uint64] `zeek:"sig_count"`
	// HostCount is the number of hosts of a horizontal scan.
	HostCount zeek.Opt[uint64] `zeek:"host_count"`
}

// Match is one match of a signature with an event action: what Zeek's
// signature_match event carries. The signature engine builds it.
type Match struct {
	// TS is the network time of the match.
	TS zeek.Time
	// UID is the connection's uid.
	UID string
	// ID is the connection's endpoints, originator first.
	ID zeek.ConnID
	// IsOrig is true when the originator sent the matching data.
	IsOrig bool
	// SigID is the signature's id.
	SigID string
	// Msg is the message of the signature's event action (event "msg").
	Msg string
	// Data is the chunk of input whose inspection completed the match (a
	// packet's payload or a piece of a reassembled stream). It is only
	// read during Framework.Match; the caller keeps ownership.
	Data []byte
}

// Src returns the endpoint that sent the matching data.
func (m *Match) Src() (zeek.Addr, zeek.Port) {
	if m.IsOrig {
		return m.ID.OrigH, m.ID.OrigP
	}
	return m.ID.RespH, m.ID.RespP
}

// Dst returns the endpoint the matching data was sent to.
func (m *Match) Dst() (zeek.Addr, zeek.Port) {
	if m.IsOrig {
		return m.ID.RespH, m.ID.RespP
	}
	return m.ID.OrigH, m.ID.OrigP
}

// Config holds the framework's options with Zeek's names.
type Config struct {
	// Actions is Signatures::actions: the action by signature id.
	Actions map[string]Action
	// DefaultAction is the action of signatures not in Actions (the
	// table's &default, SIG_ALARM).
	DefaultAction Action
	// IgnoredIDs is Signatures::ignored_ids: matches of signatures whose
	// id this pattern matches anywhere are ignored (Zeek's "pattern in
	// string"). Nil ignores none. See ParsePattern for how Zeek patterns
	// map to Go's.
	IgnoredIDs *regexp.Regexp
	// HorizScanThresholds is Signatures::horiz_scan_thresholds.
	HorizScanThresholds []uint64
	// VertScanThresholds is Signatures::vert_scan_thresholds.
	VertScanThresholds []uint64
	// CountThresholds is Signatures::count_thresholds.
	CountThresholds []uint64
	// SummaryInterval is Signatures::summary_interval (1 day).
	SummaryInterval zeek.Interval
	// StateExpire is the &read_expire of the framework's tables (1 hr in
	// the script; not an option in Zeek).
	StateExpire zeek.Interval
	// MaxEntries bounds each of the framework's tables (Zeek's are
	// unbounded). A table full of live entries refuses new ones, and what
	// depends on them (a count, a scan set) is skipped for that match.
	MaxEntries int
	// MaxPendingSummaries bounds the scheduled Signature_Summary notices;
	// beyond it new ones are not scheduled.
	MaxPendingSummaries int
	// NoticeIdentifier is Heron's Heron::signature_notice_identifier: the
	// parts of a match that make the identifier of its
	// Sensitive_Signature notice, so that repeats are suppressed for the
	// notice's suppression interval (across a cluster too). "" (Zeek's
	// behaviour) gives no identifier: every alarm is a notice. Otherwise
	// "sig_id", "sig_id,src" or "sig_id,src,dst" — what Zeek sites set in
	// a Notice::policy hook.
	NoticeIdentifier string
}

// NoticeIdentifiers are the values Config.NoticeIdentifier may take.
var NoticeIdentifiers = []string{"", "sig_id", "sig_id,src", "sig_id,src,dst"}

// noticeIdentifier is the identifier of the Sensitive_Signature notice
// of a match of sigID from src to dst, as cfg asks for.
func (c *Config) noticeIdentifier(sigID string, src, dst zeek.Addr) zeek.Opt[string] {
	switch c.NoticeIdentifier {
	case "sig_id":
		return zeek.Some(sigID)
	case "sig_id,src":
		return zeek.Some(sigID + "," + src.String())
	case "sig_id,src,dst":
		return zeek.Some(sigID + "," + src.String() + "," + dst.String())
	}
	return zeek.Opt[string]{}
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		Actions:             map[string]Action{"unspecified": SigIgnore},
		DefaultAction:       SigAlarm,
		IgnoredIDs:          regexp.MustCompile(`NO_DEFAULT_MATCHES`),
		HorizScanThresholds: []uint64{5, 10, 50, 100, 500, 1000},
		VertScanThresholds:  []uint64{5, 10, 50, 100, 500, 1000},
		CountThresholds:     []uint64{5, 10, 50, 100, 500, 1000, 10000, 1000000},
		SummaryInterval:     zeek.Day,
		StateExpire:         zeek.Hour,
		MaxEntries:          1 << 18,
		MaxPendingSummaries: 1 << 16,
	}
}

// Noticer raises notices; *notice.Framework is one. The framework calls
// it with its own lock held, so a Noticer must not call back into the
// framework.
type Noticer interface {
	// Notice raises n at network time now.
	Notice(now zeek.Time, n notice.Info)
}

var _ Noticer = (*notice.Framework)(nil)

// Stats counts what the framework did.
type Stats struct {
	// Matches counts calls of Match.
	Matches uint64
	// Ignored counts matches ignored by action or IgnoredIDs.
	Ignored uint64
	// Logged counts signatures.log records.
	Logged uint64
	// Notices counts notices raised.
	Notices uint64
	// Dropped counts table entries and summaries refused by the bounds.
	Dropped uint64
}

// Framework is the signatures framework: it consumes signature matches as
// base/frameworks/signatures/main.zeek handles signature_match. It is safe
// for concurrent use.
type Framework struct {
	mu      sync.Mutex
	cfg     Config
	log     func(*Info)
	notices Noticer
	now     zeek.Time // latest network time seen

	horizT, vertT, countT map[uint64]bool
	horizCap, vertCap     int

	horiz     *table[origSig, map[zeek.Addr]struct{}]
	vert      *table[addrPair, map[string]struct{}]
	lastH     *table[zeek.Addr, uint64]
	lastV     *table[zeek.Addr, uint64]
	countResp *table[origSig, uint64]
	countOrig *table[origSig, uint64]
	didSigLog *table[string, struct{}]
	summaries summaryQueue
	seq       uint64
	stats     Stats
}

type origSig struct {
	host zeek.Addr
	sig  string
}

type addrPair struct{ orig, resp zeek.Addr }

// New returns a framework that writes signatures.log records to log (nil:
// not logged) and raises notices through notices (nil: none). Records
// handed to log belong to the receiver.
func New(cfg Config, log func(*Info), notices Noticer) *Framework {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultConfig().MaxEntries
	}
	if cfg.MaxPendingSummaries <= 0 {
		cfg.MaxPendingSummaries = DefaultConfig().MaxPendingSummaries
	}
	f := &Framework{cfg: cfg, log: log, notices: notices}
	set := func(xs []uint64) (map[uint64]bool, int) {
		m := make(map[uint64]bool, len(xs))
		var hi uint64
		for _, x := range xs {
			m[x] = true
			hi = max(hi, x)
		}
		// A scan set never shrinks, so once it is larger than every
		// threshold its size no longer matters: keep at most one more
		// element than the largest threshold.
		capacity := int(min(hi, 1<<20)) + 1
		return m, capacity
	}
	f.horizT, f.horizCap = set(cfg.HorizScanThresholds)
	f.vertT, f.vertCap = set(cfg.VertScanThresholds)
	f.countT, _ = set(cfg.CountThresholds)
	d := &f.stats.Dropped
	ttl, n := cfg.StateExpire, cfg.MaxEntries
	f.horiz = newTable[origSig, map[zeek.Addr]struct{}](ttl, n, d)
	f.vert = newTable[addrPair, map[string]struct{}](ttl, n, d)
	f.lastH = newTable[zeek.Addr, uint64](ttl, n, d)
	f.lastV = newTable[zeek.Addr, uint64](ttl, n, d)
	f.countResp = newTable[origSig, uint64](ttl, n, d)
	f.countOrig = newTable[origSig, uint64](ttl, n, d)
	f.didSigLog = newTable[string, struct{}](ttl, n, d)
	return f
}

// Stats returns the counters so far.
func (f *Framework) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// action returns the signature's action (Signatures::actions[sig_id]).
func (f *Framework) action(sigID string) Action {
	if a, ok := f.cfg.Actions[sigID]; ok {
		return a
	}
	return f.cfg.DefaultAction
}

// maxSubMsg is how much of the matching data a record keeps.
const maxSubMsg = 140

// Match handles one signature match as Zeek's signature_match handler
// does. It first fires the summaries due by m.TS (see Advance). m.Data is
// only read during the call.
func (f *Framework) Match(m Match) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Matches++
	f.advance(m.TS)
	now := f.now

	action := f.action(m.SigID)
	if action == SigIgnore || (f.cfg.IgnoredIDs != nil && f.cfg.IgnoredIDs.MatchString(m.SigID)) {
		f.stats.Ignored++
		return
	}
	// The data as the record keeps it: at most 140 bytes, then "...".
	var data string
	if len(m.Data) > maxSubMsg {
		data = string(m.Data[:maxSubMsg]) + "..."

	} else {
		data = string(m.Data)
	}
	srcAddr, srcPort := m.Src()
	dstAddr, dstPort := m.Dst()
	srcMsg := addrMsg(srcAddr, m.Msg)

	if action != SigQuiet && action != SigCountPerResp {
		f.write(&Info{
			TS:       m.TS,
			Note:     SensitiveSignature,
			UID:      zeek.Some(m.UID),
			SrcAddr:  zeek.Some(srcAddr),
			SrcPort:  zeek.Some(srcPort),
			DstAddr:  zeek.Some(dstAddr),
			DstPort:  zeek.Some(dstPort),
			EventMsg: zeek.Some(srcMsg),
			SigID:    zeek.Some(m.SigID),
			SubMsg:   zeek.Some(data),
		})
	}
	conn := zeek.Some(notice.Conn{UID: m.UID, ID: m.ID})

	alarm := action == SigAlarm
	if action == SigCountPerResp {
		dst := m.ID.RespH
		if s := f.countResp.getOrCreate(now, origSig{dst, m.SigID}); s != nil {
			s.v++
			if f.countT[s.v] {
				f.notice(m.TS, notice.Info{
					Note: CountSignature,
					Conn: conn,
					Msg:  zeek.Some(m.Msg),
					N:    zeek.Some(s.v),
					Sub: zeek.Some(strconv.FormatUint(s.v, 10) + " matches of signature " + m.SigID +
						" on host " + addrString(dst)),
				})
			}
		}
	}
	if action == SigAlarmPerOrig || action == SigSummary {
		orig := m.ID.OrigH
		if s := f.countOrig.getOrCreate(now, origSig{orig, m.SigID}); s != nil {
			s.v++
			if s.v == 1 {
				if action == SigAlarmPerOrig {
					alarm = true
				} else {
					f.schedule(now.Add(f.cfg.SummaryInterval), orig, m.SigID, m.Msg)
				}
			}
		}
	}
	if action == SigAlarmOnce {
		if f.didSigLog.get(now, m.SigID) == nil {
			alarm = true
			f.didSigLog.getOrCreate(now, m.SigID)
		}
	}
	if alarm {
		f.notice(m.TS, notice.Info{
			Note:       SensitiveSignature,
			Conn:       conn,
			Src:        zeek.Some(srcAddr),
			Dst:        zeek.Some(dstAddr),
			Msg:        zeek.Some(srcMsg),
			Sub:        zeek.Some(data),
			Identifier: f.cfg.noticeIdentifier(m.SigID, srcAddr, dstAddr),
		})
	}
	if action == SigFileButNoScan || action == SigSummary {
		return
	}
	f.scans(now, &m)
}

// scans is the scan detection of the signature_match handler.
func (f *Framework) scans(now zeek.Time, m *Match) {
	orig, resp := m.ID.OrigH, m.ID.RespH
	hs := f.horiz.getOrCreate(now, origSig{orig, m.SigID})
	vs := f.vert.getOrCreate(now, addrPair{orig, resp})
	if hs == nil || vs == nil {
		return
	}
	if hs.v == nil {
		hs.v = map[zeek.Addr]struct{}{}
	}
	if _, ok := hs.v[resp]; !ok && len(hs.v) < f.horizCap {
		hs.v[resp] = struct{}{}
	}
	if vs.v == nil {
		vs.v = map[string]struct{}{}
	}
	if _, ok := vs.v[m.SigID]; !ok && len(vs.v) < f.vertCap {
		vs.v[m.SigID] = struct{}{}
	}
	hcount, vcount := uint64(len(hs.v)), uint64(len(vs.v))

	if f.horizT[hcount] && hcount != f.lastOf(f.lastH, now, orig) {
		sub := addrString(orig) + " has triggered signature " + m.SigID + " on " +
			strconv.FormatUint(hcount, 10) + " hosts"
		f.write(&Info{
			TS:        m.TS,
			Note:      MultipleSigResponders,
			SrcAddr:   zeek.Some(orig),
			SigID:     zeek.Some(m.SigID),
			EventMsg:  zeek.Some(m.Msg),
			HostCount: zeek.Some(hcount),
			SubMsg:    zeek.Some(sub),
		})
		f.notice(m.TS, notice.Info{
			Note: MultipleSigResponders,
			Src:  zeek.Some(orig),
			Msg:  zeek.Some(m.Msg),
			N:    zeek.Some(hcount),
			Sub:  zeek.Some(sub),
		})
		if s := f.lastH.getOrCreate(now, orig); s != nil {
			s.v = hcount
		}
	}
	if f.vertT[vcount] && vcount != f.lastOf(f.lastV, now, orig) {
		sub := addrString(orig) + " has triggered " + strconv.FormatUint(vcount, 10) +
			" different signatures on host " + addrString(resp)
		msg := strconv.FormatUint(vcount, 10) + " different signatures triggered"
		f.write(&Info{
			TS:       m.TS,
			Note:     MultipleSignatures,
			SrcAddr:  zeek.Some(orig),
			DstAddr:  zeek.Some(resp),
			SigID:    zeek.Some(m.SigID),
			SigCount: zeek.Some(vcount),
			EventMsg: zeek.Some(msg),
			SubMsg:   zeek.Some(sub),
		})
		f.notice(m.TS, notice.Info{
			Note: MultipleSignatures,
			Src:  zeek.Some(orig),
			Dst:  zeek.Some(resp),
			Msg:  zeek.Some(msg),
			N:    zeek.Some(vcount),
			Sub:  zeek.Some(sub),
		})
		if s := f.lastV.getOrCreate(now, orig); s != nil {
			s.v = vcount
		}
	}
}

// lastOf reads last_hthresh or last_vthresh (&default = 0).
func (f *Framework) lastOf(t *table[zeek.Addr, uint64], now zeek.Time, a zeek.Addr) uint64 {
	if s := t.get(now, a); s != nil {
		return s.v
	}
	return 0
}

func (f *Framework) write(r *Info) {
	f.stats.Logged++
	if f.log != nil {
		f.log(r)
	}
}

func (f *Framework) notice(now zeek.Time, n notice.Info) {
	f.stats.Notices++
	if f.notices != nil {
		f.notices.Notice(now, n)
	}
}

// Advance moves the framework's network time to now and raises the
// Signature_Summary notices that are due, as Zeek's timers fire when
// network time passes them. The notices carry now as their time. Call it
// as network time advances (Match calls it too).
func (f *Framework) Advance(now zeek.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advance(now)
}

func (f *Framework) advance(now zeek.Time) {
	if now > f.now {
		f.now = now
	}
	for len(f.summaries) > 0 && f.summaries[0].due <= f.now {
		s := heap.Pop(&f.summaries).(summary)
		f.summary(s)
	}
}

// Done raises every pending Signature_Summary notice at the network time
// reached so far, as Zeek dispatches all scheduled events when it
// terminates.
func (f *Framework) Done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.summaries) > 0 {
		s := heap.Pop(&f.summaries).(summary)
		f.summary(s)
	}
}

// Pending returns the number of scheduled summaries.
func (f *Framework) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.summaries)
}

// summary is the sig_summary event.
func (f *Framework) summary(s summary) {
	var n uint64
	if e := f.countOrig.get(f.now, origSig{s.orig, s.sig}); e != nil {
		n = e.v
	}
	f.notice(f.now, notice.Info{
		Note: SignatureSummary,
		Src:  zeek.Some(s.orig),
		Msg:  zeek.Some(addrMsg(s.orig, s.msg)),
		N:    zeek.Some(n),
	})
}

func (f *Framework) schedule(due zeek.Time, orig zeek.Addr, sig, msg string) {
	if len(f.summaries) >= f.cfg.MaxPendingSummaries {
		f.stats.Dropped++
		return
	}
	f.seq++
	heap.Push(&f.summaries, summary{due: due, seq: f.seq, orig: orig, sig: sig, msg: msg})
}

// addrMsg is fmt("%s: %s", a, msg).
func addrMsg(a zeek.Addr, msg string) string {
	b := make([]byte, 0, 48+len(msg))
	b = zeek.AppendAddr(b, a)
	b = append(b, ": "...)
	b = append(b, msg...)
	return string(b)
}

// addrString is fmt("%s", a).
func addrString(a zeek.Addr) string { return string(zeek.AppendAddr(nil, a)) }

// summary is a scheduled sig_summary event.
type summary struct {
	due  zeek.Time
	seq  uint64 // scheduling order, for ties
	orig zeek.Addr
	sig  string
	msg  string
}

// summaryQueue is a min-heap of summaries by due time.
type summaryQueue []summary

func (q summaryQueue) Len() int { return len(q) }
func (q summaryQueue) Less(i, j int) bool {
	if q[i].due != q[j].due {
		return q[i].due < q[j].due
	}
	return q[i].seq < q[j].seq
}
func (q summaryQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *summaryQueue) Push(x any)   { *q = append(*q, x.(summary)) }
func (q *summaryQueue) Pop() any {
	old := *q
	s := old[len(old)-1]
	*q = old[:len(old)-1]
	return s
}

// LogPath is the path of signatures.log (Signatures::LOG).
const LogPath = "signatures"
