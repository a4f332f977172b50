package files

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/heron-nsm/heron/internal/zeek"
)

// hashAnalyzer is Zeek's MD5, SHA1 and SHA256 file analyzers: it hashes
// the file's content in order and, at the end, stores the digest in hex in
// files.log's md5, sha1 or sha256 (base/files/hash's file_hash handler). A
// gap detaches it: a file with a hole gets no digest.
type hashAnalyzer struct {
	f   *File
	h   hash.Hash
	fed bool
	out func(*Info) *zeek.Opt[string]
}

func init() {
	for _, k := range []struct {
		name string
		h    func() hash.Hash
		out  func(*Info) *zeek.Opt[string]
	}{
		{"MD5", md5.New, func(i *Info) *zeek.Opt[string] { return &i.MD5 }},
		{"SHA1", sha1.New, func(i *Info) *zeek.Opt[string] { return &i.SHA1 }},
		{"SHA256", sha256.New, func(i *Info) *zeek.Opt[string] { return &i.SHA256 }},
	} {
		RegisterAnalyzer(AnalyzerInfo{Name: k.name, New: func(f *File, _ Args) Analyzer {
			return &hashAnalyzer{f: f, h: k.h(), out: k.out}
		}})
	}
}

// DeliverStream hashes content.
func (a *hashAnalyzer) DeliverStream(data []byte) bool {
	if len(data) > 0 {
		a.fed = true
	}
	a.h.Write(data)
	return true
}

// DeliverChunk is not used: hashes follow the stream.
func (a *hashAnalyzer) DeliverChunk([]byte, uint64) bool { return true }

// Undelivered detaches the analyzer: a file with a hole has no digest.
func (a *hashAnalyzer) Undelivered(uint64, uint64) bool { return false }

// EndOfFile stores the digest in files.log.
func (a *hashAnalyzer) EndOfFile() bool {
	if a.fed {
		var sum [64]byte
		*a.out(&a.f.info) = zeek.Some(hex.EncodeToString(a.h.Sum(sum[:0])))
	}
	return false
}
