package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

// Hosts returns the hosts of the cluster in the order their first node
// starts.
func Hosts(c *config.Cluster) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range c.Nodes {
		if !seen[n.Host] {
			seen[n.Host] = true
			out = append(out, n.Host)
		}
	}
	return out
}

// Plans returns the supervisor plan of every host.
func Plans(c *config.Cluster) map[string]*supervise.Plan {
	s := c.Settings
	plans := map[string]*supervise.Plan{}
	for _, n := range c.Nodes {
		p := plans[n.Host]
		if p == nil {
			p = &supervise.Plan{
				Host:            n.Host,
				Heron:           s.String("Zeek"),
				Layout:          LayoutPath(s.String("SpoolDir")),
				SpoolDir:        s.String("SpoolDir"),
				LogDir:          s.String("LogDir"),
				StopTimeout:     s.Int("StopTimeout"),
				Args:            strings.Fields(s.String("ZeekArgs")),
				CrashExpireDays: s.Int("CrashExpireInterval"),
			}
			if s.Bool("StopWait") {
				p.StopTimeout = -1 // wait as long as it takes
			}
			if to := s.String("MailTo"); to != "" && (s.String("SendMail") != "" || s.String("MailSMTPServer") != "") {
				p.Mail = &supervise.Mail{
					From: s.String("MailFrom"), To: to, ReplyTo: s.String("MailReplyTo"), SubjectPrefix: s.String("MailSubjectPrefix"),
					SendMail: s.String("SendMail"), SMTPServer: s.String("MailSMTPServer"), SMTPPort: s.Int("MailSMTPPort"),
					TLS: s.String("MailSMTPTLS"), User: s.String("MailSMTPUser"), Password: s.String("MailSMTPPassword"),
				}
			}
			plans[n.Host] = p
		}
		p.Nodes = append(p.Nodes, supervise.PlanNode{Name: n.Name, Type: n.Type, Env: n.Env, Finite: n.Read != ""})
	}
	return plans
}

// HeronctlPath is where heronctl is installed on every host.
func HeronctlPath(c *config.Cluster) string {
	return filepath.Join(c.Settings.String("BinDir"), "heronctl")
}

// File is one file install puts on a host.
type File struct {
	// Path is where it goes on the host.
	Path string `json:"path"`
	// Mode is its permission bits.
	Mode os.FileMode `json:"-"`
	// Data is its content; install reads it only.
	Data []byte `json:"-"`
	// Sum is the SHA-256 of Data, in hex.
	Sum string `json:"sha256"`
}

func newFile(path string, mode os.FileMode, data []byte) File {
	s := sha256.Sum256(data)
	return File{Path: path, Mode: mode, Data: data, Sum: hex.EncodeToString(s[:])}
}

// Files returns what install puts on host: heron (the Zeek option's
// program), heronctl (self, the running program), the layout, the host's
// supervisor plan, networks.cfg, the site policy files and the signature
// files it loads (as SignatureNames names them), under the install
// directory.
func Files(c *config.Cluster, l *layout.Layout, host, self string) ([]File, error) {
	s := c.Settings
	var out []File
	add := func(src, dst string, mode os.FileMode) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("deploy: %w", err)
		}
		out = append(out, newFile(dst, mode, b))
		return nil
	}
	if err := add(s.String("Zeek"), s.String("Zeek"), 0o755); err != nil {
		return nil, fmt.Errorf("%w (build heron and put it there, or set Zeek in heronctl.cfg)", err)
	}
	if err := add(self, HeronctlPath(c), 0o755); err != nil {
		return nil, err
	}
	lb, err := EncodeLayout(l)
	if err != nil {
		return nil, err
	}
	spool := s.String("SpoolDir")
	out = append(out, newFile(LayoutPath(spool), 0o644, lb))
	plan := Plans(c)[host]
	if plan == nil {
		return nil, fmt.Errorf("deploy: no node runs on %s", host)
	}
	pb, _ := json.MarshalIndent(plan, "", "  ")
	// The plan may hold the SMTP password: only the owner reads it.
	out = append(out, newFile(PlanPath(spool), 0o600, append(pb, '\n')))
	out = append(out, MailPassword(c, l)...)
	if c.Files.Networks != "" {
		if err := add(c.Files.Networks, filepath.Join(InstallDir(spool), "networks.cfg"), 0o644); err != nil {
			return nil, err
		}
	}
	sigs := SignatureNames(c)
	srcs := make([]string, 0, len(sigs))
	for src := range sigs {
		srcs = append(srcs, src)
	}
	slices.Sort(srcs)
	for _, src := range srcs {
		if err := add(src, filepath.Join(InstallDir(spool), filepath.FromSlash(sigs[src])), 0o644); err != nil {
			return nil, err
		}
	}
	for _, f := range c.Files.SitePolicy {
		if err := add(f, filepath.Join(InstallDir(spool), "site", filepath.Base(f)), 0o644); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HostResult is what install did on one host.
type HostResult struct {
	Host      string   `json:"host"`
	Copied    []string `json:"copied"`
	Unchanged []string `json:"unchanged"`
	Error     string   `json:"error,omitempty"`
}

// Install puts files on h, copying only those whose SHA-256 on the host
// differs.
func Install(ctx context.Context, h remote.Host, files []File) (*HostResult, error) {
	res := &HostResult{Host: h.Name(), Copied: []string{}, Unchanged: []string{}}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	sums, err := h.Sums(ctx, paths)
	if err != nil {
		return res, fmt.Errorf("deploy: checksums on %s: %w", h.Name(), err)
	}
	for _, f := range files {
		if sums[f.Path] == f.Sum {
			res.Unchanged = append(res.Unchanged, f.Path)
			continue
		}
		if err := h.WriteFile(ctx, f.Path, f.Data, f.Mode); err != nil {
			return res, fmt.Errorf("deploy: %w", err)
		}
		res.Copied = append(res.Copied, f.Path)
	}
	return res, nil
}
