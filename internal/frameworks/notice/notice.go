package notice

import (
	"slices"
	"sync"

	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/zeek"
)

// PolicyFunc is a notice policy: Go's stand-in for a handler of Zeek's
// Notice::policy hook. It may change the notice (add or remove actions,
// change SuppressFor, …). Returning false ends the policy for this notice,
// as "break" does in a hook: later policies do not run.
type PolicyFunc func(n *Info) bool

// HandlerFunc sees a notice after the policy, when its actions are final
// and email destinations are filled, before it is mailed and logged: Go's
// stand-in for a handler of Zeek's Notice::notice hook at the default
// priority. It may change the notice.
type HandlerFunc func(n *Info)

// Config holds the framework's options with Zeek's names, and the Go seams
// that stand in for script hooks.
type Config struct {
	// DefaultSuppressionInterval is Notice::default_suppression_interval
	// (1 hr): how long identical notices are suppressed when the notice
	// does not say. 0 disables suppression.
	DefaultSuppressionInterval zeek.Interval
	// IgnoredTypes is Notice::ignored_types: notices of these types get no
	// actions (so they are not logged), but they still start their
	// suppression.
	IgnoredTypes []Type
	// EmailedTypes is Notice::emailed_types: these get ACTION_EMAIL.
	EmailedTypes []Type
	// AlarmedTypes is Notice::alarmed_types: these get ACTION_ALARM.
	AlarmedTypes []Type
	// NotSuppressedTypes is Notice::not_suppressed_types: these are not
	// suppressed (suppress_for 0) unless TypeSuppressionIntervals says
	// otherwise.
	NotSuppressedTypes []Type
	// TypeSuppressionIntervals is Notice::type_suppression_intervals: the
	// suppression interval by type, overriding the notice's own.
	TypeSuppressionIntervals map[Type]zeek.Interval
	// LookupLocationTypes is Notice::lookup_location_types: these get
	// ACTION_ADD_GEODATA.
	LookupLocationTypes []Type

	// MailDest is Notice::mail_dest: where ACTION_EMAIL notices go.
	MailDest string
	// MailPageDest is Notice::mail_page_dest: where ACTION_PAGE notices go.
	MailPageDest string
	// MailFrom is Notice::mail_from.
	MailFrom string
	// ReplyTo is Notice::reply_to ("" adds no Reply-To header).
	ReplyTo string
	// MailSubjectPrefix is Notice::mail_subject_prefix.
	MailSubjectPrefix string
	// Sendmail is Notice::sendmail, for a Mailer that runs it.
	Sendmail string
	// UserAgent is the User-Agent header of notice mail (Zeek writes
	// "Zeek/" and its version).
	UserAgent string

	// Node is the cluster node's name (Cluster::node); standalone it is
	// empty. In a cluster it fills peer_name and peer_descr.
	Node string

	// Policy runs after the framework's own policy, in order, as
	// Notice::policy handlers of priorities below 10 do. The framework's
	// policy ends processing of ignored types before these run.
	Policy []PolicyFunc
	// Handlers run, in order, after the policy and the email destinations
	// are settled, before mail and logging.
	Handlers []HandlerFunc
	// AdminEmails is Site::get_emails: the administrators' addresses for
	// an address, joined by ", " ("" if none). Nil when Site::local_admins
	// is empty; then ACTION_EMAIL_ADMIN adds no destination.
	AdminEmails func(zeek.Addr) string
	// Mailer sends notice mail. Nil sends none, as Zeek does when it
	// reads a trace.
	Mailer Mailer
	// Suppressor keeps suppressions; nil uses a LocalSuppressor of
	// DefaultMaxSuppressions entries.
	Suppressor Suppressor
}

// DefaultConfig returns Zeek's defaults.
func DefaultConfig() Config {
	return Config{
		DefaultSuppressionInterval: zeek.Hour,
		MailFrom:                   "Zeek <zeek@localhost>",
		MailSubjectPrefix:          "[Zeek]",
		Sendmail:                   "/usr/sbin/sendmail",
		UserAgent:                  "Heron",
	}
}

// Stats counts what the framework did.
type Stats struct {
	// Raised counts calls of Notice.
	Raised uint64
	// Suppressed counts notices dropped because they were suppressed.
	Suppressed uint64
	// Logged counts notice.log records.
	Logged uint64
	// Alarmed counts notice_alarm.log records.
	Alarmed uint64
	// Mailed counts messages handed to the Mailer.
	Mailed uint64
}

// Framework is the notice framework: Zeek's NOTICE function and what runs
// behind it. It is safe for concurrent use; notices are processed one at a
// time.
type Framework struct {
	mu    sync.Mutex
	cfg   Config
	log   func(*Info)
	alarm func(*Info)
	supp  Suppressor

	ignored, emailed, alarmed, notSuppressed, lookupLocation map[Type]bool

	stats Stats
}

// New returns a framework that hands notice.log records to log and
// notice_alarm.log records to alarm (either may be nil: those records are
// dropped). Records handed on belong to the receiver (see Notice).
func New(cfg Config, log, alarm func(*Info)) *Framework {
	f := &Framework{cfg: cfg, log: log, alarm: alarm, supp: cfg.Suppressor}
	if f.supp == nil {
		f.supp = NewLocalSuppressor(0)
	}
	set := func(ts []Type) map[Type]bool {
		m := make(map[Type]bool, len(ts))
		for _, t := range ts {
			m[t] = true
		}
		return m
	}
	f.ignored = set(cfg.IgnoredTypes)
	f.emailed = set(cfg.EmailedTypes)
	f.alarmed = set(cfg.AlarmedTypes)
	f.notSuppressed = set(cfg.NotSuppressedTypes)
	f.lookupLocation = set(cfg.LookupLocationTypes)
	return f
}

// Stats returns the counters so far.
func (f *Framework) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// Notice raises a notice at network time now, as Zeek's NOTICE(n): unless
// a notice of the same Note and Identifier is being suppressed, it fills
// the defaults (ts, uid and id from Conn or File, src, dst and p from id,
// proto from p, suppress_for), applies the policy (Config's type sets, then
// Config.Policy), adds email destinations, runs Config.Handlers, mails,
// writes notice.log for ACTION_LOG and notice_alarm.log for ACTION_ALARM,
// and starts the notice's suppression when it has an identifier and a
// non-zero SuppressFor.
//
// The framework takes over n's slices (Actions, EmailDest,
// EmailBodySections): they end up in the logged records, and the caller
// must not modify them afterwards.
func (f *Framework) Notice(now zeek.Time, n Info) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Raised++
	if n.Identifier.Set && f.supp.Suppressed(now, n.Note, n.Identifier.V) {
		f.stats.Suppressed++
		return
	}
	f.applyPolicy(now, &n)
	f.handle(now, &n)
}

// applyPolicy is the script's apply_policy with its Notice::policy hook.
func (f *Framework) applyPolicy(now zeek.Time, n *Info) {
	// suppress_for has &default: it is set when the record is made, so
	// the policy sees (and may change) the default.
	if !n.SuppressFor.Set {
		n.SuppressFor = zeek.Some(f.cfg.DefaultSuppressionInterval)
	}
	if !n.TS.Set {
		n.TS = zeek.Some(now)
	}
	if f.cfg.Node != "" {
		if !n.PeerName.Set {
			n.PeerName = zeek.Some(f.cfg.Node)
		}
		if !n.PeerDescr.Set {
			n.PeerDescr = zeek.Some(f.cfg.Node)
		}
	}
	if n.File.Set {
		fi := &n.File.V
		if !n.FUID.Set {
			n.FUID = zeek.Some(fi.FUID)
		}
		if !n.FileMimeType.Set && fi.Mime.Set {
			n.FileMimeType = fi.Mime
		}
		n.FileDesc = zeek.Some(fi.Desc)
		if fi.CID.Set {
			n.ID = fi.CID
		}
		if fi.CUID.Set {
			n.UID = fi.CUID
		}
	}
	if n.Conn.Set {
		if !n.ID.Set {
			n.ID = zeek.Some(n.Conn.V.ID)
		}
		if !n.UID.Set {
			n.UID = zeek.Some(n.Conn.V.UID)
		}
	}
	if n.ID.Set {
		if !n.Src.Set {
			n.Src = zeek.Some(n.ID.V.OrigH)
		}
		if !n.Dst.Set {
			n.Dst = zeek.Some(n.ID.V.RespH)
		}
		if !n.P.Set {
			n.P = zeek.Some(n.ID.V.RespP)
		}
	}
	if n.P.Set {
		n.Proto = zeek.Some(n.P.V.Proto)
	}

	// The framework's own policy (priority 10 in main.zeek, with the one
	// of actions/add-geodata.zeek).
	if f.ignored[n.Note] {
		return
	}
	if f.notSuppressed[n.Note] {
		n.SuppressFor = zeek.Some(zeek.Interval(0))
	}
	if f.alarmed[n.Note] {
		n.AddAction(ActionAlarm)
	}
	if f.emailed[n.Note] {
		n.AddAction(ActionEmail)
	}
	if d, ok := f.cfg.TypeSuppressionIntervals[n.Note]; ok {
		n.SuppressFor = zeek.Some(d)
	}
	n.AddAction(ActionLog)
	if f.lookupLocation[n.Note] {
		n.AddAction(ActionAddGeodata)
	}
	for _, p := range f.cfg.Policy {
		if !p(n) {
			return
		}
	}
}

// handle is the Notice::notice hook: email destinations, handlers, mail,
// logs and the start of suppression.
func (f *Framework) handle(now zeek.Time, n *Info) {
	// ACTION_ADD_GEODATA would look up remote_location here; Heron has no
	// GeoIP database. Then the email destinations, in the load order of
	// the scripts that add them (main, email_admin, page).
	if n.HasAction(ActionEmail) {
		n.AddEmailDest(f.cfg.MailDest)
	}
	if f.cfg.AdminEmails != nil && n.HasAction(ActionEmailAdmin) {
		if n.Src.Set {
			if e := f.cfg.AdminEmails(n.Src.V); e != "" {
				n.AddEmailDest(e)
			}
		}
		if n.Dst.Set {
			if e := f.cfg.AdminEmails(n.Dst.V); e != "" {
				n.AddEmailDest(e)
			}
		}
	}
	if n.HasAction(ActionPage) {
		n.AddEmailDest(f.cfg.MailPageDest)
	}
	for _, h := range f.cfg.Handlers {
		h(n)
	}

	if f.cfg.Mailer != nil {
		for _, dest := range n.EmailDest {
			if dest == "" {
				continue
			}
			f.cfg.Mailer.Mail(dest, f.emailText(n, dest, true))
			f.stats.Mailed++
		}
	}

	// Zeek writes sets in the order of its hash table; Heron sorts the
	// actions by name, which is deterministic.
	slices.Sort(n.Actions)
	if n.HasAction(ActionLog) {
		f.stats.Logged++
		if f.log != nil {
			f.log(n)
		}
	}
	if n.HasAction(ActionAlarm) {
		f.stats.Alarmed++
		if f.alarm != nil {
			f.alarm(n)
		}
	}

	if n.Identifier.Set && n.SuppressFor.V != 0 && !f.supp.Suppressed(now, n.Note, n.Identifier.V) {
		f.supp.Begin(now, n.TS.V, n.SuppressFor.V, n.Note, n.Identifier.V)
	}
}

// Weird turns a weird whose action asks for a notice into a Weird::Activity
// notice, as do_weird in base/frameworks/notice/weird.zeek builds it: msg is
// the weird's name, sub its addl, uid and id those of the weird (so src,
// dst, p and proto follow from id), no identifier (so it is never
// suppressed), at the weird's time. Pass it to weird.New as the notice
// callback. w is only read during the call.
func (f *Framework) Weird(w *weird.Info) {
	n := Info{
		Note: WeirdActivity,
		Msg:  zeek.Some(w.Name),
		UID:  w.UID,
		ID:   w.ID,
		Sub:  w.Addl,
	}
	f.Notice(w.TS, n)
}
