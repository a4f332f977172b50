package noticesync

import (
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestRecordRoundTrip(t *testing.T) {
	full := notice.Info{
		TS:  zeek.Some(zeek.Time(1_700_000_000_123_456_000)),
		UID: zeek.Some("CHhAvVGS1DHFjwGM9"),
		ID: zeek.Some(zeek.ConnID{
			OrigH: netip.MustParseAddr("10.0.0.1"), OrigP: zeek.Port{Num: 40000, Proto: zeek.ProtoTCP},
			RespH: netip.MustParseAddr("2001:db8::1"), RespP: zeek.Port{Num: 443, Proto: zeek.ProtoTCP},
			Ctx: zeek.ConnCtx{VLAN: zeek.Some(int64(10)), InnerVLAN: zeek.Some(int64(20))},
		}),
		FUID: zeek.Some("Fx"), FileMimeType: zeek.Some("text/plain"), FileDesc: zeek.Some("http://a/b"),
		Proto: zeek.Some(zeek.ProtoTCP), Note: "Signatures::Sensitive_Signature",
		Msg: zeek.Some("msg\twith\ttabs"), Sub: zeek.Some("sub\n"),
		Src: zeek.Some(netip.MustParseAddr("10.0.0.1")), Dst: zeek.Some(netip.MustParseAddr("::ffff:1.2.3.4")),
		P: zeek.Some(zeek.Port{Num: 53, Proto: zeek.ProtoUDP}), N: zeek.Some(uint64(7)),
		PeerName: zeek.Some("worker-1"), PeerDescr: zeek.Some("worker-1"),
		Actions:     []notice.Action{notice.ActionLog, notice.ActionAlarm},
		EmailDest:   []string{"a@b", "c@d"},
		Identifier:  zeek.Some("10.0.0.1-sig"),
		SuppressFor: zeek.Some(zeek.Hour),
		RemoteLocation: zeek.Some(notice.GeoLocation{CountryCode: zeek.Some("NZ"), City: zeek.Some("Wellington"),
			Latitude: zeek.Some(-41.29), Longitude: zeek.Some(174.78)}),
	}
	tests := []struct {
		name string
		r    Record
	}{
		{"minimal", Record{Log: LogNotice, Notice: notice.Info{Note: "X::Y"}}},
		{"full", Record{Log: LogAlarm, Notice: full}},
		{"icmp port", Record{Log: LogNotice, Notice: notice.Info{Note: "X::Y", P: zeek.Some(zeek.Port{Num: 8, Proto: zeek.ProtoICMP}),
			Proto: zeek.Some(zeek.ProtoUnknown)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeRecord(EncodeRecord(&tc.r))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.r) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", *got, tc.r)
			}
		})
	}
}

func TestRecordNaNLocation(t *testing.T) {
	r := Record{Log: LogNotice, Notice: notice.Info{Note: "X::Y",
		RemoteLocation: zeek.Some(notice.GeoLocation{City: zeek.Some("c"), Latitude: zeek.Some(math.NaN()), Longitude: zeek.Some(math.Inf(1))})}}
	got, err := DecodeRecord(EncodeRecord(&r))
	if err != nil {
		t.Fatal(err)
	}
	if g := got.Notice.RemoteLocation; !g.Set || g.V.City.V != "c" || g.V.Latitude.Set || g.V.Longitude.Set {
		t.Fatalf("location %+v", g)
	}
}

func TestBatchRoundTrip(t *testing.T) {
	b := Batch{Node: "worker.1", Infos: []Suppression{
		{TS: 1, SuppressFor: zeek.Hour, Note: "A::B", Identifier: ""},
		{TS: -5, SuppressFor: 0, Note: "C::D", Identifier: "x\x00y\xff"},
	}}
	got, err := DecodeBatch(EncodeBatch(&b))
	if err != nil {
		t.Fatal(err)
	}
	// JSON carries strings as UTF-8: invalid bytes become U+FFFD.
	b.Infos[1].Identifier = strings.ToValidUTF8(b.Infos[1].Identifier, "\uFFFD")
	if !reflect.DeepEqual(*got, b) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", *got, b)
	}
}

func TestDecodeErrors(t *testing.T) {
	batches := []string{
		``, `{`, `[]`, `{"v":2,"node":"w","infos":[]}`,
		`{"v":1,"node":"w","infos":[{"ts":1,"suppress_for":1,"note":"","identifier":"x"}]}`,
		`{"v":1,"node":"w","infos":[{"ts":1,"suppress_for":-1,"note":"A::B","identifier":"x"}]}`,
		`{"v":1,"node":"w","infos":[{"ts":"1"}]}`,
	}
	for _, s := range batches {
		if _, err := DecodeBatch([]byte(s)); err == nil || !strings.HasPrefix(err.Error(), "noticesync: ") {
			t.Errorf("DecodeBatch(%q) = %v", s, err)
		}
	}
	records := []string{
		``, `{"v":1,"log":"notice","notice":{}}`, `{"v":1,"log":"weird","notice":{"note":"A"}}`,
		`{"v":0,"log":"notice","notice":{"note":"A"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","src":"1.2.3"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","p":"80"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","p":"70000/tcp"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","p":"80/sctp"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","proto":"sctp"}}`,
		`{"v":1,"log":"notice","notice":{"note":"A","id":{"orig_h":"x","orig_p":"1/tcp","resp_h":"1.1.1.1","resp_p":"2/tcp"}}}`,
	}
	for _, s := range records {
		if _, err := DecodeRecord([]byte(s)); err == nil || !strings.HasPrefix(err.Error(), "noticesync: ") {
			t.Errorf("DecodeRecord(%q) = %v", s, err)
		}
	}
	if _, err := DecodeRecord([]byte(`{"v":1,"log":"notice","notice":{"note":"` + strings.Repeat("x", maxPayload) + `"}}`)); err == nil {
		t.Error("oversized record accepted")
	}
}

func TestTableOrigins(t *testing.T) {
	const T = zeek.Time(1000 * zeek.Second)
	s := func(ts zeek.Time) *Suppression {
		return &Suppression{TS: ts, SuppressFor: zeek.Hour, Note: "A::B", Identifier: "x"}
	}
	k := key{"A::B", "x"}
	tab := newTable(0)
	tab.begin("w1", s(T), false)
	tab.begin("w2", s(T.Add(zeek.Second)), true) // live: the origin stays, the end moves
	o, ok := tab.live(T.Add(zeek.Hour+zeek.Second), k)
	if !ok || o.node != "w1" || o.start != T || o.written || o.until != T.Add(zeek.Hour+zeek.Second) {
		t.Fatalf("entry %+v, %v", o, ok)
	}
	if _, ok := tab.live(T.Add(-2*zeek.Minute), k); ok {
		t.Error("live two minutes before its start")
	}
	if _, ok := tab.live(T.Add(2*zeek.Hour), k); ok {
		t.Error("live after its end")
	}
	// A full table sweeps, then stops recording.
	small := newTable(2)
	small.begin("w", &Suppression{TS: T, SuppressFor: zeek.Second, Note: "A", Identifier: "1"}, true)
	small.begin("w", &Suppression{TS: T, SuppressFor: zeek.Hour, Note: "A", Identifier: "2"}, true)
	small.begin("w", &Suppression{TS: T.Add(zeek.Minute), SuppressFor: zeek.Hour, Note: "A", Identifier: "3"}, true)
	if len(small.m) != 2 || small.dropped != 0 {
		t.Fatalf("after sweep: %d entries, %d dropped", len(small.m), small.dropped)
	}
	small.begin("w", &Suppression{TS: T.Add(zeek.Minute), SuppressFor: zeek.Hour, Note: "A", Identifier: "4"}, true)
	if len(small.m) != 2 || small.dropped != 1 {
		t.Fatalf("full: %d entries, %d dropped", len(small.m), small.dropped)
	}
	// Routine sweeps keep an hour's grace.
	tab.tick(T.Add(2 * zeek.Hour)) // 59 min 59 s after its end
	if _, ok := tab.m[k]; !ok {
		t.Error("swept within the grace")
	}
	tab.tick(T.Add(3 * zeek.Hour))
	if _, ok := tab.m[k]; ok {
		t.Error("not swept after the grace")
	}
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add(EncodeBatch(&Batch{Node: "w", Infos: []Suppression{{TS: 1, SuppressFor: 2, Note: "A::B", Identifier: "i"}}}))
	f.Add([]byte(`{"v":1,"node":"","infos":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBatch(data)
		if err != nil {
			return
		}
		again, err := DecodeBatch(EncodeBatch(b))
		if err != nil || !reflect.DeepEqual(again, b) {
			t.Fatalf("re-encoding changed %+v into %+v (%v)", b, again, err)
		}
	})
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(EncodeRecord(&Record{Log: LogNotice, Notice: notice.Info{Note: "X::Y", Msg: zeek.Some("m"),
		Src: zeek.Some(netip.MustParseAddr("1.2.3.4")), P: zeek.Some(zeek.Port{Num: 80, Proto: zeek.ProtoTCP})}}))
	f.Add([]byte(`{"v":1,"log":"notice_alarm","notice":{"note":"A","id":{"orig_h":"::1","orig_p":"1/udp","resp_h":"1.1.1.1","resp_p":"2/icmp","vlan":3}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRecord(data)
		if err != nil {
			return
		}
		again, err := DecodeRecord(EncodeRecord(r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("re-encoding changed %+v into %+v (%v)", r, again, err)
		}
	})
}
