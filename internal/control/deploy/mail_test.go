package deploy

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/heron-nsm/heron/internal/cluster/layout"
)

// TestLayoutMail: heronctl.cfg's mail options become the layout's mail
// object (zeekctl's defaults when unset), the SMTP password a file of its
// own that only its owner reads, never a field of the layout.
func TestLayoutMail(t *testing.T) {
	for _, tc := range []struct {
		cfg      string
		want     layout.Mail
		password string
	}{
		{"", layout.Mail{To: "u", AlarmsTo: "u", AlarmsInterval: 86400, From: "Heron <heron@h>", SubjectPrefix: "[Heron]", SendMail: "/usr/sbin/sendmail"}, ""},
		{"MailTo = soc@example.org\nMailAlarmsTo = alarms@example.org\nMailFrom = ids@example.org\nMailSubjectPrefix = [IDS]\nSendMail =\nMailAlarmsInterval = 3600\n",
			layout.Mail{To: "soc@example.org", AlarmsTo: "alarms@example.org", AlarmsInterval: 3600, From: "ids@example.org", SubjectPrefix: "[IDS]"}, ""},
		{"MailTo = soc@example.org\nMailSMTPServer = mail.example.org\nMailSMTPPort = 587\nMailSMTPTLS = starttls\nMailSMTPUser = heron\nMailSMTPPassword = s3cret\n",
			layout.Mail{To: "soc@example.org", AlarmsTo: "soc@example.org", AlarmsInterval: 86400, From: "Heron <heron@h>", SubjectPrefix: "[Heron]", SendMail: "/usr/sbin/sendmail",
				SMTP: &layout.SMTP{Server: "mail.example.org", Port: 587, TLS: "starttls", User: "heron", PasswordFile: MailPasswordName}}, "s3cret\n"},
	} {
		files := map[string]string{}
		for k, v := range clusterFiles {
			files[k] = v
		}
		files["etc/heronctl.cfg"] = "SpoolDir = /var/spool/heron\n" + tc.cfg
		c, _ := setup(t, files)
		l, err := Layout(c)
		if err != nil {
			t.Fatalf("%q: %v", tc.cfg, err)
		}
		if l.Mail == nil || !reflect.DeepEqual(*l.Mail, tc.want) {
			t.Errorf("%q: mail %+v (smtp %+v), want %+v", tc.cfg, l.Mail, l.Mail.SMTP, tc.want)
			continue
		}
		b, err := EncodeLayout(l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := layout.Parse(b)
		if err != nil || !reflect.DeepEqual(back.Mail, l.Mail) {
			t.Errorf("%q: read back %+v, %v", tc.cfg, back.Mail, err)
		}
		pw := MailPassword(c, l)
		switch {
		case tc.password == "" && len(pw) != 0:
			t.Errorf("%q: password files %v", tc.cfg, pw)
		case tc.password != "" && (len(pw) != 1 || string(pw[0].Data) != tc.password || pw[0].Mode != 0o600 ||
			pw[0].Path != filepath.Join(InstallDir("/var/spool/heron"), MailPasswordName)):
			t.Errorf("%q: password files %+v", tc.cfg, pw)
		}
	}
}
