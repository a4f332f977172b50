package ethtool

import (
	"reflect"
	"testing"
)

func TestOffloads(t *testing.T) {
	for _, tc := range []struct {
		name     string
		features map[string]feature
		want     []Offload
	}{
		{"none", map[string]feature{"rx-gro": {}, "rx-lro": {fixed: true}}, nil},
		{"gro", map[string]feature{"rx-gro": {active: true}}, []Offload{{"gro", "GRO", false}}},
		{"tso partly fixed", map[string]feature{
			"tx-tcp-segmentation":  {active: true, fixed: true},
			"tx-tcp6-segmentation": {active: true},
		}, []Offload{{"tso", "TSO", false}}},
		{"tso all fixed", map[string]feature{
			"tx-tcp-segmentation":     {active: true, fixed: true},
			"tx-tcp-ecn-segmentation": {active: false},
		}, []Offload{{"tso", "TSO", true}}},
		{"order", map[string]feature{
			"rx-gro-hw": {active: true}, "rx-checksum": {active: true, fixed: true},
			"tx-generic-segmentation": {active: true}, "rx-lro": {active: true}, "rx-gro": {active: true},
		}, []Offload{{"gro", "GRO", false}, {"lro", "LRO", false}, {"gso", "GSO", false},
			{"rx", "rx checksumming", true}, {"rx-gro-hw", "hardware GRO", false}}},
	} {
		if got := offloads(tc.features); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestWarning(t *testing.T) {
	for _, tc := range []struct {
		name      string
		on        []Offload
		fix, warn string
	}{
		{"none", nil, "", ""},
		{"all", []Offload{{"gro", "GRO", false}, {"lro", "LRO", false}, {"tso", "TSO", false}, {"gso", "GSO", false}, {"rx", "rx checksumming", false}},
			"ethtool -K eth0 gro off lro off tso off gso off rx off",
			"eth0 has offloads on (GRO, LRO, TSO, GSO, rx checksumming): capture sees packets as the offloads changed them, not as they were on the wire, which distorts the analysis; turn them off with: ethtool -K eth0 gro off lro off tso off gso off rx off"},
		{"some fixed", []Offload{{"gro", "GRO", false}, {"rx", "rx checksumming", true}, {"rx-gro-hw", "hardware GRO", true}},
			"ethtool -K eth0 gro off",
			"eth0 has offloads on (GRO, rx checksumming, hardware GRO): capture sees packets as the offloads changed them, not as they were on the wire, which distorts the analysis; turn them off with: ethtool -K eth0 gro off (rx checksumming, hardware GRO cannot be switched off on this device)"},
		{"all fixed", []Offload{{"rx", "rx checksumming", true}},
			"",
			"eth0 has offloads on (rx checksumming): capture sees packets as the offloads changed them, not as they were on the wire, which distorts the analysis (rx checksumming cannot be switched off on this device)"},
	} {
		r := Report{Interface: "eth0", On: tc.on}
		if got := r.FixCommand(); got != tc.fix {
			t.Errorf("%s: FixCommand %q, want %q", tc.name, got, tc.fix)
		}
		if got := r.Warning(); got != tc.warn {
			t.Errorf("%s: Warning\n %q\nwant %q", tc.name, got, tc.warn)
		}
	}
}
