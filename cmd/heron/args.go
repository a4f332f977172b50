package main

import (
	"fmt"
	"strings"

	"github.com/heron-nsm/heron/internal/pktsrc/afpacket"
	"github.com/heron-nsm/heron/internal/pktsrc/pcaplive"
)

// invocation is a parsed command line.
type invocation struct {
	read        string   // -r
	iface       string   // -i
	filter      string   // -f
	sigFiles    []string // -s
	bare        bool     // -b
	noChecksums bool     // -C
	logDir      string   // --logdir
	seed        string   // --seed
	networks    string   // --networks
	help        bool     // -h, --help
	helpOptions bool     // --help-options
	version     bool     // -v, --version
	components  bool     // -N
	selfTest    bool     // --fanout-selftest
	node        string   // --node NAME (cluster node; else CLUSTER_NODE)
	cluster     string   // --cluster FILE (the cluster layout)
	progress    string   // --progress auto|always|never
	threads     string   // --threads N
	pinCPUs     string   // --pin-cpus LIST
	scripts     []string // script names
	assigns     []string // ID=VALUE redefs

	af   *afpacket.Options // the AF_Packet:: options, once configured
	pcap *pcaplive.Options // the Pcap:: options, once configured
}

// flagSpec describes one option: its names, whether it takes a value, and
// where the value goes.
type flagSpec struct {
	short, long string
	set         func(inv *invocation, v string)
	takesValue  bool
}

var flagSpecs = []flagSpec{
	{"r", "readfile", func(i *invocation, v string) { i.read = v }, true},
	{"i", "iface", func(i *invocation, v string) { i.iface = v }, true},
	{"f", "filter", func(i *invocation, v string) { i.filter = v }, true},
	{"b", "bare-mode", func(i *invocation, _ string) { i.bare = true }, false},
	{"s", "signatures", func(i *invocation, v string) { i.sigFiles = append(i.sigFiles, v) }, true},
	{"C", "no-checksums", func(i *invocation, _ string) { i.noChecksums = true }, false},
	{"", "logdir", func(i *invocation, v string) { i.logDir = v }, true},
	{"", "seed", func(i *invocation, v string) { i.seed = v }, true},
	{"", "networks", func(i *invocation, v string) { i.networks = v }, true},
	{"", "progress", func(i *invocation, v string) { i.progress = v }, true},
	{"", "threads", func(i *invocation, v string) { i.threads = v }, true},
	{"", "pin-cpus", func(i *invocation, v string) { i.pinCPUs = v }, true},
	{"h", "help", func(i *invocation, _ string) { i.help = true }, false},
	{"", "help-options", func(i *invocation, _ string) { i.helpOptions = true }, false},
	{"v", "version", func(i *invocation, _ string) { i.version = true }, false},
	{"N", "print-plugins", func(i *invocation, _ string) { i.components = true }, false},
	{"", "fanout-selftest", func(i *invocation, _ string) { i.selfTest = true }, false},
	{"", "node", func(i *invocation, v string) { i.node = v }, true},
	{"", "cluster", func(i *invocation, v string) { i.cluster = v }, true},
}

func lookupShort(c byte) *flagSpec {
	for i := range flagSpecs {
		if flagSpecs[i].short == string(c) {
			return &flagSpecs[i]
		}
	}
	return nil
}

func lookupLong(name string) *flagSpec {
	for i := range flagSpecs {
		if flagSpecs[i].long == name {
			return &flagSpecs[i]
		}
	}
	return nil
}

// parseArgs parses the command line as Zeek's getopt_long does: options
// and operands may be mixed, short options may be grouped (-bC), a short
// option's value may be attached (-rfile) or separate, long options take
// --name=value or --name value, and "--" ends the options. Operands are
// script names, or ID=VALUE redefs when they contain '='.
func parseArgs(args []string) (*invocation, error) {
	inv := &invocation{progress: "auto"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			for _, rest := range args[i+1:] {
				inv.operand(rest)
			}
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			spec := lookupLong(name)
			if spec == nil {
				return nil, fmt.Errorf("unknown option --%s (heron --help lists them)", name)
			}
			if spec.takesValue && !hasVal {
				if i+1 >= len(args) {
					return nil, fmt.Errorf("option --%s needs a value", name)
				}
				i++
				val = args[i]
			} else if !spec.takesValue && hasVal {
				return nil, fmt.Errorf("option --%s takes no value", name)
			}
			spec.set(inv, val)
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				spec := lookupShort(a[j])
				if spec == nil {
					return nil, fmt.Errorf("unknown option -%c (heron --help lists them)", a[j])
				}
				if !spec.takesValue {
					spec.set(inv, "")
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, fmt.Errorf("option -%c needs a value", a[j])
					}
					i++
					val = args[i]
				}
				spec.set(inv, val)
				break
			}
		default:
			inv.operand(a)
		}
	}
	if inv.progress != "auto" && inv.progress != "always" && inv.progress != "never" {
		return nil, fmt.Errorf("--progress %q: use auto, always or never", inv.progress)
	}
	return inv, nil
}

func (inv *invocation) operand(a string) {
	if strings.IndexByte(a, '=') >= 0 {
		inv.assigns = append(inv.assigns, a)
	} else {
		inv.scripts = append(inv.scripts, a)
	}
}
