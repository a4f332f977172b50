package config

import (
	"fmt"
	"sort"
)

// CheckCores warns, as zeekctl's documentation advises, when the packet
// analysis on a host needs more than all but one of its cores: the
// threads of its workers (or standalone node) should leave a core for
// the rest of the system. It also warns about CPUs a host lacks and CPUs
// two threads are pinned to. cores returns a host's number of cores, or
// false when it is not known (heronctl nodes knows only the local host's).
func CheckCores(nodes []*Node, cores func(host string) (int, bool)) []Warning {
	var warns []Warning
	type hostUse struct {
		threads int
		file    string
		line    int
		pinned  map[int][]string
	}
	hosts := map[string]*hostUse{}
	var order []string
	for _, n := range nodes {
		if n.Type != Worker && n.Type != Standalone {
			continue
		}
		h := hosts[n.Host]
		if h == nil {
			h = &hostUse{file: n.File, line: n.Line, pinned: map[int][]string{}}
			hosts[n.Host] = h
			order = append(order, n.Host)
		}
		h.threads += n.Threads
		for _, cpu := range n.CPUs {
			h.pinned[cpu] = append(h.pinned[cpu], n.Name)
		}
	}
	for _, host := range order {
		h := hosts[host]
		if c, ok := cores(host); ok && c > 0 {
			if h.threads > c-1 {
				warns = append(warns, warnf(h.file, h.line, "lower lb_procs or threads so that one core stays free",
					"host %s runs %d analysis threads on %d cores", host, h.threads, c))
			}
			var bad []int
			for cpu := range h.pinned {
				if cpu >= c {
					bad = append(bad, cpu)
				}
			}
			sort.Ints(bad)
			if len(bad) > 0 {
				warns = append(warns, warnf(h.file, h.line, fmt.Sprintf("pin to CPUs 0 to %d", c-1), "host %s has %d cores but nodes are pinned to CPU %v", host, c, bad))
			}
		}
		var shared []int
		for cpu, names := range h.pinned {
			if len(names) > 1 {
				shared = append(shared, cpu)
			}
		}
		sort.Ints(shared)
		if len(shared) > 0 {
			warns = append(warns, warnf(h.file, h.line, "give every thread its own CPU in pin_cpus",
				"on host %s, more than one thread is pinned to CPU %v", host, shared))
		}
	}
	return warns
}
