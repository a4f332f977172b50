package afpacket

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig("eth0")
	want := Config{Interface: "eth0", BufferSize: 128 << 20, BlockSize: 32768, BlockTimeout: 10 * time.Millisecond,
		EnableFanout: true, FanoutMode: FanoutHash, FanoutID: 23, LinkType: 1, ChecksumMode: ChecksumOn}
	if c.Interface != want.Interface || c.BufferSize != want.BufferSize || c.BlockSize != want.BlockSize ||
		c.BlockTimeout != want.BlockTimeout || c.EnableFanout != want.EnableFanout || c.EnableDefrag ||
		c.EnableHWTimestamping || c.FanoutMode != want.FanoutMode || c.FanoutID != want.FanoutID ||
		c.LinkType != want.LinkType || c.ChecksumMode != want.ChecksumMode {
		t.Fatalf("DefaultConfig = %+v", c)
	}
	if n, err := c.validate(); err != nil || n != 4096 {
		t.Fatalf("validate: %d blocks, %v", n, err)
	}
}

// TestDefaultsMatchZeek reads the AF_Packet module of Zeek's init-bare.zeek
// and compares its defaults with the registered options.
func TestDefaultsMatchZeek(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(refdata.ZeekSource(t), "scripts", "base", "init-bare.zeek"))
	if err != nil {
		t.Fatal(err)
	}
	_, mod, ok := strings.Cut(string(src), "\nmodule AF_Packet;")
	if !ok {
		t.Fatal("no AF_Packet module in init-bare.zeek")
	}
	mod, _, _ = strings.Cut(mod, "\nmodule ")
	re := regexp.MustCompile(`const (\w+)(?:: \w+)? = ([^&]+?) &redef;`)
	zeekVals := map[string]string{
		// Zeek writes these as expressions or unqualified enum names.
		"buffer_size": "134217728", "block_size": "32768", "block_timeout": "10.0 msecs",
		"fanout_mode": "AF_Packet::FANOUT_HASH", "checksum_validation_mode": "AF_Packet::CHECKSUM_ON",
	}
	exprs := map[string]string{
		"buffer_size": "128 * 1024 * 1024", "block_size": "4096 * 8", "block_timeout": "10msec",
		"fanout_mode": "FANOUT_HASH", "checksum_validation_mode": "CHECKSUM_ON",
	}
	reg := options.NewRegistry()
	NewOptions().Register(reg)
	seen := 0
	for _, m := range re.FindAllStringSubmatch(mod, -1) {
		name, val := m[1], strings.TrimSpace(m[2])
		want := val
		if e, ok := exprs[name]; ok {
			if val != e {
				t.Errorf("AF_Packet::%s = %s in Zeek; this test expects %s", name, val, e)
			}
			want = zeekVals[name]
		}
		v := reg.Lookup("AF_Packet::" + name)
		if v == nil {
			t.Errorf("AF_Packet::%s is not registered", name)
			continue
		}
		seen++
		if got := v.String(); got != want {
			t.Errorf("AF_Packet::%s default %s, Zeek's %s", name, got, want)
		}
	}
	if seen != 10 {
		t.Errorf("compared %d options, want 10", seen)
	}
}

func TestOptionsConfig(t *testing.T) {
	opt := NewOptions()
	reg := options.NewRegistry()
	opt.Register(reg)
	for _, a := range []string{
		"AF_Packet::fanout_id=24", "AF_Packet::fanout_mode=AF_Packet::FANOUT_CPU",
		"AF_Packet::enable_fanout=F", "AF_Packet::enable_defrag=T", "AF_Packet::block_timeout=5msec",
		"AF_Packet::buffer_size=67108864", "AF_Packet::block_size=65536", "AF_Packet::link_type=12",
		"AF_Packet::checksum_validation_mode=AF_Packet::CHECKSUM_KERNEL", "AF_Packet::enable_hw_timestamping=T",
	} {
		if err := reg.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	c, err := opt.Config("eth1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Interface != "eth1" || c.FanoutID != 24 || c.FanoutMode != FanoutCPU || c.EnableFanout || !c.EnableDefrag ||
		c.BlockTimeout != 5*time.Millisecond || c.BufferSize != 64<<20 || c.BlockSize != 65536 || c.LinkType != 12 ||
		c.ChecksumMode != ChecksumKernel || !c.EnableHWTimestamping {
		t.Fatalf("Config = %+v", c)
	}
	if err := reg.Apply("AF_Packet::fanout_mode=FANOUT_LB"); err == nil {
		t.Fatal("an unqualified enum name was accepted")
	}
	if err := reg.Apply("AF_Packet::fanout_id=70000"); err != nil {
		t.Fatal(err)
	}
	if _, err := opt.Config("eth1"); err == nil || !strings.Contains(err.Error(), "fanout_id=70000 is out of range") {
		t.Fatalf("fanout_id 70000: %v", err)
	}
}

func TestEnumNames(t *testing.T) {
	for m := FanoutMode(0); int(m) < len(fanoutNames); m++ {
		for _, s := range []string{m.String(), strings.TrimPrefix(m.String(), "AF_Packet::")} {
			if got, err := ParseFanoutMode(s); err != nil || got != m {
				t.Errorf("ParseFanoutMode(%q) = %v, %v", s, got, err)
			}
		}
	}
	for m := ChecksumMode(0); int(m) < len(checksumNames); m++ {
		if got, err := ParseChecksumMode(m.String()); err != nil || got != m {
			t.Errorf("ParseChecksumMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseFanoutMode("FANOUT_XYZ"); err == nil {
		t.Error("unknown fanout mode accepted")
	}
	if _, err := ParseChecksumMode("CHECKSUM_MAYBE"); err == nil {
		t.Error("unknown checksum mode accepted")
	}
	if FanoutMode(99).String() != "FanoutMode(99)" || ChecksumMode(9).String() != "ChecksumMode(9)" {
		t.Error("String of an unknown value")
	}
}

func TestValidate(t *testing.T) {
	page := uint32(os.Getpagesize())
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no interface", func(c *Config) { c.Interface = "" }, "no interface"},
		{"zero block", func(c *Config) { c.BlockSize = 0 }, "block_size=0"},
		{"odd block", func(c *Config) { c.BlockSize = page + 1 }, "multiple of the page size"},
		{"small buffer", func(c *Config) { c.BufferSize = uint64(c.BlockSize) - 1 }, "buffer_size"},
		{"huge buffer", func(c *Config) { c.BufferSize = 1 << 60 }, "too large"},
		{"negative timeout", func(c *Config) { c.BlockTimeout = -1 }, "block_timeout"},
		{"fanout mode", func(c *Config) { c.FanoutMode = 42 }, "fanout mode"},
		{"checksum mode", func(c *Config) { c.ChecksumMode = 42 }, "checksum validation mode"},
		{"filter", func(c *Config) { c.Filter = make([]RawInstruction, 4097) }, "limit of 4096"},
	} {
		c := DefaultConfig("eth0")
		tc.mod(&c)
		if _, err := c.validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	c := DefaultConfig("eth0")
	c.BufferSize = 3*32768 + 100
	if n, err := c.validate(); err != nil || n != 3 {
		t.Errorf("partial block: %d, %v", n, err)
	}
}
