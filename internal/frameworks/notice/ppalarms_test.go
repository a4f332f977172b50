package notice

import (
	"net/netip"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/zeek"
)

// TestAlarmEntry: summary entries as pp-alarms.zeek's pretty_print_alarm
// prints them, for a connection, a src/dst pair, a lone src with a port,
// and a notice with no address; in a cluster the message names the node.
func TestAlarmEntry(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	defer func() { time.Local = saved }()
	ts := zeek.Some(zeek.Time(1700000000 * int64(time.Second)))
	a1, a2 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::2")
	tests := []struct {
		name    string
		n       Info
		cluster bool
		want    string
	}{
		{"conn", Info{TS: ts, Note: "Scan::Port_Scan", Msg: zeek.Some("scan"), Sub: zeek.Some("details"), UID: zeek.Some("CabC"),
			ID:        zeek.Some(zeek.ConnID{OrigH: a1, OrigP: zeek.Port{Num: 1234, Proto: zeek.ProtoTCP}, RespH: a2, RespP: zeek.Port{Num: 80, Proto: zeek.ProtoTCP}}),
			PeerDescr: zeek.Some("worker-1")}, true,
			">  2023-11-14-22:13:20 Scan::Port_Scan 10.0.0.1:1234/tcp -> 2001:db8::2:80/tcp (uid CabC)\n" +
				"   <worker-1> scan\n   details\n   # 10.0.0.1 = one  2001:db8::2 = two\n\n"},
		{"src dst", Info{TS: ts, Note: "X::Y", Msg: zeek.Some("m"), Src: zeek.Some(a1), Dst: zeek.Some(a2)}, true,
			">  2023-11-14-22:13:20 X::Y 10.0.0.1 -> 2001:db8::2\n   <local> m\n   # 10.0.0.1 = one  2001:db8::2 = two\n\n"},
		{"src port", Info{TS: ts, Note: "X::Y", Msg: zeek.Some("m"), Src: zeek.Some(a1), P: zeek.Some(zeek.Port{Num: 53, Proto: zeek.ProtoUDP})}, false,
			">  2023-11-14-22:13:20 X::Y 10.0.0.1:53/udp\n   m\n   # 10.0.0.1 = one\n\n"},
		{"no address", Info{TS: ts, Note: "X::Y", Msg: zeek.Some("m"), PeerName: zeek.Some("proxy-1")}, true,
			">  2023-11-14-22:13:20 X::Y \n   <proxy-1> m\n\n"},
	}
	for _, tc := range tests {
		h1, h2 := AlarmHosts(&tc.n)
		n1, n2 := "", ""
		if h1.IsValid() {
			n1 = "one"
		}
		if h2.IsValid() {
			n2 = "two"
		}
		if got := string(AppendAlarmEntry(nil, &tc.n, tc.cluster, n1, n2)); got != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.name, got, tc.want)
		}
	}
}

// TestAlarmSummaryText: the mail of pp_send: notice mail headers, subject
// "Alarm summary from HH:MM:SS-HH:MM:SS", the entries, the signature.
func TestAlarmSummaryText(t *testing.T) {
	saved := time.Local
	time.Local = time.UTC
	defer func() { time.Local = saved }()
	cfg := DefaultConfig()
	cfg.MailSubjectPrefix = "[Heron]"
	f := New(cfg, nil, nil)
	from := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	got := string(f.AlarmSummaryText(from, from.Add(time.Hour+30*time.Second), "soc@example.org", []byte("entry\n\n")))
	want := "From: Zeek <zeek@localhost>\nSubject: [Heron] Alarm summary from 09:00:00-10:00:30\nTo: soc@example.org\nUser-Agent: Heron\n\n" +
		"entry\n\n\n\n--\n[Automatically generated]\n\n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
