package notice

import (
	"github.com/heron-nsm/heron/internal/zeek"
)

// Info is a notice, and a record of notice.log and notice_alarm.log
// (Zeek's Notice::Info). Fields without a zeek tag are inputs to the
// framework that Zeek does not log either.
//
// A caller fills Note, usually Msg and Sub, and whichever of Conn, UID, ID,
// Src, Dst, P, N, File and Identifier apply; Framework.Notice fills the
// rest as Zeek's NOTICE does.
type Info struct {
	// TS is when the notice occurred; unset means the network time of
	// the call.
	TS zeek.Opt[zeek.Time] `zeek:"ts"`
	// UID is the uid of the connection concerned.
	UID zeek.Opt[string] `zeek:"uid"`
	// ID is the connection's endpoints.
	ID zeek.Opt[zeek.ConnID] `zeek:"id"`
	// Conn is Zeek's $conn shorthand: it gives ID and UID when those are
	// unset. Not logged.
	Conn zeek.Opt[Conn]
	// File is Zeek's $f shorthand (as Notice::FileInfo): it gives FUID,
	// FileMimeType, FileDesc, and ID and UID of one connection that
	// carried the file. Not logged.
	File zeek.Opt[FileInfo]
	// FUID is the file's unique id, when the notice is about a file.
	FUID zeek.Opt[string] `zeek:"fuid"`
	// FileMimeType is the file's MIME type.
	FileMimeType zeek.Opt[string] `zeek:"file_mime_type"`
	// FileDesc describes the file (for HTTP, its URL).
	FileDesc zeek.Opt[string] `zeek:"file_desc"`
	// Proto is the transport protocol, taken from P.
	Proto zeek.Opt[zeek.Proto] `zeek:"proto,enum"`
	// Note is the notice's type. Required.
	Note Type `zeek:"note,enum"`
	// Msg is the human-readable message.
	Msg zeek.Opt[string] `zeek:"msg"`
	// Sub is the human-readable sub-message.
	Sub zeek.Opt[string] `zeek:"sub"`
	// Src is the source address; from ID's originator by default.
	Src zeek.Opt[zeek.Addr] `zeek:"src"`
	// Dst is the destination address; from ID's responder by default.
	Dst zeek.Opt[zeek.Addr] `zeek:"dst"`
	// P is the associated port; from ID's responder port by default.
	P zeek.Opt[zeek.Port] `zeek:"p"`
	// N is an associated count (or a status code).
	N zeek.Opt[uint64] `zeek:"n"`
	// PeerName is the name of the node that raised the notice. Not
	// logged; filled only in a cluster.
	PeerName zeek.Opt[string]
	// PeerDescr describes the node that raised the notice; filled only in
	// a cluster (Zeek uses Cluster::node).
	PeerDescr zeek.Opt[string] `zeek:"peer_descr"`
	// Actions holds the actions applied to the notice (a set; written in
	// name order).
	Actions []Action `zeek:"actions,set,enum"`
	// EmailDest holds the addresses the notice is mailed to (a set).
	EmailDest []string `zeek:"email_dest,set"`
	// EmailBodySections are extra paragraphs for the notice's email. Not
	// logged.
	EmailBodySections []string
	// Identifier identifies the instance of the notice for suppression:
	// notices of the same Note and Identifier are suppressed for
	// SuppressFor after the first. Without an identifier a notice is never
	// suppressed. Not logged.
	Identifier zeek.Opt[string]
	// SuppressFor is how long identical notices are suppressed; unset
	// means Config.DefaultSuppressionInterval. Always set when logged.
	SuppressFor zeek.Opt[zeek.Interval] `zeek:"suppress_for"`
	// RemoteLocation is the location of the remote host, logged when the
	// add-geodata script is loaded (as it is with base/frameworks/notice).
	// Heron has no GeoIP database and leaves it unset.
	RemoteLocation zeek.Opt[GeoLocation] `zeek:"remote_location,ext=add-geodata"`
}

// Conn is what a notice takes from Zeek's connection record.
type Conn struct {
	// UID is the connection's uid.
	UID string
	// ID is the connection's endpoints.
	ID zeek.ConnID
}

// FileInfo is what a notice takes from a file (Zeek's Notice::FileInfo).
type FileInfo struct {
	// FUID is the file's unique id.
	FUID string
	// Desc describes the file (Files::describe).
	Desc string
	// Mime is the strongest MIME type match.
	Mime zeek.Opt[string]
	// CID is one connection the file was carried over.
	CID zeek.Opt[zeek.ConnID]
	// CUID is that connection's uid.
	CUID zeek.Opt[string]
}

// GeoLocation is Zeek's geo_location record.
type GeoLocation struct {
	// CountryCode is the country code.
	CountryCode zeek.Opt[string] `zeek:"country_code"`
	// Region is the region.
	Region zeek.Opt[string] `zeek:"region"`
	// City is the city.
	City zeek.Opt[string] `zeek:"city"`
	// Latitude is the latitude.
	Latitude zeek.Opt[float64] `zeek:"latitude"`
	// Longitude is the longitude.
	Longitude zeek.Opt[float64] `zeek:"longitude"`
}

// HasAction reports whether a is among n's actions.
func (n *Info) HasAction(a Action) bool {
	for _, x := range n.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// AddAction adds a to n's actions unless it is there already.
func (n *Info) AddAction(a Action) {
	if !n.HasAction(a) {
		n.Actions = append(n.Actions, a)
	}
}

// RemoveAction removes a from n's actions.
func (n *Info) RemoveAction(a Action) {
	for i, x := range n.Actions {
		if x == a {
			n.Actions = append(n.Actions[:i:i], n.Actions[i+1:]...)
			return
		}
	}
}

// AddEmailDest adds dest to n's email destinations unless it is there
// already.
func (n *Info) AddEmailDest(dest string) {
	for _, x := range n.EmailDest {
		if x == dest {
			return
		}
	}
	n.EmailDest = append(n.EmailDest, dest)
}
