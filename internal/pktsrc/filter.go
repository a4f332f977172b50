package pktsrc

// Matcher decides whether a frame passes a capture filter (a compiled
// BPF program). data is borrowed for the call.
type Matcher interface {
	Match(data []byte, wireLen int) bool
}

// Filtered returns a source that yields only the frames of src that pass
// the matcher for their link type: match returns the matcher of a link
// type, or an error when the filter cannot apply to it (compiled on first
// use; that error ends the source). Filtered frames are counted.
func Filtered(src Source, match func(linkType uint32) (Matcher, error)) *FilteredSource {
	return &FilteredSource{Source: src, match: match}
}

// FilteredSource is a filtering Source; see Filtered.
type FilteredSource struct {
	Source
	match func(uint32) (Matcher, error)
	last  uint32
	m     Matcher
	have  bool
	// Dropped counts the frames the filter rejected.
	Dropped uint64
}

// Next implements Source.
func (f *FilteredSource) Next(fr *Frame) error {
	for {
		if err := f.Source.Next(fr); err != nil {
			return err
		}
		if !f.have || fr.LinkType != f.last {
			m, err := f.match(fr.LinkType)
			if err != nil {
				return err
			}
			f.m, f.last, f.have = m, fr.LinkType, true
		}
		if f.m.Match(fr.Data, int(fr.WireLen)) {
			return nil
		}
		f.Dropped++
	}
}

// Position implements Progress when the underlying source does.
func (f *FilteredSource) Position() (done, total int64) {
	if p, ok := f.Source.(Progress); ok {
		return p.Position()
	}
	return 0, 0
}
