package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	cnode "github.com/heron-nsm/heron/internal/cluster/node"
	"github.com/heron-nsm/heron/internal/control/mail"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/options"
)

// noticeMailDrain bounds how long the manager waits at its stop for the
// notice mail it has queued.
const noticeMailDrain = 30 * time.Second

// noticeMailOptions turns a layout's mail object into the Notice::mail_*
// assignments every node starts from, as zeekctl's generated
// zeekctl-config.zeek redefines Notice::mail_dest, mail_from,
// mail_subject_prefix and sendmail from MailTo, MailFrom,
// MailSubjectPrefix and SendMail. Empty fields leave Zeek's defaults.
func noticeMailOptions(m *layout.Mail) []string {
	if m == nil {
		return nil
	}
	var out []string
	add := func(id, v string) {
		if v != "" {
			// A string option's value is the text without its quotes,
			// with '"' and '\' escaped as in a Zeek string constant.
			q := options.StringValue(&v).String()
			out = append(out, id+"="+q[1:len(q)-1])
		}
	}
	add("Notice::mail_dest", m.To)
	add("Notice::mail_from", m.From)
	add("Notice::mail_subject_prefix", m.SubjectPrefix)
	add("Notice::sendmail", m.SendMail)
	return out
}

// managerMail makes the manager the one node that mails notices: it wraps
// the writers of notice.log (logw) and notice_alarm.log (alarmw) so that
// every notice that arrives with email destinations is mailed once per
// destination, composed as Zeek's email_notice_to does with the manager's
// Notice::mail_* options, and sent from a queue (never from the
// transport's delivery path) to the layout's SMTP server or through
// Notice::sendmail. The returned stop drains the queue.
func managerMail(rt *cnode.Runtime, ncfg notice.Config, logw, alarmw func(*notice.Info)) (lw, aw func(*notice.Info), stop func(), err error) {
	send, err := noticeSender(rt.Layout, ncfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cluster: %s: %w", rt.Node.Name, err)
	}
	if send == nil {
		return logw, alarmw, func() {}, nil
	}
	q := notice.NewMailQueue(send, 0, 0, rt.Warn)
	composer := notice.New(ncfg, nil, nil)
	mailIt := func(n *notice.Info) {
		for _, dest := range n.EmailDest {
			if dest != "" {
				q.Mail(dest, composer.EmailText(n, dest, true))
			}
		}
	}
	summary := startAlarmSummary(rt, ncfg, composer, q)
	lw = func(n *notice.Info) {
		mailIt(n)
		if logw != nil {
			logw(n)
		}
	}
	aw = func(n *notice.Info) {
		// A notice that is logged too was mailed on its way to notice.log.
		if !n.HasAction(notice.ActionLog) {
			mailIt(n)
		}
		if summary != nil {
			summary.add(n)
		}
		if alarmw != nil {
			alarmw(n)
		}
	}
	stop = func() {
		if summary != nil {
			summary.close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), noticeMailDrain)
		defer cancel()
		if err := q.Close(ctx); err != nil {
			rt.Warn(fmt.Sprintf("cluster: %s: %v", rt.Node.Name, err))
		}
	}
	return lw, aw, stop, nil
}

// noticeSender is how the manager delivers notice mail: to the layout's
// SMTP server when it names one, else through Notice::sendmail. A layout
// mail object with neither an SMTP server nor a sendmail program says
// "send no mail" (heronctl.cfg's empty SendMail): then it returns nil.
func noticeSender(l *layout.Layout, ncfg notice.Config) (notice.SendFunc, error) {
	if l != nil && l.Mail != nil && l.Mail.SMTP == nil && l.Mail.SendMail == "" {
		return nil, nil
	}
	if l == nil || l.Mail == nil || l.Mail.SMTP == nil {
		return notice.Sendmail(ncfg.Sendmail), nil
	}
	s := l.Mail.SMTP
	tls, err := mail.ParseTLSMode(s.TLS)
	if err != nil {
		return nil, err
	}
	mc := mail.Config{From: ncfg.MailFrom, SMTPServer: s.Server, SMTPPort: s.Port, TLS: tls, Username: s.User}
	if s.User != "" {
		pf := s.PasswordFile
		if !filepath.IsAbs(pf) && l.File != "" {
			pf = filepath.Join(filepath.Dir(l.File), pf)
		}
		b, err := os.ReadFile(pf)
		if err != nil {
			return nil, fmt.Errorf("mail: SMTP password: %w", err)
		}
		mc.Password = strings.TrimRight(string(b), "\r\n")
	}
	m, err := mail.New(mc)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, dest string, msg []byte) error { return m.SendMessage(ctx, dest, msg) }, nil
}

// startAlarmSummary starts the alarm summary when the layout's mail object
// asks for one (alarms_interval) and it has a destination: alarms_to, else
// Notice::mail_dest (pp-alarms.zeek's mail_dest_pretty_printed, else
// mail_dest). It returns nil otherwise.
func startAlarmSummary(rt *cnode.Runtime, ncfg notice.Config, composer *notice.Framework, q *notice.MailQueue) *alarmSummary {
	l := rt.Layout
	if l == nil || l.Mail == nil || l.Mail.AlarmsInterval <= 0 {
		return nil
	}
	dest := l.Mail.AlarmsTo
	if dest == "" {
		dest = ncfg.MailDest
	}
	if dest == "" {
		return nil
	}
	return newAlarmSummary(time.Duration(l.Mail.AlarmsInterval*float64(time.Second)), dest, composer, q, rt.Warn)
}
