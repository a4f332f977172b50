package known

import (
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Log paths.
const (
	// HostsLogPath is known_hosts.log (Known::HOSTS_LOG).
	HostsLogPath = "known_hosts"
	// ServicesLogPath is known_services.log (Known::SERVICES_LOG).
	ServicesLogPath = "known_services"
	// CertsLogPath is known_certs.log (Known::CERTS_LOG).
	CertsLogPath = "known_certs"
)

// HostsInfo is a known_hosts.log record (Zeek's Known::HostsInfo).
type HostsInfo struct {
	// TS is when the host was seen completing a TCP handshake.
	TS zeek.Time `zeek:"ts"`
	// Host is the address that originated or answered the connection.
	Host zeek.Addr `zeek:"host"`
}

// ServicesInfo is a known_services.log record (Zeek's
// Known::ServicesInfo).
type ServicesInfo struct {
	// TS is when the service was found.
	TS zeek.Time `zeek:"ts"`
	// Host is the address the service runs on.
	Host zeek.Addr `zeek:"host"`
	// PortNum is the port the service listens on.
	PortNum zeek.Port `zeek:"port_num"`
	// PortProto is the service's transport protocol.
	PortProto zeek.Proto `zeek:"port_proto,enum"`
	// Service holds the protocols found on the service's connections (a
	// set; one empty name when none was found).
	Service []string `zeek:"service,set"`
}

// CertsInfo is a known_certs.log record (Zeek's Known::CertsInfo).
type CertsInfo struct {
	// TS is when the certificate was seen.
	TS zeek.Time `zeek:"ts"`
	// Host is the address of the server that offered the certificate.
	Host zeek.Addr `zeek:"host"`
	// PortNum is the server's port.
	PortNum zeek.Opt[zeek.Port] `zeek:"port_num"`
	// Subject is the certificate's subject.
	Subject zeek.Opt[string] `zeek:"subject"`
	// IssuerSubject is the subject of the certificate's issuer.
	IssuerSubject zeek.Opt[string] `zeek:"issuer_subject"`
	// Serial is the certificate's serial number.
	Serial zeek.Opt[string] `zeek:"serial"`
}

// Logs are the framework's log streams; a nil stream is not written.
type Logs struct {
	Hosts    *logging.Stream[HostsInfo]
	Services *logging.Stream[ServicesInfo]
	Certs    *logging.Stream[CertsInfo]
}

// NewLogs registers the streams of the loaded scripts (cfg.Hosts,
// cfg.Services, cfg.Certs) with m.
func NewLogs(m *logging.Manager, cfg *Config) (Logs, error) {
	var l Logs
	var err error
	if cfg.Hosts {
		if l.Hosts, err = logging.NewStream[HostsInfo](m, HostsLogPath, logging.WithID("Known::HOSTS_LOG")); err != nil {
			return l, err
		}
	}
	if cfg.Services {
		if l.Services, err = logging.NewStream[ServicesInfo](m, ServicesLogPath, logging.WithID("Known::SERVICES_LOG")); err != nil {
			return l, err
		}
	}
	if cfg.Certs {
		if l.Certs, err = logging.NewStream[CertsInfo](m, CertsLogPath, logging.WithID("Known::CERTS_LOG")); err != nil {
			return l, err
		}
	}
	return l, nil
}

func (l *Logs) host(r *HostsInfo) {
	if l.Hosts != nil {
		_ = l.Hosts.Write(r)
	}
}

func (l *Logs) service(r *ServicesInfo) {
	if l.Services != nil {
		_ = l.Services.Write(r)
	}
}

func (l *Logs) cert(r *CertsInfo) {
	if l.Certs != nil {
		_ = l.Certs.Write(r)
	}
}
