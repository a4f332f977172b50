package node

import (
	"context"
	"fmt"

	"github.com/heron-nsm/heron/internal/cluster/proxy"
	"github.com/heron-nsm/heron/internal/frameworks/known"
	"github.com/heron-nsm/heron/internal/logging"
)

// The scripts whose tables a proxy serves.
const (
	knownHostsScript    = "policy/protocols/conn/known-hosts"
	knownServicesScript = "policy/protocols/conn/known-services"
	knownCertsScript    = "policy/protocols/ssl/known-certs"
)

// RunProxy runs a proxy: the pool server (proxy.NewServer) with the known_*
// tables of the loaded scripts (proxy.ServeKnown), whose new entries it logs
// through its Sender, and the tables the Proxy hook adds, until ctx ends.
func RunProxy(ctx context.Context, o *Options) (err error) {
	rt, err := o.connect()
	if err != nil {
		return err
	}
	var stops stack
	defer stops.run()
	stops.push(func() { rt.Conn.Close() })
	if err := o.newSender(rt); err != nil {
		return err
	}
	stops.push(func() {
		if cerr := o.closeSender(rt); cerr != nil && err == nil {
			err = cerr
		}
	})
	lcfg := o.Config.Log
	lcfg.NewWriter = rt.Sender.NewWriter
	m, err := logging.NewManager(lcfg)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	stops.push(func() {
		if cerr := m.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cluster: %s: %w", o.Name, cerr)
		}
	})
	rt.Log = m
	if err := o.attachReporter(rt, m, &stops); err != nil {
		return err
	}
	if err := startHook(o.Hooks.Start, rt, &stops); err != nil {
		return err
	}
	kc := o.knownConfig()
	logs, err := known.NewLogs(m, &kc)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	srv := proxy.NewServer(rt.Conn, &proxy.ServerOptions{Warn: rt.Warn})
	proxy.ServeKnown(srv, &kc, logs)
	if o.Hooks.Proxy != nil {
		if err := o.Hooks.Proxy(rt, srv); err != nil {
			return err
		}
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	<-ctx.Done()
	srv.Close()
	return nil
}

// knownConfig returns the known_* configuration: o.Known, or Zeek's
// defaults with the tables of the loaded scripts.
func (o *Options) knownConfig() known.Config {
	if o.Known != nil {
		return *o.Known
	}
	kc := known.DefaultConfig()
	s := o.Config.Loaded.Scripts
	kc.Hosts, kc.Services, kc.Certs = s[knownHostsScript], s[knownServicesScript], s[knownCertsScript]
	return kc
}
