package deploy

import (
	"path/filepath"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/mail"
)

// MailPasswordName is the file, next to the installed layout, that holds
// the SMTP password for the manager's notice mail (owner-readable only).
const MailPasswordName = "mail-password"

// Mail returns the layout's mail object from heronctl.cfg, as zeekctl
// turns its options into Notice::mail_dest (MailTo), mail_from
// (MailFrom), mail_subject_prefix (MailSubjectPrefix) and sendmail
// (SendMail), with MailAlarmsTo for alarm summaries and the MailSMTP*
// options for an SMTP server the manager delivers to itself. The SMTP
// password goes to MailPasswordName (see MailPassword), not into the
// layout.
func Mail(c *config.Cluster) (*layout.Mail, error) {
	s := c.Settings
	mc, err := mail.FromSettings(s, "")
	if err != nil {
		return nil, err
	}
	m := &layout.Mail{
		To:       mc.To,
		AlarmsTo: s.String("MailAlarmsTo"),
		// MailAlarmsInterval is a number of seconds, zeekctl's unit.
		AlarmsInterval: float64(s.Int("MailAlarmsInterval")),
		From:           mc.From,
		SubjectPrefix:  mc.SubjectPrefix,
		SendMail:       mc.SendMail,
	}
	if mc.SMTPServer != "" {
		m.SMTP = &layout.SMTP{Server: mc.SMTPServer, Port: mc.SMTPPort, TLS: mc.TLS.String(), User: mc.Username}
		if mc.Username != "" {
			m.SMTP.PasswordFile = MailPasswordName
		}
	}
	return m, nil
}

// MailPassword returns the file that carries the SMTP password of l's mail
// object (nil when it needs none): MailPasswordName next to the layout,
// mode 0600.
func MailPassword(c *config.Cluster, l *layout.Layout) []File {
	if l.Mail == nil || l.Mail.SMTP == nil || l.Mail.SMTP.PasswordFile == "" {
		return nil
	}
	pw := c.Settings.String(mail.OptSMTPPassword)
	return []File{newFile(filepath.Join(InstallDir(c.Settings.String("SpoolDir")), l.Mail.SMTP.PasswordFile), 0o600, []byte(pw+"\n"))}
}
