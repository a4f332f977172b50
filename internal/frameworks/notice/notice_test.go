package notice

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/weird"
	"github.com/heron-nsm/heron/internal/zeek"
)

var (
	testNotice = RegisterType("Test_Notice")
	otherType  = RegisterType("Test::Other")
)

type recorder struct{ notices, alarms []Info }

func (r *recorder) log(n *Info)   { r.notices = append(r.notices, *n) }
func (r *recorder) alarm(n *Info) { r.alarms = append(r.alarms, *n) }

func newRec(cfg Config) (*Framework, *recorder) {
	r := &recorder{}
	return New(cfg, r.log, r.alarm), r
}

const sec = zeek.Time(zeek.Second)

var (
	a1 = netip.MustParseAddr("10.0.0.1")
	a2 = netip.MustParseAddr("10.0.0.2")
	a3 = netip.MustParseAddr("192.0.2.7")
)

func tcpID(o netip.Addr, op uint16, r netip.Addr, rp uint16) zeek.ConnID {
	return zeek.ConnID{OrigH: o, OrigP: zeek.Port{Num: op, Proto: zeek.ProtoTCP},
		RespH: r, RespP: zeek.Port{Num: rp, Proto: zeek.ProtoTCP}}
}

func TestDefaults(t *testing.T) {
	id := tcpID(a1, 1234, a2, 80)
	udp := zeek.Port{Num: 53, Proto: zeek.ProtoUDP}
	cases := []struct {
		name  string
		in    Info
		check func(t *testing.T, n Info)
	}{
		{"bare", Info{Note: testNotice, Msg: zeek.Some("m")}, func(t *testing.T, n Info) {
			if n.TS != zeek.Some(100*sec) || n.UID.Set || n.ID.Set || n.Src.Set || n.P.Set || n.Proto.Set {
				t.Errorf("%+v", n)
			}
			if n.SuppressFor != zeek.Some(zeek.Hour) || !slices.Equal(n.Actions, []Action{ActionLog}) || n.PeerDescr.Set {
				t.Errorf("suppress_for %v actions %v", n.SuppressFor, n.Actions)
			}
		}},
		{"conn", Info{Note: testNotice, Conn: zeek.Some(Conn{UID: "CAbc", ID: id})}, func(t *testing.T, n Info) {
			if n.UID.V != "CAbc" || n.ID.V != id || n.Src.V != a1 || n.Dst.V != a2 ||
				n.P.V != id.RespP || n.Proto != zeek.Some(zeek.ProtoTCP) {
				t.Errorf("%+v", n)
			}
		}},
		{"conn does not override uid, id or src", Info{Note: testNotice, UID: zeek.Some("Cmine"),
			Src: zeek.Some(a3), Conn: zeek.Some(Conn{UID: "CAbc", ID: id})}, func(t *testing.T, n Info) {
			if n.UID.V != "Cmine" || n.Src.V != a3 || n.Dst.V != a2 || !n.ID.Set {
				t.Errorf("%+v", n)
			}
		}},
		{"port alone gives proto", Info{Note: testNotice, P: zeek.Some(udp)}, func(t *testing.T, n Info) {
			if n.Proto != zeek.Some(zeek.ProtoUDP) || n.Src.Set {
				t.Errorf("%+v", n)
			}
		}},
		{"explicit ts", Info{Note: testNotice, TS: zeek.Some(5 * sec)}, func(t *testing.T, n Info) {
			if n.TS.V != 5*sec {
				t.Errorf("ts %v", n.TS)
			}
		}},
		{"file", Info{Note: testNotice, File: zeek.Some(FileInfo{FUID: "Fx", Desc: "http://h/x",
			Mime: zeek.Some("text/plain"), CID: zeek.Some(id), CUID: zeek.Some("Cfile")})}, func(t *testing.T, n Info) {
			if n.FUID.V != "Fx" || n.FileMimeType.V != "text/plain" || n.FileDesc.V != "http://h/x" ||
				n.UID.V != "Cfile" || n.ID.V != id || n.P.V.Num != 80 {
				t.Errorf("%+v", n)
			}
		}},
		{"file overrides id but not fuid", Info{Note: testNotice, FUID: zeek.Some("Fmine"), UID: zeek.Some("Cmine"),
			File: zeek.Some(FileInfo{FUID: "Fx", CUID: zeek.Some("Cfile")})}, func(t *testing.T, n Info) {
			if n.FUID.V != "Fmine" || n.UID.V != "Cfile" || !n.FileDesc.Set || n.FileDesc.V != "" || n.FileMimeType.Set {
				t.Errorf("%+v", n)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, r := newRec(DefaultConfig())
			f.Notice(100*sec, c.in)
			if len(r.notices) != 1 || len(r.alarms) != 0 {
				t.Fatalf("%d notices, %d alarms", len(r.notices), len(r.alarms))
			}
			c.check(t, r.notices[0])
		})
	}
}

// event is one call of Notice in a sequence.
type event struct {
	at          zeek.Time
	note        Type
	id          string // "" for none
	ts          zeek.Time
	suppressFor zeek.Opt[zeek.Interval]
	logged      bool
}

func TestSuppression(t *testing.T) {
	cases := []struct {
		name   string
		cfg    func(*Config)
		events []event
	}{
		{"same identifier within the interval", nil, []event{
			{at: 10 * sec, note: testNotice, id: "static", logged: true},
			{at: 10 * sec, note: testNotice, id: "static"},
			{at: 3610 * sec, note: testNotice, id: "static"}, // until is inclusive
			{at: 3611 * sec, note: testNotice, id: "static", logged: true},
			{at: 3612 * sec, note: testNotice, id: "static"},
		}},
		{"no identifier: never suppressed", nil, []event{
			{at: 1 * sec, note: testNotice, logged: true},
			{at: 1 * sec, note: testNotice, logged: true},
		}},
		{"identifiers and notes are independent", nil, []event{
			{at: 1 * sec, note: testNotice, id: "a", logged: true},
			{at: 2 * sec, note: testNotice, id: "b", logged: true},
			{at: 3 * sec, note: otherType, id: "a", logged: true},
			{at: 4 * sec, note: otherType, id: "a"},
		}},
		{"suppress_for of the notice", nil, []event{
			{at: 1 * sec, note: testNotice, id: "x", suppressFor: zeek.Some(10 * zeek.Second), logged: true},
			{at: 11 * sec, note: testNotice, id: "x"},
			{at: 12 * sec, note: testNotice, id: "x", suppressFor: zeek.Some(zeek.Interval(0)), logged: true},
			{at: 13 * sec, note: testNotice, id: "x", logged: true}, // 0 started no suppression
		}},
		{"measured from the notice's ts", nil, []event{
			{at: 100 * sec, ts: 50 * sec, note: testNotice, id: "x", suppressFor: zeek.Some(60 * zeek.Second), logged: true},
			{at: 110 * sec, note: testNotice, id: "x"},
			{at: 111 * sec, note: testNotice, id: "x", logged: true},
		}},
		{"default interval 0 disables", func(c *Config) { c.DefaultSuppressionInterval = 0 }, []event{
			{at: 1 * sec, note: testNotice, id: "x", logged: true},
			{at: 2 * sec, note: testNotice, id: "x", logged: true},
		}},
		{"not_suppressed_types", func(c *Config) { c.NotSuppressedTypes = []Type{testNotice} }, []event{
			{at: 1 * sec, note: testNotice, id: "x", logged: true},
			{at: 2 * sec, note: testNotice, id: "x", logged: true},
			{at: 3 * sec, note: otherType, id: "x", logged: true},
			{at: 4 * sec, note: otherType, id: "x"},
		}},
		{"type_suppression_intervals override not_suppressed_types", func(c *Config) {
			c.NotSuppressedTypes = []Type{testNotice}
			c.TypeSuppressionIntervals = map[Type]zeek.Interval{testNotice: 5 * zeek.Second}
		}, []event{
			{at: 1 * sec, note: testNotice, id: "x", suppressFor: zeek.Some(zeek.Hour), logged: true},
			{at: 6 * sec, note: testNotice, id: "x"},
			{at: 7 * sec, note: testNotice, id: "x", logged: true},
		}},
		{"ignored types are not logged but still suppress", func(c *Config) { c.IgnoredTypes = []Type{testNotice} }, []event{
			{at: 1 * sec, note: testNotice, id: "x"},
			{at: 2 * sec, note: testNotice, id: "x"},
		}},
		{"suppression expires on packet time only", nil, []event{
			{at: 1 * sec, note: testNotice, id: "x", logged: true},
			{at: 1 * sec, note: testNotice, id: "x"},
			{at: 2 * sec, note: testNotice, id: "x"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			f, r := newRec(cfg)
			var want []zeek.Time
			for _, e := range c.events {
				n := Info{Note: e.note, Msg: zeek.Some("m"), SuppressFor: e.suppressFor}
				if e.id != "" {
					n.Identifier = zeek.Some(e.id)
				}
				if e.ts != 0 {
					n.TS = zeek.Some(e.ts)
				}
				before := len(r.notices)
				f.Notice(e.at, n)
				if got := len(r.notices) > before; got != e.logged {
					t.Errorf("notice at %v (%s %q): logged %v, want %v", e.at, e.note, e.id, got, e.logged)
				}
				if e.logged {
					want = append(want, e.at)
				}
			}
			st := f.Stats()
			if st.Raised != uint64(len(c.events)) || st.Logged != uint64(len(want)) {
				t.Errorf("stats %+v", st)
			}
			for _, n := range r.notices {
				if !n.SuppressFor.Set {
					t.Errorf("suppress_for unset in %+v", n)
				}
			}
		})
	}
}

func TestIgnoredTypeStartsSuppression(t *testing.T) {
	// An ignored notice is not logged but starts its suppression: once the
	// type is no longer ignored (here: another framework sharing the
	// table), notices within the interval stay suppressed.
	cfg := DefaultConfig()
	cfg.IgnoredTypes = []Type{testNotice}
	f, r := newRec(cfg)
	f.Notice(1*sec, Info{Note: testNotice, Identifier: zeek.Some("x")})
	f2 := New(DefaultConfig(), r.log, r.alarm)
	f2.supp = f.supp // the same table, as a cluster would share it
	f2.Notice(2*sec, Info{Note: testNotice, Identifier: zeek.Some("x")})
	if len(r.notices) != 0 || f2.Stats().Suppressed != 1 {
		t.Fatalf("notices %v, stats %+v", r.notices, f2.Stats())
	}
}

type mailRec struct {
	dests []string
	msgs  []string
}

func (m *mailRec) Mail(dest string, msg []byte) {
	m.dests = append(m.dests, dest)
	m.msgs = append(m.msgs, string(msg))
}

func TestActions(t *testing.T) {
	addAction := func(a Action) PolicyFunc { return func(n *Info) bool { n.AddAction(a); return true } }
	cases := []struct {
		name       string
		cfg        func(*Config)
		in         Info
		logged     bool
		alarmed    bool
		actions    []Action
		emailDest  []string
		mailedTo   []string
		suppressed bool // a second identical notice right after is suppressed
	}{
		{name: "default", logged: true, actions: []Action{ActionLog}},
		{name: "alarmed_types", cfg: func(c *Config) { c.AlarmedTypes = []Type{testNotice} },
			logged: true, alarmed: true, actions: []Action{ActionAlarm, ActionLog}},
		{name: "alarm from policy", cfg: func(c *Config) { c.Policy = []PolicyFunc{addAction(ActionAlarm)} },
			logged: true, alarmed: true, actions: []Action{ActionAlarm, ActionLog}},
		{name: "alarm without log", cfg: func(c *Config) {
			c.Policy = []PolicyFunc{addAction(ActionAlarm), func(n *Info) bool { n.RemoveAction(ActionLog); return true }}
		}, alarmed: true, actions: []Action{ActionAlarm}},
		{name: "emailed_types", cfg: func(c *Config) {
			c.EmailedTypes = []Type{testNotice}
			c.MailDest = "user@example.net"
		}, logged: true, actions: []Action{ActionEmail, ActionLog}, emailDest: []string{"user@example.net"},
			mailedTo: []string{"user@example.net"}},
		{name: "email without mail_dest", cfg: func(c *Config) { c.EmailedTypes = []Type{testNotice} },
			logged: true, actions: []Action{ActionEmail, ActionLog}, emailDest: []string{""}},
		{name: "page", cfg: func(c *Config) {
			c.MailPageDest = "page@example.net"
			c.Policy = []PolicyFunc{addAction(ActionPage)}
		}, logged: true, actions: []Action{ActionLog, ActionPage}, emailDest: []string{"page@example.net"},
			mailedTo: []string{"page@example.net"}},
		{name: "email and page", cfg: func(c *Config) {
			c.MailDest, c.MailPageDest = "user@example.net", "page@example.net"
			c.Policy = []PolicyFunc{addAction(ActionPage), addAction(ActionEmail)}
		}, logged: true, actions: []Action{ActionEmail, ActionLog, ActionPage},
			emailDest: []string{"user@example.net", "page@example.net"},
			mailedTo:  []string{"user@example.net", "page@example.net"}},
		{name: "email admin", cfg: func(c *Config) {
			c.AdminEmails = func(a zeek.Addr) string {
				if a == a1 {
					return "admin1@example.net"
				}
				return ""
			}
			c.Policy = []PolicyFunc{addAction(ActionEmailAdmin)}
		}, in: Info{Src: zeek.Some(a1), Dst: zeek.Some(a2)}, logged: true,
			actions: []Action{ActionEmailAdmin, ActionLog}, emailDest: []string{"admin1@example.net"},
			mailedTo: []string{"admin1@example.net"}},
		{name: "policy break", cfg: func(c *Config) {
			c.Policy = []PolicyFunc{func(n *Info) bool { return false }, addAction(ActionAlarm)}
		}, logged: true, actions: []Action{ActionLog}},
		{name: "ignored: user policy does not run", cfg: func(c *Config) {
			c.IgnoredTypes = []Type{testNotice}
			c.Policy = []PolicyFunc{addAction(ActionAlarm)}
		}, suppressed: true},
		{name: "policy changes suppress_for", cfg: func(c *Config) {
			c.Policy = []PolicyFunc{func(n *Info) bool { n.SuppressFor = zeek.Some(zeek.Interval(0)); return true }}
		}, logged: true, actions: []Action{ActionLog}},
		{name: "lookup_location_types", cfg: func(c *Config) { c.LookupLocationTypes = []Type{testNotice} },
			logged: true, actions: []Action{ActionAddGeodata, ActionLog}},
		{name: "handler sees the final notice", cfg: func(c *Config) {
			c.Handlers = []HandlerFunc{func(n *Info) {
				if n.HasAction(ActionLog) && n.TS.Set {
					n.Sub = zeek.Some("seen")
				}
			}}
		}, logged: true, actions: []Action{ActionLog}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			mail := &mailRec{}
			cfg.Mailer = mail
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			f, r := newRec(cfg)
			n := c.in
			n.Note, n.Msg, n.Identifier = testNotice, zeek.Some("test"), zeek.Some("static")
			f.Notice(1*sec, n)
			if got := len(r.notices) == 1; got != c.logged {
				t.Fatalf("logged %v, want %v", got, c.logged)
			}
			if got := len(r.alarms) == 1; got != c.alarmed {
				t.Fatalf("alarmed %v, want %v", got, c.alarmed)
			}
			var rec Info
			switch {
			case c.logged:
				rec = r.notices[0]
			case c.alarmed:
				rec = r.alarms[0]
			}
			if c.logged || c.alarmed {
				if !slices.Equal(rec.Actions, c.actions) {
					t.Errorf("actions %v, want %v", rec.Actions, c.actions)
				}
				if !slices.Equal(rec.EmailDest, c.emailDest) {
					t.Errorf("email_dest %q, want %q", rec.EmailDest, c.emailDest)
				}
			}
			if !slices.Equal(mail.dests, c.mailedTo) {
				t.Errorf("mailed to %q, want %q", mail.dests, c.mailedTo)
			}
			if c.name == "handler sees the final notice" && rec.Sub.V != "seen" {
				t.Errorf("handler did not run: %+v", rec)
			}
			f.Notice(2*sec, n)
			second := f.Stats().Suppressed == 1
			wantSupp := c.name != "policy changes suppress_for"
			if second != wantSupp {
				t.Errorf("second notice suppressed %v, want %v", second, wantSupp)
			}
		})
	}
}

func TestPeer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Node = "worker-1"
	f, r := newRec(cfg)
	f.Notice(1*sec, Info{Note: testNotice})
	f.Notice(1*sec, Info{Note: testNotice, PeerDescr: zeek.Some("mine")})
	if r.notices[0].PeerDescr.V != "worker-1" || r.notices[0].PeerName.V != "worker-1" || r.notices[1].PeerDescr.V != "mine" {
		t.Fatalf("%+v", r.notices)
	}
}

func TestWeirdNotice(t *testing.T) {
	f, r := newRec(DefaultConfig())
	wcfg := weird.DefaultConfig()
	wcfg.Actions["test_flow_weird"] = weird.ActionNotice
	var weirds []weird.Info
	rep := weird.New(wcfg, func(w *weird.Info) { weirds = append(weirds, *w) }, f.Weird)

	id := tcpID(a1, 1234, a2, 80)
	// SYN_after_partial is ACTION_NOTICE_PER_ORIG in weird.zeek.
	rep.Conn(7*sec, "CWeird", id, "SYN_after_partial", "some detail", "TCP")
	rep.Conn(8*sec, "CWeird2", tcpID(a1, 1235, a2, 80), "SYN_after_partial", "", "TCP") // same orig: no second notice
	rep.Flow(9*sec, a1, a3, "test_flow_weird", "", "")
	rep.Conn(10*sec, "CWeird", id, "data_before_established", "", "TCP") // ACTION_LOG: no notice

	if len(r.notices) != 2 {
		t.Fatalf("%d notices, want 2: %+v", len(r.notices), r.notices)
	}
	n := r.notices[0]
	if n.Note != WeirdActivity || n.Msg.V != "SYN_after_partial" || n.Sub.V != "some detail" ||
		n.UID.V != "CWeird" || n.ID.V != id || n.Src.V != a1 || n.Dst.V != a2 || n.P.V != id.RespP ||
		n.Proto.V != zeek.ProtoTCP || n.TS.V != 7*sec || n.Identifier.Set {
		t.Errorf("conn weird notice %+v", n)
	}
	n = r.notices[1]
	if n.Msg.V != "test_flow_weird" || n.UID.Set || n.Sub.Set || n.Src.V != a1 || n.Dst.V != a3 ||
		n.P.V != (zeek.Port{}) || n.Proto != zeek.Some(zeek.ProtoUnknown) {
		t.Errorf("flow weird notice %+v", n)
	}
	if !weirds[0].Notice || weirds[len(weirds)-1].Notice {
		t.Errorf("weird notice flags: %+v", weirds)
	}
}

func TestTypeRegistry(t *testing.T) {
	if got, ok := LookupType("Weird::Activity"); !ok || got != WeirdActivity {
		t.Fatal("Weird::Activity not registered")
	}
	if _, ok := LookupType("No::Such_Type"); ok {
		t.Fatal("unregistered type found")
	}
	if RegisterType("Test_Notice") != testNotice {
		t.Fatal("registering twice changed the type")
	}
	if !slices.Contains(Types(), Tally) || !slices.IsSorted(Types()) {
		t.Fatal("Types")
	}
	for _, bad := range []string{"", "1abc", "A::", "::A", "A B", "A::-b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterType(%q) did not panic", bad)
				}
			}()
			RegisterType(bad)
		}()
	}
}

func TestParseAction(t *testing.T) {
	for in, want := range map[string]Action{
		"Notice::ACTION_LOG": ActionLog, "ACTION_ALARM": ActionAlarm, "ACTION_DROP": ActionDrop,
		"Notice::ACTION_CUSTOM_THING": "Notice::ACTION_CUSTOM_THING",
	} {
		if got, ok := ParseAction(in); !ok || got != want {
			t.Errorf("ParseAction(%q) = %q %v", in, got, ok)
		}
	}
	for _, bad := range []string{"LOG", "ACTION_", "Other::ACTION_LOG", "ACTION_A B", ""} {
		if _, ok := ParseAction(bad); ok {
			t.Errorf("ParseAction(%q) accepted", bad)
		}
	}
}

func TestInfoSets(t *testing.T) {
	var n Info
	n.AddAction(ActionLog)
	n.AddAction(ActionLog)
	n.AddAction(ActionAlarm)
	shared := n.Actions
	n.RemoveAction(ActionLog)
	if !slices.Equal(n.Actions, []Action{ActionAlarm}) || !slices.Equal(shared, []Action{ActionLog, ActionAlarm}) {
		t.Fatalf("actions %v, shared %v", n.Actions, shared)
	}
	n.AddEmailDest("a")
	n.AddEmailDest("a")
	if len(n.EmailDest) != 1 {
		t.Fatal("email dest repeated")
	}
}
