package files

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/heron-nsm/heron/internal/signatures"
)

// magicRule is one of Heron's file-magic rules: when Pattern matches at
// the start of a file (it is anchored there; ".*" searches), the file may
// be of type MIME with the given strength. The strongest matching rule
// names the file's type; among equally strong ones the alphabetically
// first type wins (Zeek's choice).
type magicRule struct {
	MIME     string
	Strength int
	Pattern  string
}

var (
	magicOnce sync.Once
	magicSet  *signatures.Set
	magicErr  error
)

// magicSource renders the rule table in the signature language, so that
// the rules run on Heron's signature engine (its file-magic matching is
// Zeek's).
func magicSource(rules []magicRule) string {
	var b strings.Builder
	for i, r := range rules {
		fmt.Fprintf(&b, "signature heron-magic-%d {\n\tfile-magic /%s/\n\tfile-mime %s, %d\n}\n",
			i, r.Pattern, strconv.Quote(r.MIME), r.Strength)
	}
	return b.String()
}

// magicRules compiles the rule table once.
func magicRules() (*signatures.Set, error) {
	magicOnce.Do(func() {
		sigs, err := signatures.ParseBytes([]byte(magicSource(allMagicRules())), "heron-magic")
		if err != nil {
			magicErr = fmt.Errorf("files: magic rules: %w", err)
			return
		}
		magicSet, magicErr = signatures.Compile(sigs)
		if magicErr != nil {
			magicErr = fmt.Errorf("files: magic rules: %w", magicErr)
		}
	})
	return magicSet, magicErr
}

// Sniffer detects MIME types from the beginning of files. A Sniffer is
// not safe for concurrent use; make one per goroutine (they share the
// compiled rules).
type Sniffer struct {
	m   *signatures.Matcher
	buf []signatures.MIMEMatch
}

// NewSniffer returns a Sniffer over Heron's file-magic rules.
func NewSniffer() *Sniffer {
	set, err := magicRules()
	if err != nil {
		panic(err) // the rules are part of the program; a test compiles them
	}
	return &Sniffer{m: set.NewMatcher()}
}

// Detect returns the MIME type of a file that begins with data, or ""
// when no rule matches. data is only read.
func (s *Sniffer) Detect(data []byte) string {
	s.buf = s.m.FileMagic(data, s.buf[:0])
	if len(s.buf) == 0 {
		return ""
	}
	return s.buf[0].MIME
}

// Matches returns every matching type with its strength, strongest
// first (Zeek's fa_metadata mime_types). The slice is valid until the
// next call.
func (s *Sniffer) Matches(data []byte) []signatures.MIMEMatch {
	s.buf = s.m.FileMagic(data, s.buf[:0])
	return s.buf
}
