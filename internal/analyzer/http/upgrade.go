package http

import (
	"strings"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Upgrade is an analyzer that takes over a connection after HTTP switched
// it to the analyzer's protocol with a 101 reply (an entry of Zeek's
// HTTP::upgrade_analyzers), together with the HTTP events the protocol's
// Zeek script handles. Packages register one with RegisterUpgrade from an
// init function. The methods run on the connection's analysis thread.
type Upgrade interface {
	// Enabled reports whether the protocol's script is loaded. A
	// disabled Upgrade is as good as absent: the upgraded stream gets
	// protocol detection instead, as in Zeek.
	Enabled() bool
	// HeaderPrefix selects the headers passed to Header: those whose
	// upper-case name starts with it.
	HeaderPrefix() string
	// Header is an http_header event of the connection for a header
	// with the prefix: its name in upper case and its value.
	Header(c *UpgradeConn, isOrig bool, name, value string)
	// Request is an http_request event of the connection.
	Request(c *UpgradeConn)
	// Start is called when a reply switched the connection to the
	// protocol; it returns what takes the stream from then on (every
	// byte, gap and end, then Done), or nil to drop it.
	Start(c *UpgradeConn) UpgradeStream
}

// UpgradeStream takes a connection's stream after an upgrade. Data passed
// to it is borrowed for the call, as in analyzer.Analyzer.
type UpgradeStream interface {
	analyzer.StreamSink
	// Done ends the stream when the HTTP analyzer ends.
	Done()
}

// UpgradeConn is one connection as an Upgrade sees it.
type UpgradeConn struct {
	s *script
	h host
	// State is the Upgrade's own state for the connection (such as
	// Zeek's c$websocket). HTTP keeps it for the connection and never
	// looks at it.
	State any
}

// Handle returns the framework handle of the HTTP analyzer that raised
// the event (for the connection, weirds, logs and inner detection), or
// nil when the analyzer runs outside a node, as in unit tests.
func (c *UpgradeConn) Handle() *analyzer.Handle {
	if hh, ok := c.h.(*handleHost); ok {
		return hh.H
	}
	return nil
}

// Current returns the fields of the connection's current http.log record
// (Zeek's c$http) that other logs copy: host, uri and user_agent.
func (c *UpgradeConn) Current() (host, uri, userAgent zeek.Opt[string]) {
	if t := c.s.cur; t != nil {
		return t.info.Host, t.info.URI, t.info.UserAgent
	}
	return
}

type registeredUpgrade struct {
	protocol string
	u        Upgrade
}

// upgrades are the registered Upgrades, in registration order; they are
// only read once analysis starts.
var upgrades []registeredUpgrade

// RegisterUpgrade adds the analyzer of an Upgrade protocol token (matched
// as Zeek matches HTTP::upgrade_analyzers: as sent, then in lower case).
// Call it from an init function.
func RegisterUpgrade(protocol string, u Upgrade) {
	upgrades = append(upgrades, registeredUpgrade{protocol, u})
}

// lookupUpgrade returns the index of the enabled Upgrade for a protocol,
// or -1.
func lookupUpgrade(protocol string) int {
	for _, name := range [2]string{protocol, strings.ToLower(protocol)} {
		for i, r := range upgrades {
			if r.protocol == name && r.u.Enabled() {
				return i
			}
		}
	}
	return -1
}

// upgradeConn returns the connection's UpgradeConn for upgrades[i], made
// on first use, with h as the handle of its next event.
func (s *script) upgradeConn(i int, h host) *UpgradeConn {
	for len(s.upConns) <= i {
		s.upConns = append(s.upConns, nil)
	}
	if s.upConns[i] == nil {
		s.upConns[i] = &UpgradeConn{s: s}
	}
	c := s.upConns[i]
	c.h = h
	return c
}

// upgradeHeader passes an http_header event to the enabled Upgrades that
// want the header.
func (s *script) upgradeHeader(h host, isOrig bool, name, value string) {
	for i, r := range upgrades {
		if strings.HasPrefix(name, r.u.HeaderPrefix()) && r.u.Enabled() {
			r.u.Header(s.upgradeConn(i, h), isOrig, name, value)
		}
	}
}

// upgradeRequest passes an http_request event to the enabled Upgrades
// that keep state for the connection.
func (s *script) upgradeRequest(h host) {
	for i, r := range upgrades {
		if i < len(s.upConns) && s.upConns[i] != nil && r.u.Enabled() {
			r.u.Request(s.upgradeConn(i, h))
		}
	}
}

// startUpgrade hands the stream to upgrades[i] after a 101 reply; HTTP
// found inside it shares the connection's HTTP state, as after CONNECT.
func (a *Analyzer) startUpgrade(i int) innerSession {
	st := upgrades[i].u.Start(a.s.upgradeConn(i, a.h))
	if st == nil {
		return nil
	}
	if !a.shared {
		tunnelled.Store(a.h.conn(), a)
	}
	return st
}
