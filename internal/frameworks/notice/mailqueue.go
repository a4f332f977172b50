package notice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// SendFunc delivers one composed notice mail to dest. It may block (it
// runs on the queue's own goroutine). It must not keep message after it
// returns.
type SendFunc func(ctx context.Context, dest string, message []byte) error

// MailQueue is a Mailer that hands messages to a SendFunc on a goroutine
// of its own, so that raising a notice never waits for a mail program or
// an SMTP server. The queue holds at most its capacity of messages; when
// it is full, further messages are dropped and counted (a mail storm
// must not grow memory without bound).
type MailQueue struct {
	send    SendFunc
	warn    func(string)
	timeout time.Duration

	mu      sync.Mutex
	closed  bool
	ch      chan queued
	done    chan struct{}
	sent    uint64
	failed  uint64
	dropped uint64
}

type queued struct {
	dest string
	msg  []byte
}

// DefaultMailQueueSize is the capacity NewMailQueue uses for size ≤ 0.
const DefaultMailQueueSize = 256

// NewMailQueue starts a queue of size messages (DefaultMailQueueSize if
// size ≤ 0) that sends each with send, allowing each send timeout (a
// minute if ≤ 0). warn, when set, receives one line per failed or
// dropped message.
func NewMailQueue(send SendFunc, size int, timeout time.Duration, warn func(string)) *MailQueue {
	if size <= 0 {
		size = DefaultMailQueueSize
	}
	if timeout <= 0 {
		timeout = time.Minute
	}
	q := &MailQueue{send: send, warn: warn, timeout: timeout, ch: make(chan queued, size), done: make(chan struct{})}
	go q.run()
	return q
}

// Mail queues message for dest and returns at once. The queue owns
// message from then on.
func (q *MailQueue) Mail(dest string, message []byte) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		q.dropped++
		return
	}
	select {
	case q.ch <- queued{dest, message}:
	default:
		q.dropped++
		if q.warn != nil {
			q.warn(fmt.Sprintf("notice: mail queue full; dropped a mail to %s", dest))
		}
	}
}

func (q *MailQueue) run() {
	defer close(q.done)
	for m := range q.ch {
		ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
		err := q.send(ctx, m.dest, m.msg)
		cancel()
		q.mu.Lock()
		if err != nil {
			q.failed++
		} else {
			q.sent++
		}
		q.mu.Unlock()
		if err != nil && q.warn != nil {
			q.warn(fmt.Sprintf("notice: mail to %s not sent: %v", m.dest, err))
		}
	}
}

// Close stops taking messages and waits until the queued ones are sent,
// or ctx ends (then the rest is sent in the background as long as the
// process lives). It returns ctx's error in that case.
func (q *MailQueue) Close(ctx context.Context) error {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("notice: mail queue not drained: %w", ctx.Err())
	}
}

// MailQueueStats counts what a MailQueue did.
type MailQueueStats struct {
	Sent, Failed, Dropped uint64
}

// Stats returns the queue's counters so far.
func (q *MailQueue) Stats() MailQueueStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return MailQueueStats{Sent: q.sent, Failed: q.failed, Dropped: q.dropped}
}

// Sendmail returns a SendFunc that pipes each message into
// "PROGRAM -t -oi" run by /bin/sh, as Zeek's email_notice_to does with
// Notice::sendmail (so program may carry its own arguments). The
// recipients come from the message's To header (-t); dest is not passed.
func Sendmail(program string) SendFunc {
	return func(ctx context.Context, _ string, message []byte) error {
		if strings.TrimSpace(program) == "" {
			return errors.New("notice: Notice::sendmail is empty")
		}
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", program+" -t -oi")
		cmd.Stdin = bytes.NewReader(message)
		out, err := cmd.CombinedOutput()
		if err != nil {
			if line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n"); line != "" {
				return fmt.Errorf("notice: %s: %w: %s", program, err, line)
			}
			return fmt.Errorf("notice: %s: %w", program, err)
		}
		return nil
	}
}
