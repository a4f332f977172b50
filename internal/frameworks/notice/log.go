package notice

import (
	"github.com/heron-nsm/heron/internal/logging"
)

// Log paths and the extension of the framework's records.
const (
	// LogPath is the path of notice.log (Notice::LOG).
	LogPath = "notice"
	// AlarmLogPath is the path of notice_alarm.log (Notice::ALARM_LOG).
	AlarmLogPath = "notice_alarm"
	// ExtGeoData names the extension of Info that
	// base/frameworks/notice/actions/add-geodata.zeek adds
	// (remote_location.*). base/frameworks/notice loads that script, so
	// Zeek's default notice.log has those columns; a node enables the
	// extension when the script is loaded (logging.Config.Extensions).
	ExtGeoData = "add-geodata"
)

// NewStreams registers notice.log and notice_alarm.log with m. The opts
// apply to both.
func NewStreams(m *logging.Manager, opts ...logging.StreamOption) (log, alarm *logging.Stream[Info], err error) {
	if log, err = logging.NewStream[Info](m, LogPath, append([]logging.StreamOption{logging.WithID("Notice::LOG")}, opts...)...); err != nil {
		return nil, nil, err
	}
	if alarm, err = logging.NewStream[Info](m, AlarmLogPath, append([]logging.StreamOption{logging.WithID("Notice::ALARM_LOG")}, opts...)...); err != nil {
		return nil, nil, err
	}
	return log, alarm, nil
}

// Writer returns a function that writes records to s, for New. Write
// errors surface through the logging manager (Manager.Err, Close).
func Writer(s *logging.Stream[Info]) func(*Info) {
	if s == nil {
		return nil
	}
	return func(n *Info) { _ = s.Write(n) }
}
