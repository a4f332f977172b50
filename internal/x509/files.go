package x509

import (
	"crypto/sha256"
	"sync"

	"github.com/heron-nsm/heron/internal/files"
	"github.com/heron-nsm/heron/internal/zeek"
)

// MIME types of certificates (base/files/x509/main.zeek registers the
// X509 file analyzer for them): the first certificate of a TLS chain is a
// user certificate, the others CA certificates; certificates seen
// elsewhere (HTTP) are pkix-cert.
const (
	MIMEUserCert = "application/x-x509-user-cert"
	MIMECACert   = "application/x-x509-ca-cert"
	MIMEPKIXCert = "application/pkix-cert"
	// MIMEOCSPResponse is a stapled or fetched OCSP response.
	MIMEOCSPResponse = "application/ocsp-response"
)

// LogInFilesLog is X509::log_x509_in_files_log: whether certificate files
// appear in files.log (Zeek's default: no).
var LogInFilesLog = false

// maxCertificate bounds the bytes the X509 file analyzer keeps of one
// file (Heron's own bound; Zeek keeps them all).
const maxCertificate = 1 << 20

// SharedCache is the node's certificate cache and SharedKnown its table
// of certificates logged in the last day: Zeek keeps one of each per
// process, and a node's analysis threads share them. ResetShared starts
// both afresh.
var (
	SharedCache = NewCache(DefaultCachingRequiredEncounters)
	SharedKnown = NewKnown(DefaultRelogAfter, DefaultKnownMax)
)

// ResetShared replaces SharedCache and SharedKnown with empty ones. Call
// it when a node starts, before any analysis (a process that runs several
// nodes one after the other, as tests do, would otherwise carry the
// certificates of one run into the next).
func ResetShared() {
	SharedCache = NewCache(DefaultCachingRequiredEncounters)
	SharedKnown = NewKnown(DefaultRelogAfter, DefaultKnownMax)
}

func init() {
	files.RegisterAnalyzer(files.AnalyzerInfo{
		Name:        "X509",
		New:         newFileAnalyzer,
		MIMETypes:   []string{MIMEUserCert, MIMECACert, MIMEPKIXCert},
		Script:      "base/files/x509/main",
		HideFromLog: func() bool { return !LogInFilesLog },
	})
	// OCSP responses are files with an analyzer of their own in Zeek;
	// Heron names it (files.log's analyzers) but does not decode them
	// (no ocsp.log).
	files.RegisterAnalyzer(files.AnalyzerInfo{
		Name:      "OCSP_REPLY",
		New:       func(*files.File, files.Args) files.Analyzer { return ocspReply{} },
		MIMETypes: []string{MIMEOCSPResponse},
		Script:    "base/files/x509/log-ocsp",
	})
}

type ocspReply struct{ files.Base }

// fileAnalyzer is the X509 file analyzer: it collects a certificate file
// and decodes it at its end.
type fileAnalyzer struct {
	f    *files.File
	data []byte
	over bool
}

func newFileAnalyzer(f *files.File, _ files.Args) files.Analyzer { return &fileAnalyzer{f: f} }

// DeliverStream implements files.Analyzer.
func (a *fileAnalyzer) DeliverStream(data []byte) bool {
	if len(a.data)+len(data) > maxCertificate {
		a.over = true
		return false
	}
	a.data = append(a.data, data...)
	return true
}

// DeliverChunk implements files.Analyzer.
func (a *fileAnalyzer) DeliverChunk([]byte, uint64) bool { return true }

// Undelivered implements files.Analyzer: a certificate with a hole is not
// decoded (Zeek's analyzer stops too).
func (a *fileAnalyzer) Undelivered(uint64, uint64) bool { return false }

// EndOfFile implements files.Analyzer: decode (or take from the cache)
// and hand the result to whoever waits for this file.
func (a *fileAnalyzer) EndOfFile() bool {
	d, err := Lookup(SharedCache, a.f.Info().TS, a.data)
	deliver(a.f, d, err)
	a.data = nil
	return true
}

// Lookup decodes a certificate through a certificate cache: a cached
// certificate is not decoded again, and every certificate counts as an
// encounter. der is only read.
func Lookup(c *Cache, now zeek.Time, der []byte) (*Decoded, error) {
	sha := sha256.Sum256(der)
	if d := c.Lookup(now, sha); d != nil {
		return d, nil
	}
	d, err := Decode(der)
	if err != nil {
		c.Seen(now, sha, nil)
		return nil, err
	}
	c.Seen(now, sha, d)
	return d, nil
}

// pending holds, per file, the decoding a protocol analyzer waits for.
var pending sync.Map // *files.File → *result

type result struct {
	d   *Decoded
	err error
	set bool
}

// Expect announces that the caller wants the decoding of f, which it is
// about to feed and end; Take returns it. Calls for one file come from
// one goroutine.
func Expect(f *files.File) { pending.Store(f, &result{}) }

// Take returns the decoding of a file announced with Expect, once the
// file has ended, and forgets it. ok is false when no X509 analyzer saw
// the file.
func Take(f *files.File) (d *Decoded, err error, ok bool) {
	v, found := pending.LoadAndDelete(f)
	if !found {
		return nil, nil, false
	}
	r := v.(*result)
	return r.d, r.err, r.set
}

func deliver(f *files.File, d *Decoded, err error) {
	if v, ok := pending.Load(f); ok {
		r := v.(*result)
		r.d, r.err, r.set = d, err, true
	}
}
