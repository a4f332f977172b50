package pcaplive

import (
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/options"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		assigns []string
		snap    int
		buf     int
		poll    time.Duration
		err     string
	}{
		{nil, DefaultSnapLen, DefaultBufferSize, DefaultPollInterval, ""},
		{[]string{"Pcap::snaplen=1500", "Pcap::bufsize=16"}, 1500, 16 << 20, DefaultPollInterval, ""},
		{[]string{"Pcap::non_fd_timeout=200usec"}, DefaultSnapLen, DefaultBufferSize, 200 * time.Microsecond, ""},
		{[]string{"Pcap::bufsize=0"}, DefaultSnapLen, 0, DefaultPollInterval, ""},
		{[]string{"Pcap::snaplen=0"}, 0, 0, 0, "pcaplive: Pcap::snaplen=0 is out of range (1 to 262144)"},
		{[]string{"Pcap::snaplen=300000"}, 0, 0, 0, "pcaplive: Pcap::snaplen=300000 is out of range (1 to 262144)"},
		{[]string{"Pcap::bufsize=4096"}, 0, 0, 0, "pcaplive: Pcap::bufsize=4096 is out of range (0 to 2047 MB)"},
		{[]string{"Pcap::non_fd_timeout=2sec"}, 0, 0, 0, "pcaplive: Pcap::non_fd_timeout must be between 0 and 1 sec"},
	}
	for _, tt := range tests {
		name := strings.Join(tt.assigns, " ")
		o := NewOptions()
		r := options.NewRegistry()
		o.Register(r)
		for _, a := range tt.assigns {
			if err := r.Apply(a); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		c, err := o.Config("eth0")
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: error %v, want %q", name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Device != "eth0" || c.SnapLen != tt.snap || c.BufferSize != tt.buf || c.PollInterval != tt.poll || !c.Promisc || c.Timeout != DefaultTimeout {
			t.Errorf("%s: config %+v; want snaplen %d, buffer %d, poll %v", name, c, tt.snap, tt.buf, tt.poll)
		}
	}
}
