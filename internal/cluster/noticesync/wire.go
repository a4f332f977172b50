package noticesync

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/zeek"
)

// Topics, relative to a node's own subject (node.<node>.<topic>) or to
// the manager's broadcasts (manager.<topic>); docs/format/notice-transport.md
// describes the payloads.
const (
	// TopicSuppress carries batches of begun suppressions: from a node
	// to the manager on node.<node>.notice.suppress, and from the
	// manager to every node on manager.notice.suppress.
	TopicSuppress = "notice.suppress"
	// TopicLog carries the notices a node logs, to the manager, on
	// node.<node>.notice.log.
	TopicLog = "notice.log"
)

// Log names a notice record's log.
const (
	// LogNotice is notice.log.
	LogNotice = "notice"
	// LogAlarm is notice_alarm.log.
	LogAlarm = "notice_alarm"
)

// wireVersion is the "v" of every payload.
const wireVersion = 1

// maxPayload bounds what a decoder accepts (NATS' own limit is larger).
const maxPayload = 1 << 20

// maxBatch bounds the suppressions of one batch a decoder accepts.
const maxBatch = 10000

// Suppression is one begun suppression (Zeek's SuppressionInfo): notices
// of Note and Identifier are suppressed from TS until TS+SuppressFor.
type Suppression struct {
	TS          zeek.Time
	SuppressFor zeek.Interval
	Note        notice.Type
	Identifier  string
}

// Until returns when the suppression ends.
func (s *Suppression) Until() zeek.Time { return s.TS.Add(s.SuppressFor) }

// Batch is the payload of TopicSuppress: suppressions begun on Node.
type Batch struct {
	// Node is the node whose notices began the suppressions. The
	// manager's rebroadcast keeps it.
	Node string
	// Infos are the suppressions, in the order they began.
	Infos []Suppression
}

type wireBatch struct {
	V     int                `json:"v"`
	Node  string             `json:"node"`
	Infos []wireSuppression1 `json:"infos"`
}

type wireSuppression1 struct {
	TS          int64  `json:"ts"`
	SuppressFor int64  `json:"suppress_for"`
	Note        string `json:"note"`
	Identifier  string `json:"identifier"`
}

// EncodeBatch returns b's payload (a new slice).
func EncodeBatch(b *Batch) []byte {
	w := wireBatch{V: wireVersion, Node: b.Node, Infos: make([]wireSuppression1, len(b.Infos))}
	for i, s := range b.Infos {
		w.Infos[i] = wireSuppression1{TS: int64(s.TS), SuppressFor: int64(s.SuppressFor), Note: string(s.Note), Identifier: s.Identifier}
	}
	out, _ := json.Marshal(&w) // cannot fail: plain types
	return out
}

// DecodeBatch parses a TopicSuppress payload. data is only read.
func DecodeBatch(data []byte) (*Batch, error) {
	if len(data) > maxPayload {
		return nil, errors.New("noticesync: suppression batch too large")
	}
	var w wireBatch
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("noticesync: suppression batch: %w", err)
	}
	if w.V != wireVersion {
		return nil, fmt.Errorf("noticesync: suppression batch version %d, want %d", w.V, wireVersion)
	}
	if len(w.Infos) > maxBatch {
		return nil, fmt.Errorf("noticesync: suppression batch of %d entries (at most %d)", len(w.Infos), maxBatch)
	}
	b := &Batch{Node: w.Node, Infos: make([]Suppression, 0, len(w.Infos))}
	for _, s := range w.Infos {
		if s.Note == "" || s.SuppressFor < 0 {
			return nil, errors.New("noticesync: suppression without a note or with a negative interval")
		}
		b.Infos = append(b.Infos, Suppression{TS: zeek.Time(s.TS), SuppressFor: zeek.Interval(s.SuppressFor),
			Note: notice.Type(s.Note), Identifier: s.Identifier})
	}
	return b, nil
}

// Record is the payload of TopicLog: one record of notice.log or
// notice_alarm.log.
type Record struct {
	// Log is LogNotice or LogAlarm.
	Log string
	// Notice is the notice as the node's framework handed it to its log.
	Notice notice.Info
}

type wireRecord struct {
	V      int        `json:"v"`
	Log    string     `json:"log"`
	Notice wireNotice `json:"notice"`
}

type wireNotice struct {
	TS             *int64      `json:"ts,omitempty"`
	UID            *string     `json:"uid,omitempty"`
	ID             *wireConnID `json:"id,omitempty"`
	FUID           *string     `json:"fuid,omitempty"`
	FileMimeType   *string     `json:"file_mime_type,omitempty"`
	FileDesc       *string     `json:"file_desc,omitempty"`
	Proto          *string     `json:"proto,omitempty"`
	Note           string      `json:"note"`
	Msg            *string     `json:"msg,omitempty"`
	Sub            *string     `json:"sub,omitempty"`
	Src            *string     `json:"src,omitempty"`
	Dst            *string     `json:"dst,omitempty"`
	P              *string     `json:"p,omitempty"`
	N              *uint64     `json:"n,omitempty"`
	PeerName       *string     `json:"peer_name,omitempty"`
	PeerDescr      *string     `json:"peer_descr,omitempty"`
	Actions        []string    `json:"actions,omitempty"`
	EmailDest      []string    `json:"email_dest,omitempty"`
	Identifier     *string     `json:"identifier,omitempty"`
	SuppressFor    *int64      `json:"suppress_for,omitempty"`
	RemoteLocation *wireGeo    `json:"remote_location,omitempty"`
}

type wireConnID struct {
	OrigH     string `json:"orig_h"`
	OrigP     string `json:"orig_p"`
	RespH     string `json:"resp_h"`
	RespP     string `json:"resp_p"`
	VLAN      *int64 `json:"vlan,omitempty"`
	InnerVLAN *int64 `json:"inner_vlan,omitempty"`
}

type wireGeo struct {
	CountryCode *string  `json:"country_code,omitempty"`
	Region      *string  `json:"region,omitempty"`
	City        *string  `json:"city,omitempty"`
	Latitude    *float64 `json:"latitude,omitempty"`
	Longitude   *float64 `json:"longitude,omitempty"`
}

func ptr[T any](o zeek.Opt[T]) *T {
	if !o.Set {
		return nil
	}
	v := o.V
	return &v
}

func opt[T any](p *T) zeek.Opt[T] {
	if p == nil {
		return zeek.Opt[T]{}
	}
	return zeek.Some(*p)
}

// finite is ptr for a coordinate; JSON has no NaN or infinity, so those
// travel as unset.
func finite(o zeek.Opt[float64]) *float64 {
	if !o.Set || math.IsNaN(o.V) || math.IsInf(o.V, 0) {
		return nil
	}
	return &o.V
}

func portString(p zeek.Port) string { return strconv.Itoa(int(p.Num)) + "/" + p.Proto.String() }

func parseProto(s string) (zeek.Proto, bool) {
	for _, p := range []zeek.Proto{zeek.ProtoUnknown, zeek.ProtoTCP, zeek.ProtoUDP, zeek.ProtoICMP} {
		if p.String() == s {
			return p, true
		}
	}
	return 0, false
}

func parsePort(s string) (zeek.Port, error) {
	num, proto, ok := strings.Cut(s, "/")
	n, err := strconv.ParseUint(num, 10, 16)
	pr, pok := parseProto(proto)
	if !ok || err != nil || !pok {
		return zeek.Port{}, fmt.Errorf("noticesync: bad port %q", s)
	}
	return zeek.Port{Num: uint16(n), Proto: pr}, nil
}

func parseAddr(s string) (zeek.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return a, fmt.Errorf("noticesync: bad address %q", s)
	}
	return a, nil
}

// EncodeRecord returns r's payload (a new slice). The notice's
// fields that notice.log writes travel, with its identifier, and the
// peer name; the inputs Conn and File do not (the framework has applied
// them), nor the email body sections (mail was sent by the node).
func EncodeRecord(r *Record) []byte {
	n := &r.Notice
	w := wireRecord{V: wireVersion, Log: r.Log, Notice: wireNotice{
		UID: ptr(n.UID), FUID: ptr(n.FUID), FileMimeType: ptr(n.FileMimeType), FileDesc: ptr(n.FileDesc),
		Note: string(n.Note), Msg: ptr(n.Msg), Sub: ptr(n.Sub), N: ptr(n.N),
		PeerName: ptr(n.PeerName), PeerDescr: ptr(n.PeerDescr), EmailDest: n.EmailDest, Identifier: ptr(n.Identifier),
	}}
	wn := &w.Notice
	if n.TS.Set {
		v := int64(n.TS.V)
		wn.TS = &v
	}
	if n.ID.Set {
		id := &n.ID.V
		wn.ID = &wireConnID{OrigH: id.OrigH.String(), OrigP: portString(id.OrigP), RespH: id.RespH.String(),
			RespP: portString(id.RespP), VLAN: ptr(id.Ctx.VLAN), InnerVLAN: ptr(id.Ctx.InnerVLAN)}
	}
	if n.Proto.Set {
		s := n.Proto.V.String()
		wn.Proto = &s
	}
	if n.Src.Set {
		s := n.Src.V.String()
		wn.Src = &s
	}
	if n.Dst.Set {
		s := n.Dst.V.String()
		wn.Dst = &s
	}
	if n.P.Set {
		s := portString(n.P.V)
		wn.P = &s
	}
	for _, a := range n.Actions {
		wn.Actions = append(wn.Actions, string(a))
	}
	if n.SuppressFor.Set {
		v := int64(n.SuppressFor.V)
		wn.SuppressFor = &v
	}
	if n.RemoteLocation.Set {
		g := &n.RemoteLocation.V
		wn.RemoteLocation = &wireGeo{CountryCode: ptr(g.CountryCode), Region: ptr(g.Region), City: ptr(g.City),
			Latitude: finite(g.Latitude), Longitude: finite(g.Longitude)}
	}
	out, _ := json.Marshal(&w) // cannot fail: plain types
	return out
}

// DecodeRecord parses a TopicLog payload. data is only read.
func DecodeRecord(data []byte) (*Record, error) {
	if len(data) > maxPayload {
		return nil, errors.New("noticesync: notice record too large")
	}
	var w wireRecord
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("noticesync: notice record: %w", err)
	}
	if w.V != wireVersion {
		return nil, fmt.Errorf("noticesync: notice record version %d, want %d", w.V, wireVersion)
	}
	if w.Log != LogNotice && w.Log != LogAlarm {
		return nil, fmt.Errorf("noticesync: notice record for log %q", w.Log)
	}
	wn := &w.Notice
	if wn.Note == "" {
		return nil, errors.New("noticesync: notice record without a note")
	}
	r := &Record{Log: w.Log}
	n := &r.Notice
	*n = notice.Info{
		UID: opt(wn.UID), FUID: opt(wn.FUID), FileMimeType: opt(wn.FileMimeType), FileDesc: opt(wn.FileDesc),
		Note: notice.Type(wn.Note), Msg: opt(wn.Msg), Sub: opt(wn.Sub), N: opt(wn.N),
		PeerName: opt(wn.PeerName), PeerDescr: opt(wn.PeerDescr), EmailDest: wn.EmailDest, Identifier: opt(wn.Identifier),
	}
	if wn.TS != nil {
		n.TS = zeek.Some(zeek.Time(*wn.TS))
	}
	if wn.ID != nil {
		var id zeek.ConnID
		var errs [4]error
		id.OrigH, errs[0] = parseAddr(wn.ID.OrigH)
		id.OrigP, errs[1] = parsePort(wn.ID.OrigP)
		id.RespH, errs[2] = parseAddr(wn.ID.RespH)
		id.RespP, errs[3] = parsePort(wn.ID.RespP)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, err
		}
		id.Ctx.VLAN, id.Ctx.InnerVLAN = opt(wn.ID.VLAN), opt(wn.ID.InnerVLAN)
		n.ID = zeek.Some(id)
	}
	if wn.Proto != nil {
		p, ok := parseProto(*wn.Proto)
		if !ok {
			return nil, fmt.Errorf("noticesync: bad proto %q", *wn.Proto)
		}
		n.Proto = zeek.Some(p)
	}
	for _, f := range []struct {
		s   *string
		dst *zeek.Opt[zeek.Addr]
	}{{wn.Src, &n.Src}, {wn.Dst, &n.Dst}} {
		if f.s != nil {
			a, err := parseAddr(*f.s)
			if err != nil {
				return nil, err
			}
			*f.dst = zeek.Some(a)
		}
	}
	if wn.P != nil {
		p, err := parsePort(*wn.P)
		if err != nil {
			return nil, err
		}
		n.P = zeek.Some(p)
	}
	for _, a := range wn.Actions {
		n.Actions = append(n.Actions, notice.Action(a))
	}
	if wn.SuppressFor != nil {
		n.SuppressFor = zeek.Some(zeek.Interval(*wn.SuppressFor))
	}
	if g := wn.RemoteLocation; g != nil {
		n.RemoteLocation = zeek.Some(notice.GeoLocation{CountryCode: opt(g.CountryCode), Region: opt(g.Region),
			City: opt(g.City), Latitude: opt(g.Latitude), Longitude: opt(g.Longitude)})
	}
	return r, nil
}
