// Package notice is Zeek's notice framework (base/frameworks/notice): the
// place where detections ("notices") are suppressed, given actions by a
// policy, mailed, and written to notice.log and notice_alarm.log.
//
// Framework.Notice is Zeek's NOTICE function. It drops a notice whose note
// and identifier are being suppressed; otherwise it fills the notice's
// defaults as apply_policy does (ts from network time; uid and id from a
// connection or file; src, dst and p from id; proto from p; suppress_for
// from Notice::default_suppression_interval), runs the policy, adds the
// email destinations of ACTION_EMAIL, ACTION_PAGE and ACTION_EMAIL_ADMIN,
// mails the notice, logs it (ACTION_LOG: notice.log, ACTION_ALARM:
// notice_alarm.log) and starts its suppression. Suppression follows
// main.zeek exactly: only a notice with an identifier is suppressed, for
// its suppress_for measured from its ts, and a suppress_for of 0 starts
// none; ignored types are not logged but still start their suppression;
// suppressed notices are neither logged nor counted anywhere but in Stats.
//
// Notice types are Zeek's Notice::Type enum values registered by name
// (RegisterType("Weird::Activity")); actions are Notice::Action values.
// notice.log has Zeek's columns in Zeek's order, the remote_location.*
// columns of actions/add-geodata.zeek included as the extension ExtGeoData
// (Zeek's default notice.log has them; Heron has no GeoIP database and
// leaves them unset).
//
// Framework.Weird turns a weird with a notice action into the
// Weird::Activity notice of base/frameworks/notice/weird.zeek; pass it to
// weird.New.
//
// # Where Heron differs from Zeek
//
// There is no script interpreter, so the script hooks become Go seams:
//
//   - Notice::policy handlers are Config.Policy functions. They run after
//     the framework's own policy (the priority-10 handler of main.zeek),
//     which ends processing of Notice::ignored_types before them, as a
//     hook's "break" does; a PolicyFunc returns false to break likewise.
//   - Notice::notice handlers at the default priority are Config.Handlers.
//   - Mail goes through Config.Mailer (nil: no mail, as Zeek sends none
//     when reading a trace); EmailText composes the message as
//     email_notice_to does, without Zeek's delay tokens. MailQueue is
//     the Mailer Heron uses: it sends from a goroutine of its own (never
//     on the packet path) with a SendFunc, Sendmail for Notice::sendmail
//     run as "sendmail -t -oi" as Zeek runs it, or a cluster manager's
//     SMTP delivery. The alarm-mail filter and the pretty-printed alarm
//     summary (actions/pp-alarms.zeek) are not implemented.
//   - Site::get_emails, for ACTION_EMAIL_ADMIN, is Config.AdminEmails.
//   - The suppression table is a Suppressor. LocalSuppressor expires
//     entries lazily on network time: a suppression ending at u holds
//     while now <= u, where Zeek drops it on its next table sweep after u
//     (sweeps run every table_expire_interval, 10 s). It is bounded; when
//     full of live entries it stops recording new suppressions rather than
//     grow. A cluster implements Suppressor to share suppressions, as
//     Zeek's Notice::begin_suppression events do.
//   - Zeek writes the actions and email_dest sets in the order of its hash
//     tables; Heron writes actions sorted by name and email_dest in the
//     order destinations were added.
//   - Log policy hooks (Notice::log_policy) and the log_notice event have
//     no counterpart; filters belong to the logging package.
//
// The framework is safe for concurrent use: every analysis thread of a
// process shares one, as a Zeek process has one notice framework.
package notice
