package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/pktsrc/ethtool"
)

// offloadAnswer is what a host says of one capture interface's offloads
// (heronctl _host offloads IFACE...).
type offloadAnswer struct {
	Interface string `json:"interface"`
	// Warning is the offload warning with its ethtool -K fix; "" when
	// none of the offloads that distort capture is on.
	Warning string `json:"warning,omitempty"`
	// Error says why the interface could not be asked.
	Error string `json:"error,omitempty"`
}

// queryOffloads asks this host's kernel about each interface's offloads.
func queryOffloads(ifaces []string) []offloadAnswer {
	out := make([]offloadAnswer, 0, len(ifaces))
	for _, iface := range ifaces {
		a := offloadAnswer{Interface: iface}
		if rep, err := ethtool.Query(iface); err != nil {
			a.Error = err.Error()
		} else {
			a.Warning = rep.Warning()
		}
		out = append(out, a)
	}
	return out
}

// captureInterfaces are the kernel interfaces the workers and standalone
// nodes of host capture from with AF_PACKET or libpcap: the source prefix
// taken off, vendor names (netmap:em0, dna0@3) and other sources left out.
func captureInterfaces(nodes []*config.Node, host string) []string {
	var out []string
	for _, n := range nodes {
		if n.Host != host || (n.Type != config.Worker && n.Type != config.Standalone) {
			continue
		}
		iface := n.Interface
		if i := strings.Index(iface, "::"); i > 0 {
			if src := iface[:i]; src != "af_packet" && src != "pcap" {
				continue
			}
			iface = iface[i+2:]
		}
		if iface == "" || strings.ContainsAny(iface, ":@") || slices.Contains(out, iface) {
			continue
		}
		out = append(out, iface)
	}
	return out
}

// offloadWarnings asks each capture host (locally, or through its
// installed heronctl) whether its capture interfaces have offloads on, as
// heron warns when it starts capturing, so that check says it before
// deploy does. A remote host where nothing is installed yet is skipped.
func (c *cluster) offloadWarnings(hosts []string) []config.Warning {
	var warns []config.Warning
	for _, h := range hosts {
		ifaces := captureInterfaces(c.cl.Nodes, h)
		if len(ifaces) == 0 {
			continue
		}
		var answers []offloadAnswer
		if remote.IsLocal(h) {
			answers = queryOffloads(ifaces)
		} else {
			err := c.hostOp(h, "offloads", &answers, ifaces...)
			var ni *notInstalledError
			if errors.As(err, &ni) {
				continue
			}
			if err != nil {
				warns = append(warns, config.Warning{Msg: fmt.Sprintf("cannot check the offloads of %s's capture interfaces: %v", h, err)})
				continue
			}
		}
		for _, a := range answers {
			switch {
			case a.Error != "":
				warns = append(warns, config.Warning{Msg: fmt.Sprintf("cannot check the offloads of %s on %s: %s", a.Interface, h, a.Error), Fix: "check the interface name in node.cfg"})
			case a.Warning != "":
				warns = append(warns, config.Warning{Msg: fmt.Sprintf("on %s, %s", h, a.Warning)})
			}
		}
	}
	return warns
}
