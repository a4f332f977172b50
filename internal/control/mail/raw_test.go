package mail

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSendMessage: a message composed elsewhere (Zeek's notice mail)
// reaches a real SMTP server as it is, with no header or signature added,
// addressed to the given recipients; through sendmail, the program gets it
// unchanged on standard input; a disabled mailer sends nothing.
func TestSendMessage(t *testing.T) {
	msg := []byte("From: Zeek <zeek@localhost>\nSubject: [Zeek] Test::Note\nTo: soc@example.org\nUser-Agent: Heron\n\nMessage: hello\n\n\n--\n[Automatically generated]\n\n")
	t.Run("smtp", func(t *testing.T) {
		srv := startServer(t)
		m, err := New(Config{From: "Zeek <zeek@localhost>", SMTPServer: "127.0.0.1", SMTPPort: srv.port, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SendMessage(context.Background(), "soc@example.org", msg); err != nil {
			t.Fatal(err)
		}
		got := srv.received(t, 1)
		if f, to := got.Header.Get("X-Envelope-From"), got.Header.Get("X-Envelope-To"); f != "zeek@localhost" || to != "soc@example.org" {
			t.Errorf("envelope %q -> %q", f, to)
		}
		if got.Header.Get("Subject") != "[Zeek] Test::Note" || got.Header.Get("Message-ID") != "" || got.Header.Get("Date") != "" {
			t.Errorf("headers %v", got.Header)
		}
		body, _ := io.ReadAll(got.Body)
		if string(body) != "Message: hello\r\n\r\n\r\n--\r\n[Automatically generated]\r\n\r\n" {
			t.Errorf("body %q", body)
		}
	})
	t.Run("sendmail", func(t *testing.T) {
		dir := t.TempDir()
		prog := filepath.Join(dir, "sendmail")
		os.WriteFile(prog, []byte("#!/bin/sh\ncat > "+dir+"/stdin\n"), 0o755)
		m, _ := New(Config{SendMail: prog})
		if err := m.SendMessage(context.Background(), "soc@example.org", msg); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "stdin")); string(b) != string(msg) {
			t.Errorf("sendmail got %q", b)
		}
		if err := m.SendMessage(context.Background(), " ", msg); err == nil {
			t.Error("no recipients: no error")
		}
	})
	t.Run("disabled", func(t *testing.T) {
		m, _ := New(Config{})
		if err := m.SendMessage(context.Background(), "", msg); err != nil {
			t.Errorf("disabled: %v", err)
		}
	})
}
