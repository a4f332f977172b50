package ethtool

import "strings"

// Offload is one offload that is on.
type Offload struct {
	// Keyword is the name ethtool -K takes for it: "gro", "lro", "tso",
	// "gso", "rx" or "rx-gro-hw".
	Keyword string
	// Label names it for people: "GRO", "LRO", "TSO", "GSO",
	// "rx checksumming", "hardware GRO".
	Label string
	// Fixed reports that the device cannot switch it off.
	Fixed bool
}

// offloadDefs lists the offloads checked, in the order of the fix
// command, with the kernel feature names (netdev_features_strings) behind
// each ethtool -K keyword.
var offloadDefs = []struct {
	keyword, label string
	features       []string
}{
	{"gro", "GRO", []string{"rx-gro"}},
	{"lro", "LRO", []string{"rx-lro"}},
	{"tso", "TSO", []string{"tx-tcp-segmentation", "tx-tcp-ecn-segmentation", "tx-tcp-mangleid-segmentation", "tx-tcp6-segmentation", "tx-tcp-accecn-segmentation"}},
	{"gso", "GSO", []string{"tx-generic-segmentation"}},
	{"rx", "rx checksumming", []string{"rx-checksum"}},
	{"rx-gro-hw", "hardware GRO", []string{"rx-gro-hw"}},
}

// feature is the state of one kernel feature bit.
type feature struct {
	active, fixed bool
}

// offloads decides which offloads are on from the feature states by name.
// An offload is on when any of its features is active, and fixed when
// none of its active features can be changed.
func offloads(features map[string]feature) []Offload {
	var on []Offload
	for _, d := range offloadDefs {
		active, changeable := false, false
		for _, name := range d.features {
			f, ok := features[name]
			if !ok || !f.active {
				continue
			}
			active = true
			if !f.fixed {
				changeable = true
			}
		}
		if active {
			on = append(on, Offload{Keyword: d.keyword, Label: d.label, Fixed: !changeable})
		}
	}
	return on
}

// Report is the offload state of one interface.
type Report struct {
	// Interface is the interface's name.
	Interface string
	// On lists the offloads that are on, in the order of FixCommand.
	On []Offload
}

// FixCommand returns the command that switches off every offload in On
// that the device lets go ("ethtool -K eth0 gro off tso off gso off"), or
// "" when there is none.
func (r Report) FixCommand() string {
	var b strings.Builder
	for _, o := range r.On {
		if o.Fixed {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("ethtool -K ")
			b.WriteString(r.Interface)
		}
		b.WriteString(" ")
		b.WriteString(o.Keyword)
		b.WriteString(" off")
	}
	return b.String()
}

// Warning returns the one warning line for the offloads in On, or "" when
// none is on; the caller adds its own prefix ("heron: warning: "). It ends
// with the fix command, and names the offloads the device cannot switch
// off.
func (r Report) Warning() string {
	if len(r.On) == 0 {
		return ""
	}
	var labels, fixed []string
	for _, o := range r.On {
		labels = append(labels, o.Label)
		if o.Fixed {
			fixed = append(fixed, o.Label)
		}
	}
	var b strings.Builder
	b.WriteString(r.Interface)
	b.WriteString(" has offloads on (")
	b.WriteString(strings.Join(labels, ", "))
	b.WriteString("): capture sees packets as the offloads changed them, not as they were on the wire, which distorts the analysis")
	if fix := r.FixCommand(); fix != "" {
		b.WriteString("; turn them off with: ")
		b.WriteString(fix)
	}
	if len(fixed) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(fixed, ", "))
		b.WriteString(" cannot be switched off on this device)")
	}
	return b.String()
}
