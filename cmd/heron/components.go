package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/packet"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket"
	"github.com/heron-nsm/heron/internal/pktsrc/pcaplive"
)

// listComponents prints what this binary contains, one line each, in the
// shape of `zeek -N` ("Name - description (built-in)").
func listComponents(w io.Writer) {
	var lines []string
	add := func(name, what string) { lines = append(lines, fmt.Sprintf("Heron::%s - %s (built-in)", name, what)) }
	add("AF_Packet", "Packet acquisition via AF_PACKET with fanout (-i af_packet::IFACE or -i IFACE)")
	if v := pcaplive.LibraryVersion(); v != "" {
		add("Pcap", "Packet acquisition via libpcap (-i pcap::IFACE; "+v+")")
	} else {
		add("Pcap", "Packet acquisition via libpcap (-i pcap::IFACE; not in this build: rebuild with -tags libpcap)")
	}
	add("UDPMirror", "Packet acquisition from VXLAN or Geneve mirroring tunnels (-i udp::ADDR:PORT[:vxlan|geneve])")
	add("PcapFile", "Packet acquisition from pcap and pcapng files (-r)")
	add("BPF", "Capture filters in tcpdump's language (-f)")
	add("AsciiWriter", "ASCII and JSON log writer")
	for id := packet.LayerID(1); id < packet.NumLayers; id++ {
		if id == packet.LayerRoot {
			continue
		}
		add(titleCase(id.Name()), id.Name()+" packet analyzer")
	}
	for _, info := range analyzer.Registered() {
		add(info.Name, info.Name+" analyzer")
	}
	for _, info := range files.RegisteredAnalyzers() {
		add(info.Name, info.Name+" file analyzer")
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// titleCase turns an analyzer name like IEEE802_11 into a plugin-style name.
func titleCase(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_':
			up = true
			continue
		case up:
			b.WriteRune(r)
		default:
			b.WriteString(strings.ToLower(string(r)))
		}
		up = false
	}
	return b.String()
}

// fanoutSelfTest runs the kernel fanout symmetry check and reports it.
func fanoutSelfTest(stdout, stderr io.Writer) int {
	err := afpacket.FanoutSelfTest()
	switch {
	case err == nil:
		fmt.Fprintln(stdout, "heron: fanout self-test passed: the kernel sends both directions of each flow to one socket")
		return 0
	case errors.Is(err, afpacket.ErrSelfTestUnavailable):
		fmt.Fprintf(stderr, "heron: fanout self-test could not run: %v\n", err)
		return 1
	default:
		fmt.Fprintf(stderr, "heron: fanout self-test failed: %v (this kernel hashes flows asymmetrically; use one worker per interface or a newer kernel)\n", err)
		return 1
	}
}
