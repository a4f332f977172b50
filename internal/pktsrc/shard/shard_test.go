package shard

import (
	"errors"
	"io"
	"net/netip"
	"sync"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// sliceSource serves frames from memory.
type sliceSource struct {
	frames [][]byte
	i      int
	closed bool
}

func (s *sliceSource) Next(f *pktsrc.Frame) error {
	if s.i >= len(s.frames) {
		return io.EOF
	}
	d := s.frames[s.i]
	s.i++
	*f = pktsrc.Frame{TS: 0, Data: d, CapLen: uint32(len(d)), WireLen: uint32(len(d)), LinkType: 101}
	return nil
}
func (s *sliceSource) LinkType() uint32 { return 101 }
func (s *sliceSource) Close() error     { s.closed = true; return nil }

// TestSplitKeepsFlowsTogether: every frame arrives exactly once, both
// directions of each host pair on the same view, in their original order.
func TestSplitKeepsFlowsTogether(t *testing.T) {
	var frames [][]byte
	for i := range 2000 {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i % 7), 1})
		b := netip.AddrFrom4([4]byte{10, 1, byte(i % 13), 2})
		ip := pktbuild.IP{Src: a, Dst: b}
		if i%2 == 1 {
			ip.Src, ip.Dst = b, a
		}
		p := pktbuild.UDPPacket(ip, pktbuild.UDP{SrcPort: 1000, DstPort: 53}, []byte{byte(i), byte(i >> 8)})
		frames = append(frames, p)
	}
	// A non-IP frame goes to the first view.
	frames = append(frames, []byte{0x00, 0x01})
	src := &sliceSource{frames: frames}
	views := Split(src, 3)
	type seen struct{ view, idx int }
	var mu sync.Mutex
	got := map[int]seen{} // frame number -> where and in which position
	owner := map[[2]netip.Addr]int{}
	var wg sync.WaitGroup
	errs := make([]error, len(views))
	for vi, v := range views {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f pktsrc.Frame
			for pos := 0; ; pos++ {
				if err := v.Next(&f); err != nil {
					if !errors.Is(err, io.EOF) {
						errs[vi] = err
					}
					return
				}
				n := -1
				if len(f.Data) >= 30 {
					n = int(f.Data[28]) | int(f.Data[29])<<8
				}
				mu.Lock()
				if n >= 0 {
					if _, dup := got[n]; dup {
						t.Errorf("frame %d delivered twice", n)
					}
					got[n] = seen{vi, pos}
					s, d := netip.AddrFrom4([4]byte(f.Data[12:16])), netip.AddrFrom4([4]byte(f.Data[16:20]))
					if d.Less(s) {
						s, d = d, s
					}
					k := [2]netip.Addr{s, d}
					if o, ok := owner[k]; ok && o != vi {
						t.Errorf("host pair %v on views %d and %d", k, o, vi)
					}
					owner[k] = vi
				} else if vi != 0 {
					t.Errorf("a non-IP frame went to view %d", vi)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2000 {
		t.Fatalf("%d of 2000 frames delivered", len(got))
	}
	used := map[int]bool{}
	for _, o := range owner {
		used[o] = true
	}
	if len(used) < 2 {
		t.Errorf("all flows on %d view(s); the hash does not spread", len(used))
	}
	// Order within a view follows the source.
	last := map[int]int{}
	for n := 0; n < 2000; n++ {
		s := got[n]
		if p, ok := last[s.view]; ok && s.idx <= p {
			t.Fatalf("frame %d out of order on view %d", n, s.view)
		}
		last[s.view] = s.idx
	}
	for _, v := range views {
		v.Close()
	}
	if !src.closed {
		t.Error("closing every view did not close the source")
	}
}

func TestHashSymmetricAcrossLinkTypes(t *testing.T) {
	ip := pktbuild.UDPPacket(pktbuild.IP{Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("2001:db8::2")}, pktbuild.UDP{SrcPort: 1, DstPort: 2}, nil)
	rev := pktbuild.UDPPacket(pktbuild.IP{Src: netip.MustParseAddr("2001:db8::2"), Dst: netip.MustParseAddr("2001:db8::1")}, pktbuild.UDP{SrcPort: 2, DstPort: 1}, nil)
	eth := func(et uint16, tags []byte, p []byte) []byte {
		h := make([]byte, 12)
		h = append(h, tags...)
		h = append(h, byte(et>>8), byte(et))
		return append(h, p...)
	}
	vlan := []byte{0x81, 0x00, 0x00, 0x0a}
	cases := []struct {
		name     string
		link     uint32
		fwd, rev []byte
	}{
		{"raw", 101, ip, rev},
		{"ethernet", 1, eth(0x86DD, nil, ip), eth(0x86DD, nil, rev)},
		{"vlan", 1, eth(0x86DD, vlan, ip), eth(0x86DD, vlan, rev)},
		{"sll", 113, append(make([]byte, 14), append([]byte{0x86, 0xdd}, ip...)...), append(make([]byte, 14), append([]byte{0x86, 0xdd}, rev...)...)},
	}
	for _, c := range cases {
		h1, h2 := hash(c.link, c.fwd), hash(c.link, c.rev)
		if h1 != h2 || h1 == 0 {
			t.Errorf("%s: hashes %#x and %#x", c.name, h1, h2)
		}
	}
	if hash(1, []byte{1, 2, 3}) != 0 {
		t.Error("a short frame hashed")
	}
}
