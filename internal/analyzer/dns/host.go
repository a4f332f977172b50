package dns

import (
	"net/netip"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/zeek"
)

// host is what the DNS analysis needs from its connection and the
// framework.
type host interface {
	// now is network time.
	now() zeek.Time
	// uid and connID identify the connection for dns.log; connID as the
	// connection has its roles now (after any flip).
	uid() string
	connID() zeek.ConnID
	respPort() uint16
	origPort() uint16
	respAddr() netip.Addr
	// tcp reports whether the connection is TCP (else UDP).
	tcp() bool

	// weird raises a weird with the analyzer as its source.
	weird(name, addl string)
	// limitReached raises a weird for an exceeded limit and marks the
	// connection's history with 'X' (Zeek's LimitReachedWeird).
	limitReached(name, addl string)
	// unknownOpcode marks the history with 'X' for a message the
	// analyzer does not parse.
	unknownOpcode()
	// confirm and violation are the analyzer's protocol verdicts.
	confirm()
	violation(reason string)
	// flipRoles swaps the connection's originator and responder.
	flipRoles()
	// write writes a dns.log record. rec itself is borrowed for the
	// call; the slices and strings it holds are new and taken over.
	write(rec *Info)
}

// sessionTimeout is dns_session_timeout: a UDP connection analysed as DNS
// ends after this much silence (checked every period, with one second of
// slack).
var sessionTimeout = 10 * zeek.Second

// handleHost is the host of an analyzer in a node.
type handleHost struct {
	h      *analyzer.Handle
	uidStr string
}

func (hh *handleHost) now() zeek.Time { return hh.h.Now() }

func (hh *handleHost) uid() string {
	if hh.uidStr == "" {
		hh.uidStr = hh.h.UID()
	}
	return hh.uidStr
}

func (hh *handleHost) connID() zeek.ConnID { return hh.h.ID() }
func (hh *handleHost) respPort() uint16    { return hh.h.Conn().RespPort }
func (hh *handleHost) origPort() uint16    { return hh.h.Conn().OrigPort }
func (hh *handleHost) respAddr() netip.Addr {
	return hh.h.Conn().RespIP()
}
func (hh *handleHost) tcp() bool { return hh.h.Conn().Transport == zeek.ProtoTCP }

func (hh *handleHost) weird(name, addl string) { hh.h.Weird(name, addl) }

func (hh *handleHost) limitReached(name, addl string) {
	hh.h.Weird(name, addl)
	hh.unknownOpcode()
}

func (hh *handleHost) unknownOpcode() { hh.h.Conn().MarkAnalyzerLimit() }

func (hh *handleHost) confirm()                { hh.h.Confirm() }
func (hh *handleHost) violation(reason string) { hh.h.Violation(reason, nil) }

func (hh *handleHost) flipRoles() { hh.h.FlipRoles() }

func (hh *handleHost) write(rec *Info) { Log.Write(hh.h, rec) }

// startExpiry arms Zeek's DNS session timeout on a UDP connection: every
// dns_session_timeout it checks whether the connection was quiet that long
// and ends it if so.
func (hh *handleHost) startExpiry() {
	if hh.tcp() {
		return
	}
	var check func(now zeek.Time)
	check = func(now zeek.Time) {
		if now.Sub(hh.h.Conn().LastTime) >= sessionTimeout-zeek.Second {
			hh.h.RemoveConn()
			return
		}
		hh.h.AddTimer(now.Add(sessionTimeout), check)
	}
	hh.h.AddTimer(hh.h.Now().Add(sessionTimeout), check)
}
