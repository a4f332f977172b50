package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Host is a machine heronctl acts on.
type Host interface {
	// Name is the host as node.cfg names it.
	Name() string
	// Run runs argv on the host with stdin (nil: none) and returns its
	// standard output and error. A command that exits non-zero returns
	// an *ExitError with what it wrote to standard error.
	Run(ctx context.Context, argv []string, stdin io.Reader) (stdout []byte, err error)
	// WriteFile replaces path atomically (a temporary file renamed over
	// it) with data, creating the directories above it. data is only read
	// during the call.
	WriteFile(ctx context.Context, path string, data []byte, mode os.FileMode) error
	// Sums returns the SHA-256 (hex) of each of paths that exists and is
	// a regular file.
	Sums(ctx context.Context, paths []string) (map[string]string, error)
	// Close releases the connection.
	Close() error
}

// ExitError is a command that ran and failed.
type ExitError struct {
	Host   string
	Argv   []string
	Status int // -1 when killed by a signal or the status is unknown
	Stderr string
}

func (e *ExitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", e.Status)
	}
	return fmt.Sprintf("remote: %s on %s: %s", filepath.Base(e.Argv[0]), e.Host, msg)
}

// IsLocal tells whether a node.cfg host is this machine: localhost,
// 127.0.0.1, ::1, or this machine's host name. Other loopback addresses
// (127.0.0.2) count as other hosts, which tests use to reach this machine
// through SSH.
func IsLocal(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	h, err := os.Hostname()
	return err == nil && strings.EqualFold(h, host)
}

// Local is this machine.
type Local struct {
	// HostName is the host as node.cfg names it.
	HostName string
}

// Name implements Host.
func (l *Local) Name() string { return l.HostName }

// Run implements Host.
func (l *Local) Run(ctx context.Context, argv []string, stdin io.Reader) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), &ExitError{Host: l.HostName, Argv: argv, Status: ee.ExitCode(), Stderr: errb.String()}
		}
		return nil, fmt.Errorf("remote: %s on %s: %w", argv[0], l.HostName, err)
	}
	return out.Bytes(), nil
}

// WriteFile implements Host.
func (l *Local) WriteFile(_ context.Context, path string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("remote: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("remote: %w", err)
	}
	_, err = tmp.Write(data)
	if err2 := tmp.Close(); err == nil {
		err = err2
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("remote: writing %s: %w", path, err)
	}
	return nil
}

// Sums implements Host.
func (l *Local) Sums(_ context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range paths {
		sum, err := FileSum(p)
		if err == nil {
			out[p] = sum
		}
	}
	return out, nil
}

// FileSum returns the SHA-256 of a regular file, in hex.
func FileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("remote: %s is not a regular file", path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Close implements Host.
func (l *Local) Close() error { return nil }

// Quote quotes argv for a POSIX shell.
func Quote(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			b.WriteString(a)
			continue
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}
