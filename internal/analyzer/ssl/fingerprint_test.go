package ssl

import (
	"strings"
	"testing"
)

// TestJA3Vector checks JA3 against the example of its specification:
// 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0.
func TestJA3Vector(t *testing.T) {
	h := newHarness(Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA3: true}, false)
	hello := clientHelloBody(0x0301, nil,
		[]int{0x2a2a, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
		sniExt("example.com"), ext(0x3a3a, nil), groupsExt(0x4a4a, 23, 24, 25), ext(extECPointFormats, []byte{1, 0}))
	h.DeliverStream(tlsRecord(ctHandshake, 0x0301, hsMsg(hsClientHello, hello)), true)
	h.Done()
	if got := h.ssl[0].JA3.V; got != "ada70206e40642a3e4461f35503241d5" {
		t.Errorf("ja3 = %q", got)
	}
}

// TestJA4Vector checks JA4's parts against the example of its
// specification (a Chrome hello: 15 ciphers, 16 extensions, h2).
func TestJA4Vector(t *testing.T) {
	h := newHarness(Options{DisableAfterDetection: true, MaxAlertsPerRecord: 10, JA4: true}, false)
	ciphers := []int{0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	var exts [][]byte
	exts = append(exts, ext(0x0a0a, nil), sniExt("example.com"), ext(0x0017, nil), ext(0xff01, []byte{0}), groupsExt(29, 23, 24),
		ext(extECPointFormats, []byte{1, 0}), ext(0x0023, nil), alpnExt("h2", "http/1.1"), ext(0x0005, []byte{1, 0, 0, 0, 0}),
		sigAlgsExt(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601), ext(0x0012, nil),
		clientKeyShareExt(29), ext(0x002d, []byte{1, 1}), clientVersionsExt(0x2a2a, versionTLS13, versionTLS12),
		ext(0x001b, []byte{2, 0, 2}), ext(0x4469, []byte{0, 3, 2, 'h', '2'}), ext(0x0015, make([]byte, 20)), ext(0x1a1a, []byte{0}))
	hello := clientHelloBody(versionTLS12, make([]byte, 32), ciphers, exts...)
	h.DeliverStream(tlsRecord(ctHandshake, 0x0301, hsMsg(hsClientHello, hello)), true)
	h.Done()
	got := h.ssl[0].JA4.V
	parts := strings.Split(got, "_")
	if len(parts) != 3 || parts[0] != "t13d1516h2" || parts[1] != "8daaf6152771" || len(parts[2]) != 12 {
		t.Errorf("ja4 = %q", got)
	}
}

func TestJA4ALPN(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{{nil, "00"}, {[]string{"h2"}, "h2"}, {[]string{"http/1.1"}, "h1"}, {[]string{"\xab"}, "ab"}, {[]string{"a\x01"}, "61"[:1] + "1"}} {
		if got := ja4ALPN(c.in); got != c.want {
			t.Errorf("ja4ALPN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
