package supervise

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/heron-nsm/heron/internal/control/mail"
)

// MailInterval is the least time between two crash mails about one node:
// a node in a crash loop sends one mail per interval, not one per crash.
var MailInterval = 10 * time.Minute

// mailer returns the plan's Mailer, nil when the plan sends no mail.
func (p *Plan) mailer() (*mail.Mailer, error) {
	if p.Mail == nil || p.Mail.To == "" || p.Mail.SMTPServer == "" && p.Mail.SendMail == "" {
		return nil, nil
	}
	mode, err := mail.ParseTLSMode(p.Mail.TLS)
	if err != nil {
		return nil, err
	}
	return mail.New(mail.Config{
		From: p.Mail.From, To: p.Mail.To, ReplyTo: p.Mail.ReplyTo, SubjectPrefix: p.Mail.SubjectPrefix,
		UserAgent: "heronctl supervisor", SendMail: p.Mail.SendMail, SMTPServer: p.Mail.SMTPServer,
		SMTPPort: p.Mail.SMTPPort, TLS: mode, Username: p.Mail.User, Password: p.Mail.Password,
	})
}

// mailCrash sends a crash report in the background, at most one per node
// per MailInterval.
func (s *Supervisor) mailCrash(p *proc, r *CrashReport) {
	if s.mailer == nil || r == nil {
		return
	}
	if !p.lastMail.IsZero() && time.Since(p.lastMail) < MailInterval {
		p.unmailed++
		return
	}
	p.lastMail = time.Now()
	c := mail.Crash{
		Node: r.Node, Host: r.Host, Time: r.Time, Status: r.Exit, Restarted: true,
		Stderr: r.Stderr, Stdout: r.Stdout, Stack: r.Stack, ReportDir: r.Dir,
	}
	if p.unmailed > 0 {
		c.Status += " (the node also crashed " + strconv.Itoa(p.unmailed) + " more times since the last mail)"
		p.unmailed = 0
	}
	m := s.mailer
	s.mails.Add(1)
	go func() {
		defer s.mails.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := m.SendCrash(ctx, c); err != nil {
			s.log.Printf("%s: mailing the crash report: %v", c.Node, err)
		} else {
			s.log.Printf("%s: crash report mailed to %s", c.Node, s.plan.Mail.To)
		}
	}()
}

// MaxReports is how many crash reports of one node are kept; older ones
// are removed, so that a node in a crash loop cannot fill the disk.
var MaxReports = 100

// expireCrashes removes a node's crash reports older than the plan's
// CrashExpireDays, and the oldest beyond MaxReports - 1 (room for the one
// about to be written).
func (s *Supervisor) expireCrashes(node string) {
	dirs, _ := filepath.Glob(filepath.Join(s.plan.CrashDir(node), "*"))
	sort.Strings(dirs) // by time: the names are UTC timestamps
	var cutoff time.Time
	if s.plan.CrashExpireDays > 0 {
		cutoff = time.Now().Add(-time.Duration(s.plan.CrashExpireDays) * 24 * time.Hour)
	}
	for i, d := range dirs {
		t, err := time.Parse("2006-01-02T15:04:05.000Z", filepath.Base(d))
		if err != nil {
			continue
		}
		if t.Before(cutoff) || len(dirs)-i >= MaxReports {
			if err := os.RemoveAll(d); err == nil {
				s.log.Printf("%s: removed the old crash report %s", node, d)
			}
		}
	}
}
