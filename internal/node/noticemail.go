package node

import (
	"context"
	"time"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
)

// noticeMailDrain bounds how long a node waits at exit for its queued
// notice mail.
const noticeMailDrain = 30 * time.Second

// standaloneMailer gives the notice framework of a node that keeps its own
// notices a mailer, as Zeek's email_notice_to decides: no mail while
// reading a trace (cfg.Trace set; Zeek's reading_traces()), none when the
// caller supplied a Mailer or sends the node's notices elsewhere (a
// cluster worker: the manager mails), else Notice::sendmail run as
// "sendmail -t -oi" behind a queue, so the packet path never waits for
// it. It sets ncfg.Mailer and returns the queue (nil when there is none).
func (sh *shared) standaloneMailer(ncfg *notice.Config) *notice.MailQueue {
	cfg := sh.cfg
	if ncfg.Mailer != nil || cfg.Trace != "" || cfg.NoticeLog != nil || cfg.NoticeAlarm != nil {
		return nil
	}
	rep := sh.reporter
	q := notice.NewMailQueue(notice.Sendmail(ncfg.Sendmail), 0, 0, func(s string) {
		rep.Warning(s)
	})
	ncfg.Mailer = q
	return q
}

// closeNoticeMail sends what the mail queue holds before the node exits.
func (sh *shared) closeNoticeMail() {
	if sh.noticeMail == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), noticeMailDrain)
	defer cancel()
	if err := sh.noticeMail.Close(ctx); err != nil {
		sh.reporter.Warning(err.Error())
	}
}
