package main

import (
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc/pcaplive"
)

// TestComponentsPacketSources: -N lists every live packet source, and
// says whether this build has libpcap.
func TestComponentsPacketSources(t *testing.T) {
	code, out, _ := runCLI("-N")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	pcapLine := "Heron::Pcap - Packet acquisition via libpcap (-i pcap::IFACE; not in this build: rebuild with -tags libpcap) (built-in)"
	if v := pcaplive.LibraryVersion(); v != "" {
		pcapLine = "Heron::Pcap - Packet acquisition via libpcap (-i pcap::IFACE; " + v + ") (built-in)"
	}
	for _, want := range []string{
		"Heron::AF_Packet - Packet acquisition via AF_PACKET with fanout (-i af_packet::IFACE or -i IFACE) (built-in)",
		pcapLine,
		"Heron::UDPMirror - Packet acquisition from VXLAN or Geneve mirroring tunnels (-i udp::ADDR:PORT[:vxlan|geneve]) (built-in)",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("-N lacks %q:\n%s", want, out)
		}
	}
}

// TestLiveSourceErrors: the -i mistakes a user can make are one line
// each, with exit status 1, saying what to do.
func TestLiveSourceErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-i", "pf_ring::eth0"}, `heron: -i pf_ring::eth0: unknown packet source "pf_ring" (use af_packet::IFACE, pcap::IFACE or udp::ADDR:PORT[:vxlan|geneve])`},
		{[]string{"-i", "netmap:em0"}, `heron: -i netmap:em0: "netmap:em0" is not an interface of this host; PF_RING, netmap and Myricom names go through libpcap: -i pcap::netmap:em0 (in a build with -tags libpcap, using that vendor's libpcap)`},
		{[]string{"-i", "pcap::eth0", "--threads", "2"}, "heron: --threads 2 with -i pcap::eth0: a libpcap capture is read by one thread; run several heron processes instead (with PF_RING, PCAP_PF_RING_CLUSTER_ID splits the flows between them), or use af_packet::IFACE for threads in a fanout group"},
		{[]string{"-i", "udp::0.0.0.0:4789:nvgre"}, `heron: udpmirror: bad udp mirror source "udp::0.0.0.0:4789:nvgre": unknown encapsulation "nvgre"; use vxlan or geneve`},
		{[]string{"-i", "udp::0.0.0.0:4789", "-f", "port 80 and"}, "heron: -f: "},
	}
	if pcaplive.LibraryVersion() == "" {
		tests = append(tests, struct {
			args []string
			want string
		}{[]string{"-i", "pcap::eth0"}, "heron: pcaplive: pcap::eth0: heron was built without libpcap support; rebuild with -tags libpcap"})
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(append(tt.args, "--logdir", t.TempDir())...)
		if code != 1 || !strings.HasPrefix(errOut, tt.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("heron %s: exit %d, stderr %q; want exit 1 and one line starting %q", strings.Join(tt.args, " "), code, errOut, tt.want)
		}
	}
}
