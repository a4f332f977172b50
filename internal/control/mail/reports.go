package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
)

// Crash describes a node that died, for a crash report.
type Crash struct {
	Node string // node name, "worker-1"
	Host string // host it ran on
	// Time is when the death was noticed.
	Time time.Time
	// Status is how the process ended: "exit status 2", "killed by
	// signal 9 (SIGKILL)".
	Status string
	// Restarted says whether the supervisor started the node again.
	Restarted bool
	// Stderr and Stdout hold the last lines the node wrote.
	Stderr, Stdout []string
	// Stack is the Go stack trace the node printed, if any.
	Stack string
	// ReportDir is where the full report is kept (under the spool).
	ReportDir string
}

// CrashSubject is the subject of a crash report, as zeekctl words it.
func CrashSubject(node string) string { return "Crash report from " + node }

// Body returns the text of the crash report.
func (c Crash) Body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Node %s on host %s stopped unexpectedly", c.Node, c.Host)
	if !c.Time.IsZero() {
		fmt.Fprintf(&b, " at %s", c.Time.Format("2006-01-02 15:04:05 MST"))
	}
	b.WriteString(".\n")
	if c.Status != "" {
		fmt.Fprintf(&b, "Cause: %s.\n", strings.TrimSuffix(c.Status, "."))
	}
	if c.Restarted {
		b.WriteString("It has been started again.\n")
	} else {
		b.WriteString("It has not been started again.\n")
	}
	if c.ReportDir != "" {
		fmt.Fprintf(&b, "The full report is in %s on %s.\n", c.ReportDir, c.Host)
	}
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n==== %s\n", title)
		for _, l := range lines {
			b.WriteString(strings.TrimRight(l, "\r\n"))
			b.WriteByte('\n')
		}
	}
	section("stderr (last lines)", c.Stderr)
	section("stdout (last lines)", c.Stdout)
	if c.Stack != "" {
		section("stack trace", strings.Split(strings.TrimRight(c.Stack, "\n"), "\n"))
	} else {
		b.WriteString("\nThe node printed no stack trace.\n")
	}
	return b.String()
}

// SendCrash mails a crash report for c.
func (m *Mailer) SendCrash(ctx context.Context, c Crash) error {
	return m.Send(ctx, CrashSubject(c.Node), c.Body())
}

// CronSubject is the subject of a mail carrying the output of heronctl's
// periodic housekeeping: "cron: " and its first line, as zeekctl's cron
// does.
func CronSubject(output string) string {
	first, _, _ := strings.Cut(strings.TrimLeft(output, "\n"), "\n")
	return "cron: " + first
}

// SendCron mails the housekeeping output (disk-space alarms, hosts going
// down, …); empty output sends nothing.
func (m *Mailer) SendCron(ctx context.Context, output string) error {
	if strings.TrimSpace(output) == "" {
		return nil
	}
	return m.Send(ctx, CronSubject(output), output)
}

// Settings names of Heron's SMTP options in heronctl.cfg, read by
// FromSettings (zeekctl has none: it always uses SendMail).
const (
	OptSMTPServer   = "MailSMTPServer"   // host; empty: use SendMail
	OptSMTPPort     = "MailSMTPPort"     // port; 0: 25 or 465
	OptSMTPTLS      = "MailSMTPTLS"      // none, starttls or tls
	OptSMTPUser     = "MailSMTPUser"     // AUTH PLAIN user; empty: no AUTH
	OptSMTPPassword = "MailSMTPPassword" // its password
)

// FromSettings builds a Config from heronctl.cfg's options: MailFrom,
// MailTo, MailReplyTo, MailSubjectPrefix, SendMail and the Mail SMTP
// options above; version goes into the User-Agent.
func FromSettings(s *config.Settings, version string) (Config, error) {
	mode, err := ParseTLSMode(s.String(OptSMTPTLS))
	if err != nil {
		return Config{}, err
	}
	port := 0
	if p := strings.TrimSpace(s.String(OptSMTPPort)); p != "" {
		if _, err := fmt.Sscanf(p, "%d", &port); err != nil {
			return Config{}, fmt.Errorf("mail: %s %q is not a port", OptSMTPPort, p)
		}
	}
	ua := "heronctl"
	if version != "" {
		ua += " " + version
	}
	return Config{
		From:          s.String("MailFrom"),
		To:            s.String("MailTo"),
		ReplyTo:       s.String("MailReplyTo"),
		SubjectPrefix: s.String("MailSubjectPrefix"),
		UserAgent:     ua,
		SendMail:      s.String("SendMail"),
		SMTPServer:    s.String(OptSMTPServer),
		SMTPPort:      port,
		TLS:           mode,
		Username:      s.String(OptSMTPUser),
		Password:      s.String(OptSMTPPassword),
	}, nil
}
