package rotate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Expirer deletes expired archives, as zeekctl's expire-logs script does:
// regular files anywhere below a dated directory (one named YYYY-MM-DD)
// under LogDir that were last modified more than MaxAge ago, except those
// whose base names match a Keep pattern; then dated directories left
// empty. Symbolic links (such as <LogDir>/current) are neither followed nor
// removed.
type Expirer struct {
	// LogDir is the archive's root.
	LogDir string
	// MaxAge is zeekctl's LogExpireInterval; 0 expires nothing.
	MaxAge time.Duration
	// Keep holds shell patterns (KeepLogs) matched against file names.
	Keep []string
	// Now gives the current time; nil is time.Now.
	Now func() time.Time
}

// Expired says what one Expire pass removed.
type Expired struct {
	Files []string // files removed
	Dirs  []string // dated directories removed
}

// KeepPatterns splits zeekctl's KeepLogs setting (space-separated shell
// patterns) and checks each pattern.
func KeepPatterns(keepLogs string) ([]string, error) {
	pats := strings.Fields(keepLogs)
	for _, p := range pats {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("rotate: KeepLogs pattern %q: %w", p, err)
		}
	}
	return pats, nil
}

// isDated tells whether name has the form YYYY-MM-DD.
func isDated(name string) bool {
	if len(name) != 10 || name[4] != '-' || name[7] != '-' {
		return false
	}
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		if name[i] < '0' || name[i] > '9' {
			return false
		}
	}
	return true
}

func (e *Expirer) kept(name string) bool {
	for _, p := range e.Keep {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// Expire runs one pass. It goes on after errors and returns the first.
func (e *Expirer) Expire() (Expired, error) {
	var res Expired
	if e.MaxAge <= 0 {
		return res, nil
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	cutoff := now().Add(-e.MaxAge)
	var first error
	keep := func(err error) {
		if first == nil && err != nil {
			first = err
		}
	}
	var dated []string
	root := filepath.Clean(e.LogDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			keep(fmt.Errorf("rotate: expire: %w", err))
			return nil
		}
		if p == root {
			return nil
		}
		if d.IsDir() {
			if isDated(d.Name()) {
				dated = append(dated, p)
			}
			return nil
		}
		if !d.Type().IsRegular() || !underDated(root, p) || e.kept(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				keep(fmt.Errorf("rotate: expire: %w", err))
			}
			return nil
		}
		if !info.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			keep(fmt.Errorf("rotate: expire: %w", err))
			return nil
		}
		res.Files = append(res.Files, p)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("rotate: expire %s: %w", e.LogDir, err)
	}
	// Deepest first, so nested dated directories go before their parents.
	sort.Slice(dated, func(i, j int) bool { return len(dated[i]) > len(dated[j]) })
	for _, d := range dated {
		if os.Remove(d) == nil { // fails, as it should, for non-empty ones
			res.Dirs = append(res.Dirs, d)
		}
	}
	return res, first
}

// underDated tells whether p lies below a dated directory under root.
func underDated(root, p string) bool {
	rel, err := filepath.Rel(root, filepath.Dir(p))
	if err != nil || rel == "." {
		return false
	}
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if isDated(part) {
			return true
		}
	}
	return false
}

// Run calls Expire at once and then every interval until ctx is done,
// passing each pass's outcome to report (which may be nil). It returns
// when ctx is done.
func (e *Expirer) Run(ctx context.Context, every time.Duration, report func(Expired, error)) {
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := e.Expire()
		if report != nil {
			report(res, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
