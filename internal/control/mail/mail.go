package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	netmail "net/mail"
	"net/smtp"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// TLSMode says how an SMTP connection is secured.
type TLSMode int

// TLS modes.
const (
	// NoTLS sends in the clear (port 25 on a trusted network).
	NoTLS TLSMode = iota
	// StartTLS upgrades the connection with STARTTLS and fails when the
	// server does not offer it (submission, port 587).
	StartTLS
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465).
	ImplicitTLS
)

// ParseTLSMode reads a TLS mode: "none" (or ""), "starttls", or "tls"
// (also "smtps", "implicit").
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "off", "0":
		return NoTLS, nil
	case "starttls":
		return StartTLS, nil
	case "tls", "smtps", "implicit", "ssl":
		return ImplicitTLS, nil
	}
	return NoTLS, fmt.Errorf("mail: TLS mode %q: use none, starttls or tls", s)
}

// String returns "none", "starttls" or "tls".
func (m TLSMode) String() string {
	switch m {
	case StartTLS:
		return "starttls"
	case ImplicitTLS:
		return "tls"
	}
	return "none"
}

// Config holds the mail settings (zeekctl's Mail* options and Heron's
// SMTP ones).
type Config struct {
	// From is the sender (MailFrom), "Heron <heron@host>".
	From string
	// To lists the recipients (MailTo), separated by commas or spaces.
	To string
	// ReplyTo is MailReplyTo; "" adds no Reply-To.
	ReplyTo string
	// SubjectPrefix starts every subject (MailSubjectPrefix), "[Heron]".
	SubjectPrefix string
	// UserAgent names the sending program in the User-Agent header.
	UserAgent string

	// SMTPServer is the host of the SMTP server; "" sends through
	// SendMail instead.
	SMTPServer string
	// SMTPPort is the server's port; 0 is 25, or 465 with ImplicitTLS.
	SMTPPort int
	// TLS secures the SMTP connection.
	TLS TLSMode
	// TLSConfig, if set, is used for TLS (its ServerName defaults to
	// SMTPServer); nil verifies the server against the system's roots.
	TLSConfig *tls.Config
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN (which net/smtp allows only over TLS or to localhost).
	Username, Password string
	// HelloName is the name given in EHLO; "" is this host's name.
	HelloName string

	// SendMail is the sendmail-compatible program (SendMail); used when
	// SMTPServer is "". Both empty: no mail is sent.
	SendMail string

	// Timeout bounds one delivery; 0 is one minute.
	Timeout time.Duration
	// Now gives the Date header's time; nil is time.Now.
	Now func() time.Time
}

// Mailer sends messages as its Config says. It is safe for concurrent use.
type Mailer struct {
	cfg Config
}

// New returns a Mailer for cfg.
func New(cfg Config) (*Mailer, error) {
	if cfg.SMTPPort < 0 || cfg.SMTPPort > 65535 {
		return nil, fmt.Errorf("mail: SMTP port %d out of range", cfg.SMTPPort)
	}
	if cfg.SMTPServer != "" {
		if _, err := netmail.ParseAddress(cfg.From); err != nil {
			return nil, fmt.Errorf("mail: sender %q is not a mail address: %w", cfg.From, err)
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "heronctl"
	}
	return &Mailer{cfg: cfg}, nil
}

// Enabled tells whether the Mailer sends anything at all.
func (m *Mailer) Enabled() bool { return m.cfg.SMTPServer != "" || m.cfg.SendMail != "" }

// Send mails body to the configured recipients with subject after the
// prefix.
func (m *Mailer) Send(ctx context.Context, subject, body string) error {
	return m.SendTo(ctx, m.cfg.To, subject, body)
}

// SendTo mails body to the recipients in to (commas or spaces between
// them) instead of the configured ones.
func (m *Mailer) SendTo(ctx context.Context, to, subject, body string) error {
	if !m.Enabled() {
		return nil
	}
	rcpts := Recipients(to)
	if len(rcpts) == 0 {
		return fmt.Errorf("mail: no recipients (set MailTo)")
	}
	msg := m.Message(to, subject, body)
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	if m.cfg.SMTPServer != "" {
		return m.sendSMTP(ctx, rcpts, msg)
	}
	return m.sendmail(ctx, msg)
}

// Recipients splits a recipient list at commas and white space, keeping
// only the address of "Name <addr>" entries.
func Recipients(to string) []string {
	if list, err := netmail.ParseAddressList(to); err == nil {
		out := make([]string, len(list))
		for i, a := range list {
			out[i] = a.Address
		}
		return out
	}
	// Local user names ("root") are not RFC 5322 addresses.
	return strings.FieldsFunc(to, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n' })
}

// headerValue makes v safe as one header line.
func headerValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, v)
}

// isASCII tells whether s is 7-bit.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Message returns the complete message (headers and body, lines ending in
// "\n") that Send would deliver to the recipients to.
func (m *Mailer) Message(to, subject, body string) []byte {
	var b bytes.Buffer
	subj := strings.TrimSpace(m.cfg.SubjectPrefix + " " + subject)
	subj = headerValue(subj)
	if !isASCII(subj) {
		subj = mime.QEncoding.Encode("utf-8", subj)
	}
	fmt.Fprintf(&b, "From: %s\n", headerValue(m.cfg.From))
	fmt.Fprintf(&b, "Subject: %s\n", subj)
	fmt.Fprintf(&b, "To: %s\n", headerValue(to))
	fmt.Fprintf(&b, "User-Agent: %s\n", headerValue(m.cfg.UserAgent))
	if m.cfg.ReplyTo != "" {
		fmt.Fprintf(&b, "Reply-To: %s\n", headerValue(m.cfg.ReplyTo))
	}
	fmt.Fprintf(&b, "Date: %s\n", m.cfg.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\n", messageID(), msgIDHost(m.cfg.From))
	b.WriteString("MIME-Version: 1.0\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\n")
	if !isASCII(body) {
		b.WriteString("Content-Transfer-Encoding: 8bit\n")
	}
	b.WriteString("\n")
	body = strings.ReplaceAll(body, "\r\n", "\n")
	b.WriteString(body)
	if !strings.HasSuffix(body, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("\n--\n[Automatically generated.]\n\n")
	return b.Bytes()
}

func messageID() string {
	var r [12]byte
	rand.Read(r[:])
	return strconv.FormatInt(time.Now().Unix(), 10) + "." + hex.EncodeToString(r[:])
}

// msgIDHost takes the domain of the sender for Message-IDs.
func msgIDHost(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		if _, dom, ok := strings.Cut(a.Address, "@"); ok && dom != "" {
			return dom
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// sendmail pipes msg to the sendmail program, as zeekctl's send-mail
// script does.
func (m *Mailer) sendmail(ctx context.Context, msg []byte) error {
	path := m.cfg.SendMail
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return fmt.Errorf("mail: sendmail program %s not found (set SendMail, or leave it empty to send no mail)", path)
	}
	cmd := exec.CommandContext(ctx, path, "-t", "-oi")
	cmd.Stdin = bytes.NewReader(msg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		if line != "" {
			return fmt.Errorf("mail: %s: %w: %s", path, err, line)
		}
		return fmt.Errorf("mail: %s: %w", path, err)
	}
	return nil
}

// sendSMTP delivers msg to rcpts through the SMTP server.
func (m *Mailer) sendSMTP(ctx context.Context, rcpts []string, msg []byte) error {
	c := &m.cfg
	port := c.SMTPPort
	if port == 0 {
		port = 25
		if c.TLS == ImplicitTLS {
			port = 465
		}
	}
	addr := net.JoinHostPort(c.SMTPServer, strconv.Itoa(port))
	tcfg := &tls.Config{}
	if c.TLSConfig != nil {
		tcfg = c.TLSConfig.Clone()
	}
	if tcfg.ServerName == "" {
		tcfg.ServerName = c.SMTPServer
	}
	d := net.Dialer{}
	var conn net.Conn
	var err error
	if c.TLS == ImplicitTLS {
		td := tls.Dialer{NetDialer: &d, Config: tcfg}
		conn, err = td.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cl, err := smtp.NewClient(conn, c.SMTPServer)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: %s: %w", addr, err)
	}
	defer cl.Close()
	if c.HelloName != "" {
		if err := cl.Hello(c.HelloName); err != nil {
			return fmt.Errorf("mail: %s: EHLO: %w", addr, err)
		}
	}
	if c.TLS == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fmt.Errorf("mail: %s does not offer STARTTLS (set the TLS mode to none or tls)", addr)
		}
		if err := cl.StartTLS(tcfg); err != nil {
			return fmt.Errorf("mail: %s: STARTTLS: %w", addr, err)
		}
	}
	if c.Username != "" {
		if ok, _ := cl.Extension("AUTH"); !ok {
			return fmt.Errorf("mail: %s does not offer AUTH", addr)
		}
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.SMTPServer)); err != nil {
			return fmt.Errorf("mail: %s: authentication as %s: %w", addr, c.Username, err)
		}
	}
	from := c.From
	if a, err := netmail.ParseAddress(from); err == nil {
		from = a.Address
	}
	if err := cl.Mail(from); err != nil {
		return fmt.Errorf("mail: %s: MAIL FROM %s: %w", addr, from, err)
	}
	for _, r := range rcpts {
		if err := cl.Rcpt(r); err != nil {
			return fmt.Errorf("mail: %s: RCPT TO %s: %w", addr, r, err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("mail: %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("mail: %s: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: %s: message refused: %w", addr, err)
	}
	if err := cl.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("mail: %s: QUIT: %w", addr, err)
	}
	return nil
}
