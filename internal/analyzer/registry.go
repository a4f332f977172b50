package analyzer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Transport says which connections an analyzer can parse.
type Transport uint8

// Transports, combinable.
const (
	TCP Transport = 1 << iota
	UDP
)

// Info describes an analyzer to the registry.
type Info struct {
	// Name is Zeek's analyzer name ("HTTP", "DNS", "SSL"); conn.log's
	// service field shows it in lower case.
	Name string
	// Transport says where the analyzer applies.
	Transport Transport
	// Script is the Zeek script whose loading enables the analyzer
	// ("base/protocols/http"); the ports it registers come from there.
	Script string
	// New creates the analyzer for one connection.
	New func(h *Handle) Analyzer
	// Signatures are the analyzer's detection signatures, in Zeek's
	// signature language (Heron's own, equivalent to Zeek's), used when
	// the analyzer is enabled.
	Signatures string
}

var (
	regMu    sync.Mutex
	registry = map[string]*Info{}
)

// Register adds an analyzer. It is called from the init function of the
// analyzer's package; a second registration under the same name panics.
func Register(info Info) {
	regMu.Lock()
	defer regMu.Unlock()
	key := strings.ToUpper(info.Name)
	if info.Name == "" || info.New == nil || info.Transport == 0 {
		panic(fmt.Sprintf("analyzer: incomplete registration %+v", info))
	}
	if _, dup := registry[key]; dup {
		panic(fmt.Sprintf("analyzer: %q registered twice", info.Name))
	}
	i := info
	registry[key] = &i
}

// Lookup returns the registered analyzer of a name (any case), or nil.
func Lookup(name string) *Info {
	regMu.Lock()
	defer regMu.Unlock()
	return registry[strings.ToUpper(name)]
}

// Registered returns every registered analyzer, by name.
func Registered() []*Info {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]*Info, 0, len(registry))
	for _, i := range registry {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}
