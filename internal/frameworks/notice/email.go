package notice

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Mailer sends notice mail. Heron's mailer (sendmail or SMTP, configured
// through heronctl) implements it; the framework only composes messages.
type Mailer interface {
	// Mail sends message to dest. message is a complete mail as Zeek
	// pipes it to "sendmail -t -oi": header lines, an empty line, the
	// body. The Mailer owns message. Mail is called with the framework's
	// lock held and must not block for long (queue the message).
	Mail(dest string, message []byte)
}

// EmailText composes the mail for notice n to dest as Zeek's
// email_notice_to does: the headers of Notice::email_headers, the message
// and sub-message, file and connection details, and with extend the
// notice's EmailBodySections. (Zeek's delay tokens, which let other
// scripts hold a mail back for up to Notice::max_email_delay, have no
// counterpart: nothing in Heron adds them.)
func (f *Framework) EmailText(n *Info, dest string, extend bool) []byte {
	return f.emailText(n, dest, extend)
}

func (f *Framework) emailText(n *Info, dest string, extend bool) []byte {
	b := make([]byte, 0, 512)
	b = f.emailHeaders(b, string(n.Note), dest)
	b = append(b, "\nMessage: "...)
	b = append(b, n.Msg.V...)
	b = append(b, '\n')
	if n.Sub.Set {
		b = append(b, "Sub-message: "...)
		b = append(b, n.Sub.V...)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	if n.FileDesc.Set {
		b = append(b, "File Description: "...)
		b = append(b, n.FileDesc.V...)
		b = append(b, '\n')
	}
	if n.FileMimeType.Set {
		b = append(b, "File MIME Type: "...)
		b = append(b, n.FileMimeType.V...)
		b = append(b, '\n')
	}
	if n.FileDesc.Set || n.FileMimeType.Set {
		b = append(b, '\n')
	}
	switch {
	case n.ID.Set:
		id := &n.ID.V
		b = append(b, "Connection: "...)
		b = zeek.AppendAddr(b, id.OrigH)
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(id.OrigP.Num), 10)
		b = append(b, " -> "...)
		b = zeek.AppendAddr(b, id.RespH)
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(id.RespP.Num), 10)
		b = append(b, '\n')
		if n.UID.Set {
			b = append(b, "Connection uid: "...)
			b = append(b, n.UID.V...)
			b = append(b, '\n')
		}
	case n.Src.Set:
		b = append(b, "Address: "...)
		b = zeek.AppendAddr(b, n.Src.V)
		b = append(b, '\n')
	}
	if extend {
		b = append(b, "\nEmail Extensions\n----------------\n"...)
		for _, s := range n.EmailBodySections {
			b = append(b, s...)
			b = append(b, '\n')
		}
	}
	b = append(b, "\n\n--\n[Automatically generated]\n\n"...)
	return b
}

// emailHeaders is Notice::email_headers.
func (f *Framework) emailHeaders(b []byte, subject, dest string) []byte {
	b = append(b, "From: "...)
	b = append(b, f.cfg.MailFrom...)
	b = append(b, "\nSubject: "...)
	b = append(b, f.cfg.MailSubjectPrefix...)
	b = append(b, ' ')
	b = append(b, subject...)
	b = append(b, "\nTo: "...)
	b = append(b, dest...)
	b = append(b, "\nUser-Agent: "...)
	b = append(b, f.cfg.UserAgent...)
	b = append(b, '\n')
	if f.cfg.ReplyTo != "" {
		b = append(b, "Reply-To: "...)
		b = append(b, f.cfg.ReplyTo...)
		b = append(b, '\n')
	}
	return b
}
