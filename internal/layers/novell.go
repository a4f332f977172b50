package layers

import "github.com/heron-nsm/heron/internal/packet"

// Novell raw 802.3 (Zeek's NOVELL_802_3 analyzer, novell_802_3/
// Novell_802_3.cc): an IPX packet directly in an 802.3 frame. Zeek hands it
// to its default analyzer, and as it defines none, it raises
// no_suitable_analyzer_found for every such frame; so does Heron, which has
// no IPX layer either.

var errNoSuitableAnalyzer = packet.NewWeird("no_suitable_analyzer_found")

func novell8023(_ *packet.Packet, _ []byte) (packet.Key, []byte, error) {
	return 0, nil, errNoSuitableAnalyzer
}
