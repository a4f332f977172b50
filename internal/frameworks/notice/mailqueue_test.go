package notice

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSendmail: the message goes to "PROGRAM -t -oi" (run by /bin/sh, so
// the program may carry arguments) on standard input, unchanged; a
// failing program is an error with its first line of output.
func TestSendmail(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "sendmail")
	os.WriteFile(prog, []byte("#!/bin/sh\necho \"$*\" > "+dir+"/args\ncat > "+dir+"/stdin\n"), 0o755)
	msg := []byte("From: a\nTo: b\n\nbody\n")
	if err := Sendmail(prog+" -fheron")(context.Background(), "b", msg); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	in, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if string(args) != "-fheron -t -oi\n" || string(in) != string(msg) {
		t.Errorf("args %q stdin %q", args, in)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("#!/bin/sh\necho 'no relay' >&2\nexit 3\n"), 0o755)
	err := Sendmail(bad)(context.Background(), "b", msg)
	if err == nil || !strings.Contains(err.Error(), "no relay") || !strings.HasPrefix(err.Error(), "notice: ") {
		t.Errorf("failing sendmail: %v", err)
	}
	if err := Sendmail(" ")(context.Background(), "b", msg); err == nil {
		t.Error("empty Notice::sendmail: no error")
	}
}

// TestMailQueue: Mail never waits for the sender; what fits in the queue
// is sent in order, the rest dropped and counted; failures are counted
// and reported; Close drains.
func TestMailQueue(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var got []string
	send := func(_ context.Context, dest string, msg []byte) error {
		<-release
		mu.Lock()
		defer mu.Unlock()
		got = append(got, dest+":"+string(msg))
		if dest == "fail" {
			return errors.New("refused")
		}
		return nil
	}
	var warnings []string
	var wmu sync.Mutex
	q := NewMailQueue(send, 2, time.Second, func(s string) { wmu.Lock(); warnings = append(warnings, s); wmu.Unlock() })
	start := time.Now()
	// The first is taken by the sender (blocked), two wait, the fourth
	// may or may not fit depending on whether the sender took the first
	// yet; send enough to be sure some are dropped.
	for _, d := range []string{"a", "fail", "c", "d", "e", "f"} {
		q.Mail(d, []byte("m-"+d))
	}
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("Mail blocked for %v", el)
	}
	close(release)
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := q.Stats()
	if st.Sent+st.Failed+st.Dropped != 6 || st.Failed != 1 || st.Dropped < 3 || st.Dropped > 4 {
		t.Errorf("stats %+v", st)
	}
	if len(got) < 2 || got[0] != "a:m-a" || got[1] != "fail:m-fail" {
		t.Errorf("sent %q", got)
	}
	q.Mail("late", []byte("x"))
	if q.Stats().Dropped != st.Dropped+1 {
		t.Error("a mail after Close was not dropped")
	}
	wmu.Lock()
	defer wmu.Unlock()
	joined := strings.Join(warnings, "\n")
	if !strings.Contains(joined, "mail to fail not sent: refused") || !strings.Contains(joined, "mail queue full") {
		t.Errorf("warnings %q", warnings)
	}
}

// TestMailQueueCloseTimeout: Close gives up when ctx ends before the
// queue drains.
func TestMailQueueCloseTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	q := NewMailQueue(func(ctx context.Context, _ string, _ []byte) error { <-block; return nil }, 1, time.Minute, nil)
	q.Mail("a", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := q.Close(ctx); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v", err)
	}
}

// BenchmarkMailQueue measures Mail, what a notice's raise pays: queueing
// a composed message.
func BenchmarkMailQueue(b *testing.B) {
	q := NewMailQueue(func(context.Context, string, []byte) error { return nil }, 1<<16, 0, nil)
	defer q.Close(context.Background())
	msg := []byte("From: a\n\nbody\n")
	b.ReportAllocs()
	for b.Loop() {
		q.Mail("a", msg)
	}
}
