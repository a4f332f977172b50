package layout

import (
	"strings"
	"testing"
)

// TestMail: the mail object is read, and bad SMTP settings are errors
// that say what is wrong.
func TestMail(t *testing.T) {
	withMail := func(m string) string {
		return strings.Replace(good, `"nodes": {`, `"mail": `+m+`, "nodes": {`, 1)
	}
	l, err := Parse([]byte(withMail(`{"to": "soc@example.org", "alarms_to": "alarms@example.org", "alarms_interval": 3600, "from": "Heron <heron@example.org>",
		"subject_prefix": "[Heron]", "sendmail": "/usr/sbin/sendmail",
		"smtp": {"server": "mail.example.org", "port": 587, "tls": "starttls", "user": "heron", "password_file": "mail-password"}}`)))
	if err != nil {
		t.Fatal(err)
	}
	m := l.Mail
	if m == nil || m.To != "soc@example.org" || m.AlarmsTo != "alarms@example.org" || m.AlarmsInterval != 3600 || m.From != "Heron <heron@example.org>" ||
		m.SubjectPrefix != "[Heron]" || m.SendMail != "/usr/sbin/sendmail" || m.SMTP == nil {
		t.Fatalf("parsed %+v", m)
	}
	if s := m.SMTP; s.Server != "mail.example.org" || s.Port != 587 || s.TLS != "starttls" || s.User != "heron" || s.PasswordFile != "mail-password" {
		t.Errorf("parsed smtp %+v", s)
	}
	if l, err := Parse([]byte(good)); err != nil || l.Mail != nil {
		t.Errorf("no mail object: %+v, %v", l.Mail, err)
	}
	for m, want := range map[string]string{
		`{"smtp": {"port": 25}}`:                                       "give the server",
		`{"smtp": {"server": "m", "port": 70000}}`:                     "port 70000 out of range",
		`{"smtp": {"server": "m", "tls": "ssl3"}}`:                     `tls "ssl3"`,
		`{"smtp": {"server": "m", "user": "u"}}`:                       "needs a password_file",
		`{"alarms_interval": -1}`:                                      "alarms_interval: give seconds",
		`{"to": "a", "cc": "b"}`:                                       `unknown field "cc"`,
		`{"smtp": {"server": "m", "password": "secret", "user": "u"}}`: `unknown field "password"`,
	} {
		if _, err := Parse([]byte(withMail(m))); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("mail %s: %v, want %q", m, err, want)
		}
	}
}
