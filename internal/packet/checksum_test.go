package packet

import "testing"

func TestChecksum(t *testing.T) {
	// An IPv4 header from RFC 1071-style examples: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7
	hdr := []byte{0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7}
	if !InetChecksumOK(hdr) {
		t.Fatalf("valid header rejected")
	}
	hdr[11] ^= 1
	if InetChecksumOK(hdr) {
		t.Fatalf("corrupt header accepted")
	}
	// Odd lengths and sums across the 8-byte fast path agree with a plain loop.
	for n := 0; n < 40; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + 11)
		}
		var s uint32
		for i := 0; i+1 < n; i += 2 {
			s += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if n%2 == 1 {
			s += uint32(b[n-1]) << 8
		}
		if got, want := Fold(Sum(0, b)), Fold(s); got != want {
			t.Errorf("len %d: Fold(Sum)=%#x want %#x", n, got, want)
		}
	}
}
