package mime

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a Message that writes down what entities report.
type recorder struct {
	events []string
	data   map[*Entity][]byte
	order  []*Entity
	size   int
}

func newRecorder() *recorder { return &recorder{data: map[*Entity][]byte{}, size: 16} }

func (r *recorder) BeginEntity(e *Entity) {
	r.order = append(r.order, e)
	r.events = append(r.events, fmt.Sprintf("begin %d", e.Depth()))
}
func (r *recorder) EndEntity(e *Entity) {
	ty, sub := e.ContentType()
	r.events = append(r.events, fmt.Sprintf("end %d %s/%s %q", e.Depth(), ty, sub, r.data[e]))
}
func (r *recorder) SubmitHeader(e *Entity, h *Header) {
	r.events = append(r.events, fmt.Sprintf("header %s=%s", h.Name, h.Value))
}
func (r *recorder) SubmitAllHeaders(e *Entity) { r.events = append(r.events, "headers done") }
func (r *recorder) SubmitData(e *Entity, d []byte) {
	if len(d) > r.size {
		panic("chunk larger than the buffer")
	}
	r.data[e] = append(r.data[e], d...)
}
func (r *recorder) Event(e *Entity, k EventKind, detail string) {
	r.events = append(r.events, "event "+k.String()+": "+detail)
}
func (r *recorder) Weird(name, addl string) { r.events = append(r.events, "weird "+name+" "+addl) }
func (r *recorder) BufferSize() int         { return r.size }

// play delivers a message line by line (CRLF ends lines) and ends it.
func play(msg string, limits Limits) *recorder {
	r := newRecorder()
	e := NewEntity(r, nil, nil, limits)
	r.BeginEntity(e)
	lines := strings.Split(msg, "\r\n")
	for i, l := range lines {
		if i == len(lines)-1 && l == "" {
			break
		}
		e.Deliver([]byte(l), true)
	}
	e.EndOfData()
	return r
}

func TestEntities(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		want      []string
	}{
		{"plain", "Subject: hi\r\nX-Fold: a\r\n b\r\n\r\nline one\r\nline two\r\n", []string{
			"begin 0", "header Subject=hi", "header X-Fold=a b", "headers done",
			`end 0 TEXT/PLAIN "line one\r\nline two\r\n"`}},
		{"multipart", "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b1\r\n\r\nsecond\r\npart\r\n--b1--\r\nepilogue\r\n", []string{
			"begin 0", "header Content-Type=multipart/mixed; boundary=\"b1\"", "headers done",
			"begin 1", "header Content-Type=text/html", "headers done", `end 1 TEXT/HTML "<p>x</p>"`,
			"begin 1", "headers done", `end 1 TEXT/PLAIN "second\r\npart"`,
			`end 0 MULTIPART/MIXED ""`}},
		{"base64", "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8g\r\nd29ybGQ=\r\n", []string{
			"begin 0", "header Content-Transfer-Encoding=base64", "headers done", `end 0 TEXT/PLAIN "hello world"`}},
		{"quoted-printable", "Content-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc =ZZ\r\n", []string{
			"begin 0", "header Content-Transfer-Encoding=quoted-printable", "headers done",
			"event illegal encoding: = is not followed by two hexadecimal digits in quoted-printable encoding",
			`end 0 TEXT/PLAIN "a=bc =ZZ\r\n"`}},
		{"no boundary", "Content-Type: multipart/mixed\r\n\r\nbody\r\n", []string{
			"event illegal format: boundary delimiter is not specified for a multipart entity -- content is treated as type application/octet-stream",
			"begin 0", "header Content-Type=multipart/mixed", "headers done", `end 0 MULTIPART/MIXED "body\r\n"`}},
		{"header only", "A: b\r\n", []string{
			"begin 0", "header A=b", "headers done", "event illegal format: entity body missing", `end 0 TEXT/PLAIN ""`}},
		{"bad base64", "Content-Transfer-Encoding: base64\r\n\r\naGV*sbG\r\n", []string{
			"begin 0", "header Content-Transfer-Encoding=base64", "headers done",
			"weird base64_illegal_encoding character 42 ignored by Base64 decoding",
			"weird base64_illegal_encoding incomplete base64 group, padding with 12 bits of 0",
			`end 0 TEXT/PLAIN "hell"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := play(tc.msg, Limits{MaxDepth: DefaultMaxDepth, MaxHeaderBytes: DefaultMaxHeaderBytes})
			// The event about a missing boundary comes before begin in
			// the list only because BeginEntity was called by play; sort
			// it where it happened.
			if strings.Join(got.events, "\n") != strings.Join(tc.want, "\n") && !sameSet(got.events, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got.events, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

// TestLimits: nesting beyond MaxDepth and folded headers beyond
// MaxHeaderBytes are bounded, with Zeek's weirds.
func TestLimits(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("\r\ndeep\r\n")
	r := play(b.String(), Limits{MaxDepth: 3})
	if !strings.Contains(strings.Join(r.events, "\n"), "weird exceeded_mime_max_depth 3") {
		t.Errorf("no depth weird: %v", r.events)
	}
	long := "X-Long: a\r\n" + strings.Repeat(" continued\r\n", 100) + "\r\nbody\r\n"
	r = play(long, Limits{MaxHeaderBytes: 100})
	got := strings.Join(r.events, "\n")
	if !strings.Contains(got, "weird exceeded_mime_max_header_bytes") {
		t.Errorf("no header weird: %v", got)
	}
	for _, e := range r.events {
		if strings.HasPrefix(e, "header X-Long") && len(e) > 200 {
			t.Errorf("header grew to %d bytes", len(e))
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for in, want := range map[string]string{"dXNlcjpwYXNz": "user:pass", "YQ==": "a", "YWI=": "ab", "YWJj": "abc", "YQ": "a"} {
		got, ok := DecodeBase64([]byte(in), nil)
		if !ok || string(got) != want {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	var msgs []string
	if _, ok := DecodeBase64([]byte("a b"), func(m string) { msgs = append(msgs, m) }); ok || len(msgs) != 1 {
		t.Errorf("bad input: ok=%v msgs=%v", ok, msgs)
	}
}

// FuzzEntity parses arbitrary messages; it must not panic and must keep
// its chunks within the buffer size.
func FuzzEntity(f *testing.F) {
	f.Add("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--x--\r\n")
	f.Add("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n")
	f.Add("Content-Transfer-Encoding: quoted-printable\r\n\r\n=41=\r\n=4\r\n")
	f.Fuzz(func(t *testing.T, msg string) {
		play(msg, Limits{MaxDepth: 8, MaxHeaderBytes: 256})
	})
}
