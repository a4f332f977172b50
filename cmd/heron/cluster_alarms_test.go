package main

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestNextBoundary(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	for _, tc := range []struct {
		at       string
		interval time.Duration
		want     string
	}{
		{"2026-11-27T09:14:03", time.Hour, "2026-11-27T10:00:00"},
		{"2026-11-27T10:00:00", time.Hour, "2026-11-27T11:00:00"},
		{"2026-11-27T23:30:00", 24 * time.Hour, "2026-11-28T00:00:00"},
		{"2026-11-27T09:14:03", 10 * time.Minute, "2026-11-27T09:20:00"},
	} {
		at, _ := time.ParseInLocation("2006-01-02T15:04:05", tc.at, loc)
		if got := nextBoundary(at, tc.interval).Format("2006-01-02T15:04:05"); got != tc.want {
			t.Errorf("%s + %v: %s, want %s", tc.at, tc.interval, got, tc.want)
		}
	}
}

// TestAlarmSummary: alarms are collected with their hosts' names (looked
// up once per period; "<???>" without a name, "(dns timeout)" when the
// lookup does not answer in time) and mailed as one summary when the
// manager stops; a summary with no alarm is not sent.
func TestAlarmSummary(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	q := notice.NewMailQueue(func(_ context.Context, dest string, msg []byte) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, dest+"\n"+string(msg))
		return nil
	}, 0, 0, nil)
	cfg := notice.DefaultConfig()
	composer := notice.New(cfg, nil, nil)
	s := newAlarmSummary(time.Hour, "alarms@example.org", composer, q, func(string) {})
	lookups := 0
	s.lookup = func(ctx context.Context, a string) ([]string, error) {
		lookups++
		switch a {
		case "10.0.0.1":
			return []string{"host-one.example."}, nil
		case "10.0.0.3":
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return nil, errors.New("no such host")
	}
	a1, a2, a3 := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")
	ts := zeek.Some(zeek.Time(time.Now().UnixNano()))
	s.add(&notice.Info{TS: ts, Note: "X::One", Msg: zeek.Some("first"), Src: zeek.Some(a1), Dst: zeek.Some(a2), PeerDescr: zeek.Some("worker-1")})
	s.add(&notice.Info{TS: ts, Note: "X::Two", Msg: zeek.Some("second"), Src: zeek.Some(a1)})
	if testing.Short() {
		a3 = a2 // skip the 5 s timeout
	}
	s.add(&notice.Info{TS: ts, Note: "X::Three", Msg: zeek.Some("third"), Src: zeek.Some(a3)})
	s.close()
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 {
		t.Fatalf("%d mails, want 1", len(sent))
	}
	m := sent[0]
	for _, want := range []string{
		"alarms@example.org\nFrom: Zeek <zeek@localhost>\nSubject: [Zeek] Alarm summary from ",
		" X::One 10.0.0.1 -> 10.0.0.2\n   <worker-1> first\n   # 10.0.0.1 = host-one.example  10.0.0.2 = <???>\n\n",
		" X::Two 10.0.0.1\n   <local> second\n   # 10.0.0.1 = host-one.example\n\n",
		"\n\n--\n[Automatically generated]\n\n",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("summary lacks %q:\n%s", want, m)
		}
	}
	if !testing.Short() && !strings.Contains(m, "# 10.0.0.3 = (dns timeout)\n") {
		t.Errorf("summary lacks the timed-out lookup:\n%s", m)
	}
	if lookups != 3 {
		t.Errorf("%d lookups, want 3 (one per address)", lookups)
	}

	// No alarm: no summary.
	q2 := notice.NewMailQueue(func(context.Context, string, []byte) error { t.Error("an empty summary was mailed"); return nil }, 0, 0, nil)
	newAlarmSummary(time.Hour, "a@b", composer, q2, nil).close()
	q2.Close(context.Background())
}

// TestNoticeMailOptions: the layout's mail object becomes Notice::mail_*
// assignments every node applies (escaped as string option text), and a
// mail object without SMTP server or sendmail means no mail.
func TestNoticeMailOptions(t *testing.T) {
	got := noticeMailOptions(&layout.Mail{To: "soc@example.org", From: `"Heron" <h@x>`, SendMail: "/usr/sbin/sendmail -f h"})
	want := []string{`Notice::mail_dest=soc@example.org`, `Notice::mail_from=\"Heron\" <h@x>`, `Notice::sendmail=/usr/sbin/sendmail -f h`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("options %q, want %q", got, want)
	}
	reg := options.NewRegistry()
	ncfg := notice.DefaultConfig()
	ncfg.Options(reg)
	for _, a := range got {
		if err := reg.Apply(a); err != nil {
			t.Fatal(err)
		}
	}
	if ncfg.MailFrom != `"Heron" <h@x>` || ncfg.MailDest != "soc@example.org" || ncfg.MailSubjectPrefix != "[Zeek]" {
		t.Errorf("applied: %+v", ncfg)
	}
	if noticeMailOptions(nil) != nil {
		t.Error("no mail object: options")
	}
	if f, err := noticeSender(&layout.Layout{Mail: &layout.Mail{To: "a"}}, ncfg); f != nil || err != nil {
		t.Errorf("no sendmail, no smtp: sender %v, %v", f != nil, err)
	}
	if f, err := noticeSender(&layout.Layout{}, ncfg); f == nil || err != nil {
		t.Errorf("no mail object: sender %v, %v (want Notice::sendmail)", f != nil, err)
	}
	if _, err := noticeSender(&layout.Layout{Mail: &layout.Mail{SMTP: &layout.SMTP{Server: "m", User: "u", PasswordFile: "/nonexistent/pw"}}}, ncfg); err == nil {
		t.Error("missing password file: no error")
	}
}
