package known

import (
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Tracking is a value of Zeek's Host enum (base/utils/directions-and-hosts):
// which hosts a known-* script tracks.
type Tracking string

// The values of Zeek's Host enum.
const (
	// LocalHosts tracks hosts in Site::local_nets (Site::is_local_addr).
	LocalHosts Tracking = "LOCAL_HOSTS"
	// RemoteHosts tracks hosts outside Site::local_nets.
	RemoteHosts Tracking = "REMOTE_HOSTS"
	// AllHosts tracks every host.
	AllHosts Tracking = "ALL_HOSTS"
	// NoHosts tracks none.
	NoHosts Tracking = "NO_HOSTS"
)

// trackingNames are the enum's names, for options.
var trackingNames = []string{string(LocalHosts), string(RemoteHosts), string(AllHosts), string(NoHosts)}

// Matches is Zeek's addr_matches_host: whether a host whose locality is
// local is tracked.
func (t Tracking) Matches(local bool) bool {
	switch t {
	case AllHosts:
		return true
	case LocalHosts:
		return local
	case RemoteHosts:
		return !local
	}
	return false
}

// Config holds the options of the three scripts with Zeek's names, and
// which of them are loaded.
type Config struct {
	// Hosts, Services and Certs say which scripts are loaded:
	// policy/protocols/conn/known-hosts, policy/protocols/conn/
	// known-services and policy/protocols/ssl/known-certs.
	Hosts, Services, Certs bool

	// HostTracking is Known::host_tracking (LOCAL_HOSTS).
	HostTracking string
	// ServiceTracking is Known::service_tracking (LOCAL_HOSTS).
	ServiceTracking string
	// CertTracking is Known::cert_tracking (LOCAL_HOSTS).
	CertTracking string
	// ServiceUDPRequiresResponse is Known::service_udp_requires_response
	// (T): a UDP service counts only once its server has sent something.
	ServiceUDPRequiresResponse bool

	// HostStoreExpiry is Known::host_store_expiry (1 day): how long a
	// host stays known, so how often it is logged. Zeek's in-memory
	// Known::hosts set expires after a fixed 1 day, the same by default;
	// Heron uses this option for both.
	HostStoreExpiry zeek.Interval
	// ServiceStoreExpiry is Known::service_store_expiry (1 day).
	ServiceStoreExpiry zeek.Interval
	// CertStoreExpiry is Known::cert_store_expiry (1 day).
	CertStoreExpiry zeek.Interval

	// UnnamedServiceDelay is how long a service whose protocol is not
	// known waits for one to be found on another connection before it is
	// logged with an empty name (5 min in known-services.zeek, not an
	// option there).
	UnnamedServiceDelay zeek.Interval

	// MaxEntries bounds each table, and the services without a
	// protocol waiting for UnnamedServiceDelay (0: DefaultMaxEntries).
	// Zeek has no such bound.
	MaxEntries int
}

// DefaultConfig returns Zeek's defaults, with no script loaded.
func DefaultConfig() Config {
	return Config{
		HostTracking:               string(LocalHosts),
		ServiceTracking:            string(LocalHosts),
		CertTracking:               string(LocalHosts),
		ServiceUDPRequiresResponse: true,
		HostStoreExpiry:            zeek.Day,
		ServiceStoreExpiry:         zeek.Day,
		CertStoreExpiry:            zeek.Day,
		UnnamedServiceDelay:        5 * zeek.Minute,
	}
}

// Options registers the scripts' Zeek options that set fields of c.
func (c *Config) Options(r *options.Registry) {
	r.Register("Known::host_tracking", options.EnumValue(&c.HostTracking, trackingNames),
		"Hosts logged in known_hosts.log (LOCAL_HOSTS, REMOTE_HOSTS, ALL_HOSTS, NO_HOSTS).")
	r.Register("Known::service_tracking", options.EnumValue(&c.ServiceTracking, trackingNames),
		"Servers whose services are logged in known_services.log.")
	r.Register("Known::cert_tracking", options.EnumValue(&c.CertTracking, trackingNames),
		"Servers whose certificates are logged in known_certs.log.")
	r.Register("Known::service_udp_requires_response", options.BoolValue(&c.ServiceUDPRequiresResponse),
		"Count a UDP service only once its server has answered.")
	r.Register("Known::host_store_expiry", options.IntervalValue(&c.HostStoreExpiry),
		"How long a host stays known (how often it is logged).")
	r.Register("Known::service_store_expiry", options.IntervalValue(&c.ServiceStoreExpiry),
		"How long a service stays known.")
	r.Register("Known::cert_store_expiry", options.IntervalValue(&c.CertStoreExpiry),
		"How long a certificate stays known.")
}
