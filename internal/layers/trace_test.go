package layers

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// traceRun is what decoding a whole trace produced.
type traceRun struct {
	packets int
	ip      int
	notIP   int            // packets that reached IP not starting with version 4 or 6
	weirds  map[string]int // name@source → count
	arp     ARPCounts
	unknown map[string]uint64 // layer → packets that stopped there for want of a next layer
	vlans   map[string]int    // "outer/inner" of the packets that reached IP
	pppoe   map[uint16]int    // PPPoE session of the packets that reached IP
	l2      map[string]int    // "src>dst" of the packets that reached IP or ARP
}

// l2Recorder notes the MAC addresses of the packets that reach a layer.
type l2Recorder struct {
	a  packet.Analyzer
	l2 map[string]int
}

func (r *l2Recorder) Analyze(p *packet.Packet, data []byte) (packet.Key, []byte, error) {
	if p.HasL2 {
		r.l2[fmtL2(p)]++
	}
	return r.a.Analyze(p, data)
}

func fmtL2(p *packet.Packet) string {
	return fmt.Sprintf("%x>%x", p.L2Src, p.L2Dst)
}

func decodeTrace(t *testing.T, path string) *traceRun {
	t.Helper()
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := newHarness(t)
	run := &traceRun{vlans: map[string]int{}, pppoe: map[uint16]int{}, l2: map[string]int{}, unknown: map[string]uint64{}}
	h.ip.seen = func(p *packet.Packet, data []byte) {
		if len(data) == 0 || (data[0]>>4 != 4 && data[0]>>4 != 6) {
			run.notIP++
		}
		v := "-"
		if p.HasVLAN {
			v = fmt.Sprint(p.VLAN)
		}
		if p.HasInnerVLAN {
			v += fmt.Sprintf("/%d", p.InnerVLAN)
		}
		run.vlans[v]++
		if p.HasPPPoE {
			run.pppoe[p.PPPoESession]++
		}
		if p.HasL2 {
			run.l2[fmtL2(p)]++
		}
	}
	h.d.Set(packet.LayerARP, &l2Recorder{a: &h.link.arp, l2: run.l2})
	var f pktsrc.Frame
	var p packet.Packet
	for {
		err := r.Next(&f)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		p.Reset()
		p.TS, p.Data, p.WireLen, p.LinkType = f.TS, f.Data, f.WireLen, f.LinkType
		h.d.Decode(&p)
		run.packets++
	}
	run.ip = h.ip.n
	run.weirds = h.sink.counts
	run.arp = h.link.ARP
	for id, n := range h.d.Stats.Unknown {
		if n > 0 {
			run.unknown[packet.LayerID(id).Name()] = n
		}
	}
	return run
}

func fmtMap[K comparable, V any](m map[K]V) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%v:%v", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestTraces decodes traces from Zeek's test suite and compares the number
// of packets that reach the IP layer with Zeek's: the sum of orig_pkts and
// resp_pkts over its conn.log (every IP packet in these traces belongs to a
// connection), which for each trace also equals the number of IP packets
// tcpdump decodes. Weirds are the ones Zeek raises (weird.log, or the
// btest baselines for the traces the default run does not cover), counted
// here per occurrence where weird.log shows each name once.
func TestTraces(t *testing.T) {
	cases := []struct {
		trace   string
		packets int
		ip      int
		notIP   int    // of ip, those that do not start with an IP version
		needs   string // a layer that must exist for the case to run
		weirds  string // name@source:count …
		arp     ARPCounts
		unknown string // layer:count …
		vlans   string // outer[/inner]:count … of the IP packets
		pppoe   string // session:count … of the IP packets
		l2      string // src>dst:count …, when checked
	}{
		{trace: "q-in-q.pcap", packets: 5, ip: 4, arp: ARPCounts{Requests: 1}, vlans: "13/10:4"},
		{trace: "http-vlan-0.pcap", packets: 14, ip: 14, vlans: "0:14"},
		{trace: "http-qinq-0.pcap", packets: 14, ip: 14, vlans: "0/0:14"},
		{trace: "icmp_dot1q.pcap", packets: 15, ip: 9, arp: ARPCounts{Requests: 2, Replies: 4}, vlans: "123:9"},
		// Zeek's weird.log has the triple-tag weird once: the weird
		// framework logs a network weird of one name once.
		{trace: "vlan-qinqinq.pcap", packets: 14, ip: 14, vlans: "30/10:14",
			weirds: "triple_tagged_vlan_unsupported@VLAN:14"},
		{trace: "mpls-in-vlan.pcap", packets: 3, ip: 3, vlans: "0:1 3199:1 3399:1"},
		{trace: "mixed-vlan-mpls.pcap", packets: 47, ip: 47, vlans: "-:33 4093:14"},
		// 4 PPPoE discovery frames (0x8863) and 36 session frames carrying
		// LCP/IPCP have no layer; 36 session frames are padded to the
		// Ethernet minimum.
		{trace: "pppoe.pcap", packets: 65, ip: 25, pppoe: "17:25",
			weirds:  "pppoe_extra_data_after_payload@PPPOE:36",
			unknown: "ETHERNET:4 PPPOE:36"},
		// The session id Zeek's pppoe-session-id-logging logs: 3847.
		{trace: "pppoe-over-qinq.pcap", packets: 86, ip: 86, pppoe: "3847:86", vlans: "3704/2474:86",
			weirds: "pppoe_extra_data_after_payload@PPPOE:6"},
		{trace: "radiotap.pcap", packets: 3, ip: 3},
		{trace: "wlanmon.pcap", packets: 3, ip: 3},
		// ARP: the counts and MAC addresses of Zeek's arp_request,
		// arp_reply and bad_arp events in its btest baselines
		// (scripts.base.protocols.arp.*, scripts.base.protocols.snap.snap-arp).
		{trace: "arp-who-has-wlanmon.pcap", packets: 2, arp: ARPCounts{Requests: 1, Replies: 1},
			l2: "7831c1c63fc2>ffffffffffff:1 f8eda5c0a4f1>7831c1c63fc2:1"},
		{trace: "arp-who-has-radiotap.pcap", packets: 2, arp: ARPCounts{Requests: 1, Replies: 1},
			l2: "7831c1c63fc2>ffffffffffff:1 f8eda5c0a4f1>7831c1c63fc2:1"},
		{trace: "arp-who-has.pcap", packets: 2, arp: ARPCounts{Requests: 1, Replies: 1},
			l2: "7831c1c63fc2>ffffffffffff:1 f8eda5c0a4f1>7831c1c63fc2:1"},
		{trace: "arp-leak.pcap", packets: 6, arp: ARPCounts{Bad: 6}},
		{trace: "linuxsll-arp.pcap", packets: 12, arp: ARPCounts{Requests: 12},
			l2: "0050568b3f0d>000000000000:2 0050568bcffa>000000000000:9 cc2de0261999>000000000000:1"},
		// Two ARP frames: a request, and a RARP request (bad_arp,
		// unimplemented opcode).
		{trace: "linux_dlt_sll2.pcap", packets: 6, ip: 4, arp: ARPCounts{Requests: 1, Bad: 1}},
		{trace: "snap-arp.pcapng", packets: 4, arp: ARPCounts{Requests: 2, Replies: 2},
			l2: "c23c196c0001>c23d196c0001:2 c23d196c0001>ffffffffffff:2"},
		{trace: "snap-tcp.pcap", packets: 8, ip: 8},
		// CDP: SNAP with OUI 00-00-0c, reported by Zeek as unknown
		// protocol 0xc2000 of SNAP (scripts.base.protocols.snap.snap-cdp).
		{trace: "cdp-v1.pcap", packets: 1, unknown: "SNAP:1"},
		{trace: "llc.pcap", packets: 1333, ip: 1333},
		// 64 plain and 64 FabricPath frames (core.cisco-fabric-path:
		// 128 packets in conn.log) and two with unknown ethertypes.
		{trace: "cisco-fabric-path.pcap", packets: 130, ip: 128, unknown: "ETHERNET:2"},
		// 802.15.4 has no layer: the root's default (IP) gets it, where
		// Zeek raises unknown_ip_version.
		{trace: "ieee80211.15.4.pcap", packets: 1, ip: 1, notIP: 1},
		// DLT_PPP, Zeek's PPP analyzer (not PPPSerial): 26 packets in
		// Zeek's conn.log.
		{trace: "ppp/quic-interop-retry.pcap", needs: "PPP", packets: 26, ip: 26},
		{trace: "trunc/trunc-hdr.pcap", packets: 1, weirds: "truncated_ethernet_frame@ETHERNET:1"},
		// PBB in VLAN 4051 or 4052: 10 IP packets (core.pbb's conn.log:
		// 1 + 1 + 5 + 3), 8 of them in customer VLAN 4020; a customer ARP
		// request; a customer ethertype 0x8102 without a layer. The MAC
		// addresses are the customer's, from the Ethernet header after the
		// I-TAG.
		{trace: "pbb.pcap", packets: 12, ip: 10, arp: ARPCounts{Requests: 1},
			unknown: "ETHERNET:1", vlans: "4051/4020:8 4051:1 4052:1",
			l2: "00005e000133>01005e000012:1 001cebabc208>01005e000005:1 001cebaf5205>ffffffffffff:1 " +
				"10604b7dba75>10604b7f2d27:3 10604b7f2d27>10604b7dba75:5"},
		// PBB in PBB in … : Zeek's weird.log has the depth weird from
		// ETHERNET.
		{trace: "pbb-recursive-frames.pcapng", packets: 1,
			weirds: "max_packet_analyzer_depth_exceeded@ETHERNET:1"},
		// VN-Tag, VLAN 11, IPv4: 3 packets in core.vntag's conn.log.
		{trace: "vntag.pcap", packets: 3, ip: 3, vlans: "11:3"},
		// VLAN 250, VN-Tag, VLAN 250, IPv4 (core.vntag-in-vlan). The TCP
		// header is cut short, so Zeek's conn.log counts 0 packets for the
		// one connection (truncated_header from TCP), but the packet
		// reaches IP.
		{trace: "vntag_vlan_sandwich_clean.pcap", packets: 1, ip: 1, vlans: "250/250:1"},
		// NFLOG, AF_INET: 13 packets in conn.log (8 + 5), as tcpdump
		// decodes them.
		{trace: "nflog-http.pcap", packets: 13, ip: 13},
	}
	for _, c := range cases {
		t.Run(c.trace, func(t *testing.T) {
			if _, ok := layerNamed(c.needs); c.needs != "" && !ok {
				t.Skipf("package packet has no %s layer yet (Zeek decodes this link type with it)", c.needs)
			}
			r := decodeTrace(t, refdata.FindTrace(t, c.trace))
			if r.packets != c.packets {
				t.Errorf("packets = %d, want %d", r.packets, c.packets)
			}
			if r.ip != c.ip {
				t.Errorf("packets at IP = %d, want %d", r.ip, c.ip)
			}
			if r.notIP != c.notIP {
				t.Errorf("%d packets reached IP without an IP version, want %d", r.notIP, c.notIP)
			}
			if got := fmtMap(r.weirds); got != c.weirds {
				t.Errorf("weirds = %q, want %q", got, c.weirds)
			}
			if r.arp != c.arp {
				t.Errorf("arp = %+v, want %+v", r.arp, c.arp)
			}
			if got := fmtMap(r.unknown); got != c.unknown {
				t.Errorf("unknown = %q, want %q", got, c.unknown)
			}
			if c.l2 != "" {
				if got := fmtMap(r.l2); got != c.l2 {
					t.Errorf("l2 = %q, want %q", got, c.l2)
				}
			}
			if c.vlans != "" || c.ip > 0 {
				want := c.vlans
				if want == "" {
					want = fmt.Sprintf("-:%d", c.ip)
				}
				if got := fmtMap(r.vlans); got != want {
					t.Errorf("vlans = %q, want %q", got, want)
				}
			}
			if got := fmtMap(r.pppoe); got != c.pppoe {
				t.Errorf("pppoe sessions = %q, want %q", got, c.pppoe)
			}
			t.Logf("%d packets, %d at IP, weirds %s, arp %+v, unknown %s, l2 %d pairs",
				r.packets, r.ip, fmtMap(r.weirds), r.arp, fmtMap(r.unknown), len(r.l2))
		})
	}
}

// TestPPPTrace runs the DLT_PPP trace through the PPP layer.
func TestPPPTrace(t *testing.T) {
	path := refdata.FindTrace(t, "ppp/quic-interop-retry.pcap")
	r, err := pcapfile.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := newHarness(t)
	v4, v6 := 0, 0
	h.ip.seen = func(_ *packet.Packet, data []byte) {
		switch data[0] >> 4 {
		case 4:
			v4++
		case 6:
			v6++
		}
	}
	var f pktsrc.Frame
	var p packet.Packet
	n := 0
	for r.Next(&f) == nil {
		p.Reset()
		p.Data, p.LinkType = f.Data, f.LinkType
		h.d.Decode(&p)
		n++
	}
	// tcpdump: 4 IPv6 neighbour solicitations, then 22 IPv4 QUIC packets.
	if n != 26 || h.ip.n != 26 || v4 != 22 || v6 != 4 || len(h.sink.weirds) != 0 {
		t.Fatalf("%d packets, %d at IP (%d IPv4, %d IPv6), weirds %v; want 26, 26 (22, 4)", n, h.ip.n, v4, v6, h.sink.names())
	}
}
