package node_test

import (
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/testutil/pktbuild"
)

// TestLogLimitWeirds runs a UDP flow with Log:: limit options set on the
// command line's way and checks the cut conn.log values and the net weirds
// Zeek's logging manager raises for them (src/logging/Manager.cc,
// ValToLogVal): one per cut value, addl the stream's ID, at the network
// time the record is written.
func TestLogLimitWeirds(t *testing.T) {
	udpBA := pktbuild.UDPPacket(pktbuild.IP{Src: hostB, Dst: hostA}, pktbuild.UDP{SrcPort: portB, DstPort: portA}, []byte("pong"))
	frames := []frame{ethIP(udp4([]byte("ping"))), ethIP(udpBA)}
	for _, tc := range []struct {
		name    string
		assigns []string
		edit    func(*node.Config)
		uidLen  int      // 0: not cut
		weirds  []string // name addl
	}{
		{name: "defaults"},
		{
			name:    "unlimited",
			assigns: []string{"Log::default_max_field_string_bytes=0", "Log::default_max_total_string_bytes=0"},
		},
		{
			// A limit below the weird names cuts weird.log's records too.
			// The weird about that is a repeat of the name within
			// Weird::ignore_interval, which weird.zeek does not log again
			// (weird_ignore); with repeats logged, it is logged once and
			// the weird about its own record is dropped, not looped on.
			name:    "field limit",
			assigns: []string{"Log::default_max_field_string_bytes=10"},
			uidLen:  10,
			weirds:  []string{"log_string Conn::LOG"},
		},
		{
			name:    "field limit, repeats logged",
			assigns: []string{"Log::default_max_field_string_bytes=10"},
			edit: func(c *node.Config) {
				c.Weird.DoNotIgnoreRepeats = map[string]bool{"log_string_field_truncated": true}
			},
			uidLen: 10,
			weirds: []string{"log_string Conn::LOG", "log_string Weird::LOG"},
		},
		{
			// Two analysis threads: the weird's time is the latest of theirs.
			name:    "two threads",
			assigns: []string{"Log::default_max_field_string_bytes=10"},
			edit:    func(c *node.Config) { c.Threads = 2 },
			uidLen:  10,
			weirds:  []string{"log_string Conn::LOG"},
		},
		{
			// conn.log: uid cut, history and conn_state written empty (three
			// weirds, of which weird.log keeps the first); weird.log: name
			// cut, addl empty.
			name:    "total limit",
			assigns: []string{"Log::default_max_total_string_bytes=12", "Log::default_max_field_string_bytes=100"},
			uidLen:  12,
			weirds:  []string{"log_string_f (empty)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := weirdCase{frames: frames, cfg: func(cfg *node.Config) {
				reg := options.NewRegistry()
				cfg.Options(reg)
				for _, a := range tc.assigns {
					if err := reg.Apply(a); err != nil {
						t.Fatalf("%s: %v", a, err)
					}
				}
				if tc.edit != nil {
					tc.edit(cfg)
				}
			}}
			weirds, conns, times := runWeirdCase(t, c)
			if len(conns.Records) != 1 {
				t.Fatalf("%d conn.log records", len(conns.Records))
			}
			uid := conns.Records[0]["uid"]
			if tc.uidLen > 0 && len(uid) != tc.uidLen || tc.uidLen == 0 && len(uid) < 15 {
				t.Errorf("conn.log uid %q, want %d bytes (0: whole)", uid, tc.uidLen)
			}
			var got []string
			for _, r := range weirds.Records {
				got = append(got, r["name"]+" "+r["addl"])
				if r["ts"] != fmtTime(times[len(times)-1]) {
					t.Errorf("weird at %s, want the last packet's time %s", r["ts"], fmtTime(times[len(times)-1]))
				}
				if r["uid"] != "-" || r["id.orig_h"] != "-" {
					t.Errorf("not a net weird: %v", r)
				}
			}
			if strings.Join(got, "; ") != strings.Join(tc.weirds, "; ") {
				t.Errorf("weirds\n got %q\nwant %q", got, tc.weirds)
			}
		})
	}
}
