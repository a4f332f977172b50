package binpac_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

const src binpac.Source = "src/analyzer/protocol/x/x-protocol.pac"

func TestMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"out of bound", binpac.OutOfBound("Header:len", 7, 3), "out_of_bound: Header:len: 7 > 3"},
		{"enforce", binpac.EnforceViolation("Hello:version"), "&enforce violation : Hello:version"},
		{"case index", binpac.InvalidCaseIndex("Msg", -2), "invalid index for case: Msg: -2"},
		{"flow buffer", binpac.ExpandPastMax(10485761, 10485760),
			"flowbuffer allocation failed: expand past max capacity 10485761/10485760"},
		{"mismatch", src.Mismatch(12, `[\r\n]+`, []byte("ab\x00cd")),
			"string mismatch at src/analyzer/protocol/x/x-protocol.pac:12: \nexpected pattern: \"[\\r\\n]+\"\nactual data: \"ab\""},
		{"invalid length", src.InvalidLength(40, -3), "invalid length string: src/analyzer/protocol/x/x-protocol.pac:40: -3"},
		{"at", binpac.Error(src.At(7)), "src/analyzer/protocol/x/x-protocol.pac:7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if got, want := binpac.Reason(tc.err), "Binpac exception: binpac exception: "+tc.want; got != want {
				t.Errorf("reason %q, want %q", got, want)
			}
		})
	}
}

func TestLongMessagesAreCut(t *testing.T) {
	long := []byte(strings.Repeat("x", 3000))
	for _, err := range []binpac.Error{
		src.Mismatch(1, "y", long),
		binpac.Errorf("%s", long),
	} {
		if len(err) != binpac.MaxFormatted-1 {
			t.Errorf("a long message is %d bytes, want %d", len(err), binpac.MaxFormatted-1)
		}
	}
	if e := binpac.Errorf("%s", long[:binpac.MaxFormatted-1]); len(e) != binpac.MaxFormatted-1 {
		t.Errorf("a message of the buffer's size less one is %d bytes", len(e))
	}
}

func TestCInt(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want int
	}{{0, 0}, {0x7fffffff, 0x7fffffff}, {0x80000000, -0x80000000}, {0xffffffff, -1}, {0x1_0000_0005, 5}} {
		if got := binpac.CInt(tc.in); got != tc.want {
			t.Errorf("CInt(%#x) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

var (
	reDigits = binpac.Regex{Text: `[0-9]+`, Line: 3, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c >= '0' && c <= '9' }, 1)
	}}
	reSpaces = binpac.Regex{Text: `[ ]*`, Line: 4, Match: func(b []byte) int {
		return binpac.Run(b, func(c byte) bool { return c == ' ' }, 0)
	}}
)

func TestCursor(t *testing.T) {
	c := binpac.Cursor{Source: src, B: []byte("12  x")}
	if m, err := c.Take(&reDigits); err != nil || string(m) != "12" {
		t.Fatalf("digits: %q %v", m, err)
	}
	if m, err := c.Take(&reSpaces); err != nil || string(m) != "  " {
		t.Fatalf("spaces: %q %v", m, err)
	}
	if m, err := c.Take(&reSpaces); err != nil || len(m) != 0 {
		t.Fatalf("no spaces: %q %v", m, err)
	}
	_, err := c.Take(&reDigits)
	if err == nil {
		t.Fatal("x matched [0-9]+")
	}
	want := "string mismatch at " + string(src) + ":3: \nexpected pattern: \"[0-9]+\"\nactual data: \"x\""
	if err.Error() != want {
		t.Fatalf("got %q, want %q", err.Error(), want)
	}
	var e error = err
	var me *binpac.MismatchError
	if !errors.As(e, &me) || string(me.Data) != "x" || string(c.B) != "x" {
		t.Fatalf("error %+v, rest %q", me, c.B)
	}
}

// FuzzMismatch checks the mismatch message for any data: cut to
// binpac's buffer, and otherwise quoting the data up to its first NUL.
func FuzzMismatch(f *testing.F) {
	f.Add([]byte("abc"), 12)
	f.Add([]byte("a\x00b"), 1)
	f.Add([]byte(strings.Repeat("z", 1100)), 99999)
	f.Fuzz(func(t *testing.T, data []byte, line int) {
		msg := string(src.Mismatch(line, "p", data))
		if len(msg) >= binpac.MaxFormatted {
			t.Fatalf("%d bytes", len(msg))
		}
		q := data
		if i := strings.IndexByte(string(q), 0); i >= 0 {
			q = q[:i]
		}
		if len(msg) < binpac.MaxFormatted-1 && !strings.HasSuffix(msg, "actual data: \""+string(q)+"\"") {
			t.Fatalf("%q does not quote %q", msg, q)
		}
	})
}
