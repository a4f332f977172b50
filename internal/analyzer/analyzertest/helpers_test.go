package analyzertest_test

import (
	"reflect"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
	"github.com/heron-nsm/heron/internal/zeek"
)

// sink records deliveries as "o:" or "r:" plus the data.
type sink struct{ got []string }

func (s *sink) DeliverStream(data []byte, orig bool) {
	d := "r:"
	if orig {
		d = "o:"
	}
	s.got = append(s.got, d+string(data))
}
func (s *sink) Undelivered(uint64, int, bool) {}
func (s *sink) EndOfData(bool)                {}

func TestJoinedAndPlayAlternating(t *testing.T) {
	data := at.Joined([]at.Chunk{at.Resp("hello"), at.Orig("hi")}, 0xff)
	if string(data) != "hello\xffhi\xff" {
		t.Fatalf("Joined: %q", data)
	}
	var s sink
	at.PlayAlternating(&s, data, 0xff)
	if want := []string{"r:hello", "o:hi", "r:"}; !reflect.DeepEqual(s.got, want) {
		t.Fatalf("got %q, want %q", s.got, want)
	}
}

func TestTLSHost(t *testing.T) {
	h := &at.TLSHost{IsPartial: true}
	h.Weird("w")
	h.Confirm()
	h.Violation("v", []byte("d"))
	if !h.Partial() {
		t.Fatal("not partial")
	}
	c := h.Child("SSL")
	c.DeliverStream([]byte("ab"), true)
	c.DeliverStream([]byte("cd"), false)
	c.Undelivered(0, 3, true)
	c.EndOfData(true)
	c.Done()
	want := at.TLSResult{Weirds: []string{"w"}, Violations: []string{"v"}, Confirms: 1, TLS: [2]string{"ab", "cd"}, Skip: true}
	if got := h.Result(true); !reflect.DeepEqual(got, want) || h.TLS.Gaps != 3 || h.TLS.Ends != 1 || !h.TLS.IsDone {
		t.Fatalf("got %+v (recorder %+v), want %+v", got, h.TLS, want)
	}
}

func TestFuzzCoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		fc   at.FuzzCoding
		in   string
		want []at.Chunk
	}{
		{"responder first", at.FuzzCoding{Sep: []byte{0xff}, MaxChunks: 10}, "a\xffb\xff\xfec",
			[]at.Chunk{at.Resp("a"), at.Orig("b"), at.Resp("\xfec"), at.End(true), at.End(false)}},
		{"gaps", at.FuzzCoding{Sep: []byte{0xff, 0xff}, GapMark: []byte{0xfe}, FirstOrig: true, MaxChunks: 10}, "a\xff\xff\xfexyz\xff\xffb",
			[]at.Chunk{at.Orig("a"), at.Gap(false, 4), at.Orig("b"), at.End(true), at.End(false)}},
		{"at most", at.FuzzCoding{Sep: []byte{0xff}, MaxChunks: 2}, "a\xffb\xffc",
			[]at.Chunk{at.Resp("a"), at.Orig("b"), at.End(true), at.End(false)}},
	} {
		if got := tc.fc.Script([]byte(tc.in)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestConnHost(t *testing.T) {
	h := at.NewConnHost(zeek.ConnID{}, "X", true)
	defer h.FM.Terminate()
	h.Weird("w", "a")
	h.ScriptWeird("s", "", "")
	h.LimitReached()
	h.Confirm()
	h.Violation("bad", []byte("d\x00"))
	h.Inner().DeliverStream([]byte("in"), true)
	if h.Now() != at.T0 || h.StartTime() != at.T0 || h.UID() != "CTEST" || h.Files() == nil {
		t.Fatalf("identity %v %v %q", h.Now(), h.StartTime(), h.UID())
	}
	want := []string{"w|a|X", "s||"}
	if !reflect.DeepEqual(h.Weirds, want) || h.Limits != 1 || h.Confirms != 1 ||
		!reflect.DeepEqual(h.Violations, []string{`bad "d\x00"`}) || string(h.InnerData.Data[1]) != "in" {
		t.Fatalf("recorded %+v", h)
	}
}
