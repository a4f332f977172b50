package layout

import (
	"errors"
	"fmt"
	"strings"
)

// Mail configures notice mail as heronctl.cfg's mail options do for
// zeekctl (which turns them into Notice::mail_dest, mail_from,
// mail_subject_prefix and sendmail for every node). Only the manager
// sends mail; workers forward their notices to it.
type Mail struct {
	// To is where notices with ACTION_EMAIL go (MailTo;
	// Notice::mail_dest).
	To string `json:"to,omitempty"`
	// AlarmsTo is where alarm summaries go (MailAlarmsTo); "" is To.
	AlarmsTo string `json:"alarms_to,omitempty"`
	// AlarmsInterval is the time between alarm summaries in seconds
	// (MailAlarmsInterval; Log::default_mail_alarms_interval); 0 sends
	// none.
	AlarmsInterval float64 `json:"alarms_interval,omitempty"`
	// From is the sender (MailFrom; Notice::mail_from).
	From string `json:"from,omitempty"`
	// SubjectPrefix starts every subject (MailSubjectPrefix;
	// Notice::mail_subject_prefix).
	SubjectPrefix string `json:"subject_prefix,omitempty"`
	// SendMail is the sendmail program (SendMail; Notice::sendmail),
	// used when SMTP is not set.
	SendMail string `json:"sendmail,omitempty"`
	// SMTP, when set, makes the manager send mail to an SMTP server
	// itself instead of running SendMail.
	SMTP *SMTP `json:"smtp,omitempty"`
}

// SMTP is an SMTP server the manager delivers mail to.
type SMTP struct {
	// Server is the server's host name or address.
	Server string `json:"server"`
	// Port is its port; 0 is 25 (465 with TLS "tls").
	Port int `json:"port,omitempty"`
	// TLS is "none" (or ""), "starttls" or "tls".
	TLS string `json:"tls,omitempty"`
	// User, when set, authenticates with AUTH PLAIN, with the password
	// read from PasswordFile (a file of its own, so that the layout,
	// which every host gets, carries no secret).
	User         string `json:"user,omitempty"`
	PasswordFile string `json:"password_file,omitempty"`
}

// check checks the settings of m.
func (m *Mail) check() error {
	if m.AlarmsInterval < 0 {
		return errors.New("mail: alarms_interval: give seconds, 0 or more")
	}
	if m.SMTP == nil {
		return nil
	}
	s := m.SMTP
	if strings.TrimSpace(s.Server) == "" {
		return errors.New("mail: smtp: give the server")
	}
	if s.Port < 0 || s.Port > 65535 {
		return fmt.Errorf("mail: smtp: port %d out of range", s.Port)
	}
	switch strings.ToLower(s.TLS) {
	case "", "none", "starttls", "tls":
	default:
		return fmt.Errorf("mail: smtp: tls %q is not one of none, starttls, tls", s.TLS)
	}
	if s.User != "" && s.PasswordFile == "" {
		return errors.New("mail: smtp: a user needs a password_file")
	}
	return nil
}
