package scripts

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// registry maps canonical script names to the Heron features they turn on.
var registry struct {
	sync.Mutex
	m map[string][]string
}

// Implement records that Heron implements the script name: loading it turns
// on the feature what (a few words for listings, e.g. "conn.log"). Call it
// from an init function or the command line's wiring. A name may carry
// several features. Register the name a user types, usually the package
// ("base/protocols/conn"); a registered package also covers the scripts
// inside its directory. Implement panics when name is not a Zeek script,
// which is a programming error. Registering the same pair twice is a no-op.
func Implement(name, what string) {
	canon, err := Resolve(name)
	if err != nil {
		panic(fmt.Sprintf("scripts.Implement(%q): %v", name, err))
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = make(map[string][]string)
	}
	if slices.Contains(registry.m[canon], what) {
		return
	}
	registry.m[canon] = append(registry.m[canon], what)
}

// Feature is one Implement registration.
type Feature struct {
	// Script is the canonical script name.
	Script string
	// What is the feature the script turns on.
	What string
}

// Implemented returns every registration, sorted by script name and then in
// registration order. The slice is the caller's.
func Implemented() []Feature {
	registry.Lock()
	defer registry.Unlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Feature
	for _, n := range names {
		for _, w := range registry.m[n] {
			out = append(out, Feature{Script: n, What: w})
		}
	}
	return out
}

// covered reports whether Heron does what the script does: it is
// registered, it is inside a registered package's directory, or it is the
// site script (which Heron loads as empty).
func (s *Set) covered(name string) bool {
	if sc := s.c.scripts[name]; sc != nil && sc.kind == Site {
		return true
	}
	// Registered names are resolved scripts, so a registered directory
	// is a package.
	for n := name; ; {
		if _, ok := registry.m[n]; ok {
			return true
		}
		i := strings.LastIndexByte(n, '/')
		if i < 0 {
			return false
		}
		n = n[:i]
	}
}

// Unimplemented returns the scripts named to Load that Heron does not
// implement, in the order named, so the command line can warn once. The
// slice is the caller's.
func (s *Set) Unimplemented() []string {
	registry.Lock()
	defer registry.Unlock()
	var out []string
	for _, n := range s.named {
		if !s.covered(n) {
			out = append(out, n)
		}
	}
	return out
}

// UnimplementedLoaded returns every loaded script that Heron does not
// implement, in load order, for verbose listings. Most of base/ is in it
// until Heron implements it. The slice is the caller's.
func (s *Set) UnimplementedLoaded() []string {
	registry.Lock()
	defer registry.Unlock()
	var out []string
	for _, n := range s.order {
		if !s.covered(n) {
			out = append(out, n)
		}
	}
	return out
}
