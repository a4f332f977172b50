package x509

import (
	"encoding/base64"
	"sync"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Info is an x509.log record (Zeek's X509::Info, base/files/x509/main.zeek).
type Info struct {
	// TS is the time the certificate's file was first seen.
	TS zeek.Time `zeek:"ts"`
	// Fingerprint is the certificate's SHA-256 fingerprint.
	Fingerprint string `zeek:"fingerprint"`
	// Certificate holds the basic certificate fields.
	Certificate Certificate `zeek:"certificate"`
	// SAN is the subject alternative name extension.
	SAN zeek.Opt[SubjectAlternativeName] `zeek:"san"`
	// BasicConstraints is the basic constraints extension.
	BasicConstraints zeek.Opt[BasicConstraints] `zeek:"basic_constraints"`
	// HostCert is true for an end-host certificate (the first of a chain).
	HostCert bool `zeek:"host_cert"`
	// ClientCert is true for a certificate the client sent.
	ClientCert bool `zeek:"client_cert"`

	// Cert is the certificate in base64, as OpenSSL encodes it
	// (policy/protocols/ssl/log-certs-base64).
	Cert zeek.Opt[string] `zeek:"cert,ext=log-certs-base64"`
}

// LogCertsBase64 fills Info.Cert (policy/protocols/ssl/log-certs-base64
// is loaded). Set it before analysis starts.
var LogCertsBase64 = false

// Zeek's log limits for x509.log (X509::default_max_field_container_elements
// and default_max_total_container_elements).
const (
	maxContainerElements      = 500
	maxTotalContainerElements = 1500
)

// NewInfo builds the x509.log record of a decoded certificate seen at ts
// (the file's first time). The record shares the decoded slices.
func NewInfo(d *Decoded, ts zeek.Time, hostCert, clientCert bool) Info {
	in := Info{TS: ts, Fingerprint: d.Fingerprint, Certificate: d.Cert,
		SAN: d.SAN, BasicConstraints: d.BasicConstraints, HostCert: hostCert, ClientCert: clientCert}
	if LogCertsBase64 && d.der != nil {
		in.Cert = zeek.Some(base64.StdEncoding.EncodeToString(d.der))
	}
	if in.SAN.Set {
		// Zeek's logging caps every container and all containers of a
		// record together; later containers are emptied.
		total := 0
		capStrings := func(o *zeek.Opt[[]string]) {
			if !o.Set {
				return
			}
			n := min(len(o.V), maxContainerElements, maxTotalContainerElements-total)
			o.V = o.V[:n]
			total += n
		}
		s := &in.SAN.V
		capStrings(&s.DNS)
		capStrings(&s.URI)
		capStrings(&s.Email)
		if s.IP.Set {
			n := min(len(s.IP.V), maxContainerElements, maxTotalContainerElements-total)
			s.IP.V = s.IP.V[:n]
		}
	}
	return in
}

// Known is Zeek's X509::known_log_certs: the certificates already written
// to x509.log, by fingerprint and role, each kept for
// X509::relog_known_certificates_after (a day) from when it was added, so
// that a certificate seen again within that time is not logged again.
// It is safe for concurrent use: a node's analysis threads share one.
type Known struct {
	mu      sync.Mutex
	expire  zeek.Interval
	max     int
	entries map[knownKey]zeek.Time // key → time added
}

type knownKey struct {
	fingerprint string
	host        bool
	client      bool
}

// DefaultRelogAfter is X509::relog_known_certificates_after.
const DefaultRelogAfter = 24 * 60 * 60 * zeek.Second

// DefaultKnownMax is X509::known_log_certs_maximum_size.
const DefaultKnownMax = 1000000

// NewKnown returns an empty table. relogAfter 0 disables deduplication
// (every certificate is logged), as in Zeek.
func NewKnown(relogAfter zeek.Interval, max int) *Known {
	return &Known{expire: relogAfter, max: max, entries: map[knownKey]zeek.Time{}}
}

// ShouldLog reports whether a certificate is to be logged now, and
// remembers it when it is (Zeek's file_state_remove handler).
func (k *Known) ShouldLog(now zeek.Time, fingerprint string, host, client bool) bool {
	if k == nil || k.expire == 0 {
		return true
	}
	key := knownKey{fingerprint, host, client}
	k.mu.Lock()
	defer k.mu.Unlock()
	if t, ok := k.entries[key]; ok {
		if now.Sub(t) < k.expire {
			return false
		}
		delete(k.entries, key)
	}
	if len(k.entries) >= k.max {
		k.sweep(now)
	}
	if len(k.entries) < k.max {
		k.entries[key] = now
	}
	return true
}

// sweep drops expired entries.
func (k *Known) sweep(now zeek.Time) {
	for key, t := range k.entries {
		if now.Sub(t) >= k.expire {
			delete(k.entries, key)
		}
	}
}

// Log is x509.log, written while base/files/x509 is loaded.
var Log = analyzer.DeclareLog[Info]("x509", "base/files/x509", logging.WithID("X509::LOG"))
