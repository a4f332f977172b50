package smtp

import "github.com/heron-nsm/heron/internal/zeek"

// Info is an smtp.log record (Zeek's SMTP::Info with the fields that
// base/protocols/smtp/files.zeek adds): one mail transaction, or the
// client activity of a session that did not get as far as a message.
type Info struct {
	// TS is when the record was started: the first SMTP activity of the
	// connection, or the reply that ended the previous message.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// TransDepth is the transaction's position in the connection, from 1.
	TransDepth uint64 `zeek:"trans_depth"`
	// Helo is the argument of the last HELO or EHLO command.
	Helo zeek.Opt[string] `zeek:"helo"`
	// MailFrom is the address of the MAIL FROM command.
	MailFrom zeek.Opt[string] `zeek:"mailfrom"`
	// RcptTo holds the addresses of the RCPT TO commands.
	RcptTo zeek.Opt[[]string] `zeek:"rcptto,set"`
	// Date is the message's Date header.
	Date zeek.Opt[string] `zeek:"date"`
	// From is the message's From header.
	From zeek.Opt[string] `zeek:"from"`
	// To holds the addresses of the message's To headers.
	To zeek.Opt[[]string] `zeek:"to,set"`
	// CC holds the addresses of the message's Cc headers.
	CC zeek.Opt[[]string] `zeek:"cc,set"`
	// ReplyTo is the message's Reply-To header.
	ReplyTo zeek.Opt[string] `zeek:"reply_to"`
	// MsgID is the message's Message-ID header.
	MsgID zeek.Opt[string] `zeek:"msg_id"`
	// InReplyTo is the message's In-Reply-To header.
	InReplyTo zeek.Opt[string] `zeek:"in_reply_to"`
	// Subject is the message's Subject header.
	Subject zeek.Opt[string] `zeek:"subject"`
	// XOriginatingIP is the first address in the X-Originating-IP header.
	XOriginatingIP zeek.Opt[zeek.Addr] `zeek:"x_originating_ip"`
	// FirstReceived is the last Received header seen (the first in the
	// message's path).
	FirstReceived zeek.Opt[string] `zeek:"first_received"`
	// SecondReceived is the Received header seen before it.
	SecondReceived zeek.Opt[string] `zeek:"second_received"`
	// LastReply is the server's last reply ("250 OK").
	LastReply zeek.Opt[string] `zeek:"last_reply"`
	// Path is the message's transmission path: the responder, the
	// originator, then the addresses of the Received headers.
	Path zeek.Opt[[]zeek.Addr] `zeek:"path"`
	// UserAgent is the User-Agent, X-Mailer or X-User-Agent header.
	UserAgent zeek.Opt[string] `zeek:"user_agent"`
	// TLS says whether the session switched to TLS (STARTTLS).
	TLS bool `zeek:"tls"`
	// FUIDs lists the files of the message (its MIME entities).
	FUIDs []string `zeek:"fuids"`
	// IsWebmail says whether the User-Agent is a known webmail client
	// (policy/protocols/smtp/software).
	IsWebmail bool `zeek:"is_webmail,ext=smtp-software"`
}
