package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHConfig says how to reach hosts through SSH.
type SSHConfig struct {
	// User is the login name.
	User string
	// Port is the SSH server's port (22 when 0).
	Port int
	// KeyFiles are private keys to offer (unencrypted PEM or OpenSSH
	// format); empty: ~/.ssh/id_ed25519, id_ecdsa and id_rsa, those that
	// exist.
	KeyFiles []string
	// KnownHosts is the known_hosts file (empty: ~/.ssh/known_hosts).
	KnownHosts string
	// Timeout bounds the connection and the handshake (10 s when 0).
	Timeout time.Duration
}

// SSH is a host reached through SSH. Its methods may be called from one
// goroutine at a time.
type SSH struct {
	host   string
	client *ssh.Client
}

// DialSSH connects to host with key authentication, checking the host's
// key against the known_hosts file. A key that differs from the one
// recorded, or a host that is not recorded, is refused with a message
// saying what to do.
func DialSSH(ctx context.Context, host string, cfg SSHConfig) (*SSH, error) {
	home, _ := os.UserHomeDir()
	if cfg.Port == 0 {
		cfg.Port = 22
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.KnownHosts == "" {
		cfg.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	keyFiles := cfg.KeyFiles
	if len(keyFiles) == 0 {
		for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
			keyFiles = append(keyFiles, filepath.Join(home, ".ssh", n))
		}
	}
	var signers []ssh.Signer
	var keyErrs []string
	for _, f := range keyFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			if len(cfg.KeyFiles) > 0 {
				keyErrs = append(keyErrs, err.Error())
			}
			continue
		}
		s, err := ssh.ParsePrivateKey(b)
		if err != nil {
			keyErrs = append(keyErrs, fmt.Sprintf("%s: %v", f, err))
			continue
		}
		signers = append(signers, s)
	}
	if len(signers) == 0 {
		return nil, fmt.Errorf("remote: no usable SSH key for %s (tried %s%s); create one with ssh-keygen -t ed25519 -N '' and authorize it on the host",
			host, strings.Join(keyFiles, ", "), joinErrs(keyErrs))
	}
	check, err := knownhosts.New(cfg.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("remote: reading known hosts: %w (add the host's key with ssh-keyscan -p %d %s >> %s after checking its fingerprint)", err, cfg.Port, host, cfg.KnownHosts)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(cfg.Port))
	var keyErr error
	config := &ssh.ClientConfig{
		User: cfg.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signers...)},
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			err := check(hostname, remote, key)
			if err != nil {
				keyErr = hostKeyError(err, host, cfg, key)
				return keyErr
			}
			return nil
		},
		Timeout: cfg.Timeout,
	}
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("remote: connecting to %s: %w", addr, err)
	}
	conn.SetDeadline(time.Now().Add(cfg.Timeout))
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, config)
	if err != nil {
		conn.Close()
		if keyErr != nil {
			return nil, keyErr
		}
		return nil, fmt.Errorf("remote: SSH to %s as %s: %w", addr, cfg.User, err)
	}
	conn.SetDeadline(time.Time{})
	return &SSH{host: host, client: ssh.NewClient(c, chans, reqs)}, nil
}

func joinErrs(errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return "; " + strings.Join(errs, "; ")
}

// hostKeyError explains a refused host key.
func hostKeyError(err error, host string, cfg SSHConfig, key ssh.PublicKey) error {
	fp := ssh.FingerprintSHA256(key)
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		if len(ke.Want) > 0 {
			w := ke.Want[0]
			return fmt.Errorf("remote: the host key of %s (%s) does not match the one in %s:%d; if the host was reinstalled, remove that line (ssh-keygen -R '[%s]:%d') and check the new key; otherwise someone may be intercepting the connection",
				host, fp, w.Filename, w.Line, host, cfg.Port)
		}
		return fmt.Errorf("remote: %s is not in %s (its key is %s); after checking the fingerprint, add it with ssh-keyscan -p %d %s >> %s",
			host, cfg.KnownHosts, fp, cfg.Port, host, cfg.KnownHosts)
	}
	return fmt.Errorf("remote: host key of %s: %w", host, err)
}

// Name implements Host.
func (s *SSH) Name() string { return s.host }

// Run implements Host.
func (s *SSH) Run(ctx context.Context, argv []string, stdin io.Reader) ([]byte, error) {
	sess, err := s.client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("remote: session on %s: %w", s.host, err)
	}
	defer sess.Close()
	var out, errb bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, &out, &errb
	done := make(chan error, 1)
	go func() { done <- sess.Run(Quote(argv)) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		sess.Signal(ssh.SIGKILL)
		sess.Close()
		return nil, fmt.Errorf("remote: %s on %s: %w", argv[0], s.host, ctx.Err())
	}
	if err != nil {
		var ee *ssh.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), &ExitError{Host: s.host, Argv: argv, Status: ee.ExitStatus(), Stderr: errb.String()}
		}
		return nil, fmt.Errorf("remote: %s on %s: %w", argv[0], s.host, err)
	}
	return out.Bytes(), nil
}

// WriteFile implements Host: the data goes through cat into a temporary
// file beside path, which is then renamed over it.
func (s *SSH) WriteFile(ctx context.Context, p string, data []byte, mode os.FileMode) error {
	tmp := path.Join(path.Dir(p), "."+path.Base(p)+".heronctl-tmp")
	script := `set -e; mkdir -p "$1"; cat > "$2"; chmod "$4" "$2"; mv -f "$2" "$3"`
	_, err := s.Run(ctx, []string{"sh", "-c", script, "sh", path.Dir(p), tmp, p, strconv.FormatUint(uint64(mode.Perm()), 8)}, bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("remote: writing %s on %s: %w", p, s.host, err)
	}
	return nil
}

// Sums implements Host with sha256sum.
func (s *SSH) Sums(ctx context.Context, paths []string) (map[string]string, error) {
	out := map[string]string{}
	if len(paths) == 0 {
		return out, nil
	}
	argv := append([]string{"sh", "-c", `for f; do [ -f "$f" ] && sha256sum -- "$f"; done; true`, "sh"}, paths...)
	b, err := s.Run(ctx, argv, nil)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		sum, file, ok := strings.Cut(sc.Text(), "  ")
		if ok && len(sum) == 64 {
			out[file] = sum
		}
	}
	return out, nil
}

// Close implements Host.
func (s *SSH) Close() error { return s.client.Close() }
