package node

// ---- Known hosts, services and certificates ---------------------------
//
// policy/protocols/conn/known-hosts, …/known-services and
// policy/protocols/ssl/known-certs run package known's framework, one per
// process shared by every analysis thread. It hears four events:
// connection_established (conn.EstablishedSink), a protocol confirmation
// (analyzer.Config.OnConfirm), the removal of a connection (ConnDone) and
// ssl_established (an *ssl.Established through analyzer.Config.OnEvent).
// Scheduled service commits run as network time advances, and the rest
// once the input has ended, before the open connections are flushed.

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/analyzer/ssl"
	"github.com/heron-nsm/heron/internal/conn"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/site"
	"github.com/heron-nsm/heron/internal/zeek"
)

// The scripts of the known framework.
const (
	scriptKnownHosts    = "policy/protocols/conn/known-hosts"
	scriptKnownServices = "policy/protocols/conn/known-services"
	scriptKnownCerts    = "policy/protocols/ssl/known-certs"
)

func init() {
	scripts.Implement(scriptKnownHosts, "known_hosts.log")
	scripts.Implement(scriptKnownServices, "known_services.log")
	scripts.Implement(scriptKnownCerts, "known_certs.log")
}

// KnownConfig returns cfg.Known with the scripts cfg.Loaded names switched
// on (known.Config's Hosts, Services and Certs).
func KnownConfig(cfg *Config) known.Config {
	kc := cfg.Known
	kc.Hosts = cfg.Loaded.Scripts[scriptKnownHosts]
	kc.Services = cfg.Loaded.Scripts[scriptKnownServices]
	kc.Certs = cfg.Loaded.Scripts[scriptKnownCerts]
	return kc
}

// openKnown builds the known framework when one of its scripts is loaded.
func (sh *shared) openKnown() error {
	kc := KnownConfig(sh.cfg)
	if !kc.Hosts && !kc.Services && !kc.Certs {
		return nil
	}
	// The scripts load base/utils/site; use the node's Site when it has
	// one, else the same configuration.
	s := sh.site
	if s == nil {
		s = site.New(sh.cfg.Site)
	}
	env := known.Env{Local: s.IsLocal, Forward: sh.cfg.KnownForward}
	if env.Forward == nil {
		// A cluster worker forwards instead of logging.
		var err error
		if env.Logs, err = known.NewLogs(sh.lm, &kc); err != nil {
			return err
		}
	}
	var err error
	if sh.known, err = known.New(kc, env); err != nil {
		return err
	}
	if sh.cfg.KnownAttach != nil {
		sh.cfg.KnownAttach(sh.known)
	}
	return nil
}

// setupKnown hooks the thread's protocol analysis to the known framework.
func (p *pipeline) setupKnown(acfg *analyzer.Config) {
	k := p.sh.known
	if k == nil {
		return
	}
	if p.sh.cfg.Loaded.Scripts[scriptKnownServices] {
		acfg.OnConfirm = p.knownConfirmed
	}
	if p.sh.cfg.Loaded.Scripts[scriptKnownCerts] {
		acfg.OnEvent = p.analyzerEvent
	}
}

// knownConn fills the thread's scratch known.Conn from c.
func (p *pipeline) knownConn(c *conn.Conn) *known.Conn {
	os, rs := c.EndpointStates()
	kc := &p.knownScratch
	*kc = known.Conn{
		UID: c.UID, OrigH: c.OrigIP(), RespH: c.RespIP(), RespP: c.RespP(),
		OrigState: os, RespState: rs, RespSize: c.Size(false), Services: c.Services(),
	}
	if c.Transport == zeek.ProtoTCP {
		kc.RespSYNACK = strings.IndexByte(c.History(), 'h') >= 0
	}
	return kc
}

// ConnEstablished implements conn.EstablishedSink: known-hosts'
// connection_established handler.
func (p *pipeline) ConnEstablished(c *conn.Conn) {
	if k := p.sh.known; k != nil {
		k.ConnEstablished(p.now, p.knownConn(c))
	}
}

// knownConfirmed is known-services' analyzer_confirmation_info handler.
func (p *pipeline) knownConfirmed(c *conn.Conn, _ string) {
	p.sh.known.AnalyzerConfirmed(p.now, p.knownConn(c))
}

// knownRemoved is known-services' connection_state_remove handler.
func (p *pipeline) knownRemoved(c *conn.Conn) {
	if k := p.sh.known; k != nil {
		k.ConnRemoved(p.now, p.knownConn(c))
	}
}

// analyzerEvent receives the events analyzers raise for frameworks.
func (p *pipeline) analyzerEvent(c *conn.Conn, ev any) {
	switch e := ev.(type) {
	case *ssl.Established:
		if !e.HasCert || p.sh.known == nil {
			return
		}
		p.sh.known.SSLEstablished(p.now, &known.Cert{
			RespH: c.RespIP(), RespP: c.RespP(), FUID: e.FUID, SHA1: e.SHA1,
			Subject: e.Subject, Issuer: e.Issuer, Serial: e.Serial,
		})
	}
}

// finishKnown runs, once every thread has read its input, what the known
// framework still has scheduled: each thread's time first moves to end,
// then the pending commits run, before any open connection is flushed.
func finishKnown(sh *shared, ps []*pipeline, end zeek.Time) {
	if sh.known == nil {
		return
	}
	for _, p := range ps {
		func() {
			defer p.recoverPacket()
			p.advance(end)
		}()
	}
	sh.known.Finish(end)
}
