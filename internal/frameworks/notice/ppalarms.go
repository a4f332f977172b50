package notice

import (
	"strconv"
	"time"

	"github.com/heron-nsm/heron/internal/zeek"
)

// AlarmHosts returns the addresses whose names an alarm's summary entry
// shows, as actions/pp-alarms.zeek picks them: the connection's
// endpoints, else src and dst, else src alone. An address that does not
// apply is the zero (invalid) Addr.
func AlarmHosts(n *Info) (h1, h2 zeek.Addr) {
	switch {
	case n.ID.Set:
		return n.ID.V.OrigH, n.ID.V.RespH
	case n.Src.Set && n.Dst.Set:
		return n.Src.V, n.Dst.V
	case n.Src.Set:
		return n.Src.V, zeek.Addr{}
	}
	return zeek.Addr{}, zeek.Addr{}
}

// AppendAlarmEntry appends the pretty-printed summary entry of alarm n to
// b, in the form of pp-alarms.zeek's default pretty_print_alarm: a line
// with the time (n's ts in the local time zone, as Zeek's %D), the note
// and the endpoints (with the uid), the message (prefixed by "<node> " in
// a cluster), the sub-message if any, the names of the hosts ("# addr =
// name", name1 and name2 being what their reverse lookups gave), and an
// empty line. Heron has no Notice::flag_nets and no GeoIP database, so no
// entry is flagged and none shows a remote location.
func AppendAlarmEntry(b []byte, n *Info, cluster bool, name1, name2 string) []byte {
	b = append(b, ">  "...)
	b = time.Unix(0, int64(n.TS.V)).Local().AppendFormat(b, "2006-01-02-15:04:05")
	b = append(b, ' ')
	b = append(b, n.Note...)
	b = append(b, ' ')
	switch {
	case n.ID.Set:
		id := &n.ID.V
		b = zeek.AppendAddr(b, id.OrigH)
		b = appendPort(append(b, ':'), id.OrigP)
		b = append(b, " -> "...)
		b = zeek.AppendAddr(b, id.RespH)
		b = appendPort(append(b, ':'), id.RespP)
	case n.Src.Set && n.Dst.Set:
		b = zeek.AppendAddr(b, n.Src.V)
		b = append(b, " -> "...)
		b = zeek.AppendAddr(b, n.Dst.V)
	case n.Src.Set:
		b = zeek.AppendAddr(b, n.Src.V)
		if n.P.Set {
			b = appendPort(append(b, ':'), n.P.V)
		}
	}
	if n.UID.Set {
		b = append(b, " (uid "...)
		b = append(b, n.UID.V...)
		b = append(b, ')')
	}
	b = append(b, "\n   "...)
	if cluster {
		b = append(b, '<')
		switch {
		case n.PeerDescr.Set:
			b = append(b, n.PeerDescr.V...)
		case n.PeerName.Set:
			b = append(b, n.PeerName.V...)
		default:
			b = append(b, "local"...)
		}
		b = append(b, "> "...)
	}
	b = append(b, n.Msg.V...)
	b = append(b, '\n')
	if n.Sub.Set {
		b = append(b, "   "...)
		b = append(b, n.Sub.V...)
		b = append(b, '\n')
	}
	h1, h2 := AlarmHosts(n)
	if h1.IsValid() {
		b = append(b, "   # "...)
		b = zeek.AppendAddr(b, h1)
		b = append(b, " = "...)
		b = append(b, name1...)
		if h2.IsValid() {
			b = append(b, "  "...)
			b = zeek.AppendAddr(b, h2)
			b = append(b, " = "...)
			b = append(b, name2...)
		}
		b = append(b, '\n')
	}
	return append(b, '\n')
}

// appendPort appends p as Zeek prints a port value ("80/tcp").
func appendPort(b []byte, p zeek.Port) []byte {
	b = strconv.AppendUint(b, uint64(p.Num), 10)
	b = append(b, '/')
	return append(b, p.Proto.String()...)
}

// AlarmSummaryText composes the alarm summary mail of pp-alarms.zeek's
// pp_send: the notice mail headers with the subject "Alarm summary from
// HH:MM:SS-HH:MM:SS" (from and to in the local time zone), an empty line,
// the entries (AppendAlarmEntry) and the signature.
func (f *Framework) AlarmSummaryText(from, to time.Time, dest string, entries []byte) []byte {
	subject := "Alarm summary from " + from.Local().Format("15:04:05") + "-" + to.Local().Format("15:04:05")
	b := make([]byte, 0, 256+len(entries))
	b = f.emailHeaders(b, subject, dest)
	b = append(b, '\n')
	b = append(b, entries...)
	return append(b, "\n\n--\n[Automatically generated]\n\n"...)
}
