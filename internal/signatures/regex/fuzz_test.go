package regex

import "testing"

// FuzzRegex compiles arbitrary patterns and feeds arbitrary data, whole and
// split at every tenth byte: no panics, and the same matches either way.
func FuzzRegex(f *testing.F) {
	f.Add(".*root", []byte("xx root"))
	f.Add("^(\\x16\\x03[\\x00-\\x03]..\\x01)?(?i:get|post) [^ ]+$", []byte("\x16\x03\x01ab\x01GET /x"))
	f.Add("[[:alpha:]]{2,4}\"q\"(|x)y*", []byte("abqy"))
	f.Add("a{0,3}[^]a-]\\101\\x41", []byte("aa]AA"))
	f.Fuzz(func(t *testing.T, pattern string, data []byte) {
		if len(pattern) > 256 || len(data) > 4096 {
			return
		}
		s, err := CompileSet([]string{pattern, ".*" + pattern}, CompileOptions{MaxInsts: 1 << 16})
		if err != nil {
			return
		}
		m := s.NewMatcher(MatcherOptions{MaxMemory: 64 << 10})
		var whole Stream
		want, _ := m.Feed(&whole, data, true, true, false, nil)
		var split Stream
		var got []Hit
		for off := 0; ; off += 10 {
			end := min(off+10, len(data))
			got, _ = m.Feed(&split, data[off:end], off == 0, end == len(data), false, got)
			if end == len(data) {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("whole %v, split %v", want, got)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("whole %v, split %v", want, got)
			}
		}
	})
}
