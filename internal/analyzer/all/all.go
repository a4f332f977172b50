// Package all links every protocol analyzer into the binary: one blank
// import per analyzer package, whose init registers it. A test fails when
// a directory under internal/analyzer holds an analyzer that is not listed
// here.
package all

import (
	_ "github.com/heron-nsm/heron/internal/analyzer/dns"       // DNS, dns.log
	_ "github.com/heron-nsm/heron/internal/analyzer/ftp"       // FTP and FTP_DATA, ftp.log
	_ "github.com/heron-nsm/heron/internal/analyzer/http"      // HTTP, http.log
	_ "github.com/heron-nsm/heron/internal/analyzer/imap"      // IMAP until STARTTLS
	_ "github.com/heron-nsm/heron/internal/analyzer/mysql"     // MySQL, mysql.log
	_ "github.com/heron-nsm/heron/internal/analyzer/pop3"      // POP3 (no log)
	_ "github.com/heron-nsm/heron/internal/analyzer/rdp"       // RDP and RDPEUDP, rdp.log
	_ "github.com/heron-nsm/heron/internal/analyzer/sip"       // SIP, sip.log
	_ "github.com/heron-nsm/heron/internal/analyzer/smtp"      // SMTP, smtp.log
	_ "github.com/heron-nsm/heron/internal/analyzer/socks"     // SOCKS, socks.log
	_ "github.com/heron-nsm/heron/internal/analyzer/ssl"       // SSL and DTLS, ssl.log
	_ "github.com/heron-nsm/heron/internal/analyzer/websocket" // WebSocket, websocket.log
	_ "github.com/heron-nsm/heron/internal/analyzer/xmpp"      // XMPP until STARTTLS
)
