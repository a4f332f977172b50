// Package mail sends heronctl's mail: crash reports, disk-space alarms and
// the output of the periodic housekeeping (zeekctl's "cron:" mails).
//
// A Mailer sends either through an SMTP server (Config.SMTPServer: plain,
// STARTTLS or TLS from the first byte, with optional AUTH PLAIN) or, as
// zeekctl does, by piping the message to a sendmail-compatible program
// (Config.SendMail, run as "sendmail -t -oi"). Messages look like
// zeekctl's: From, To and Subject from MailFrom, MailTo and
// MailSubjectPrefix followed by the subject, a User-Agent naming heronctl,
// Reply-To when MailReplyTo is set, and a body that ends with the
// "[Automatically generated.]" signature. With neither an SMTP server nor
// a sendmail program configured no mail is sent and that is not an error,
// as with zeekctl's empty SendMail.
//
// Header values are taken as data: line breaks in them are replaced so
// that no value can add a header, and non-ASCII subjects are encoded as
// RFC 2047 words.
package mail
