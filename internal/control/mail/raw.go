package mail

import (
	"context"
	"fmt"
)

// SendMessage delivers msg, a complete message composed by the caller
// (header lines, an empty line, the body; lines may end in "\n"), to the
// recipients in to, by SMTP or through the sendmail program (which reads
// the recipients from msg's To header, as "-t" says). Unlike SendTo it adds
// no header and no signature: it is for mail whose text follows another
// program's format, as Zeek's notice mail. It does nothing when m is not
// Enabled. The caller keeps msg.
func (m *Mailer) SendMessage(ctx context.Context, to string, msg []byte) error {
	if !m.Enabled() {
		return nil
	}
	rcpts := Recipients(to)
	if len(rcpts) == 0 {
		return fmt.Errorf("mail: no recipients in %q", to)
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	if m.cfg.SMTPServer != "" {
		return m.sendSMTP(ctx, rcpts, msg)
	}
	return m.sendmail(ctx, msg)
}
