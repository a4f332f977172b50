package layers

import (
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
)

func label(l uint32, bottom bool) []byte {
	v := l<<12 | 64
	if bottom {
		v |= 1 << 8
	}
	return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func TestMPLS(t *testing.T) {
	runCases(t, packet.LayerMPLS, []layerCase{
		{name: "one label", data: cat(label(100, true), ipv4(20)),
			key: packet.Default, off: 4, n: 20},
		{name: "three labels", data: cat(label(100, false), label(200, false), label(300, true), ipv4(20)),
			key: packet.Default, off: 12, n: 20},
		{name: "one byte of payload", data: cat(label(100, true), []byte{0x45}),
			key: packet.Default, off: 4, n: 1},
		{name: "nothing after the stack", data: label(100, true),
			err: "truncated_link_header", weirds: []string{"truncated_link_header@MPLS"}},
		{name: "stack never ends", data: cat(label(100, false), label(200, false)),
			err: "truncated_link_header", weirds: []string{"truncated_link_header@MPLS"}},
		{name: "empty", data: nil,
			err: "truncated_link_header", weirds: []string{"truncated_link_header@MPLS"}},
	})
}
