package logship

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/rotate"
)

// Rotation of the files a logger writes, as a standalone node's
// logging.Manager rotates its own (internal/logging/rotation.go): on the
// boundaries rotate.Next gives for Log.RotationInterval and
// Log.RotationBaseTime, and when the logger stops writing a path, the
// live file gets its #close line, is renamed to Zeek's rotated name
// (<path>.YYYY-MM-DD-HH-MM-SS.log next to it) and is handed to
// Log.RotationPolicy; the path's next batch starts a new file.
//
// A rotation ("cut") is journaled so that a crash at any point of it
// neither loses nor repeats a record:
//
//  1. the #close line is appended and the file synced (not journaled: a
//     crash here leaves the journal's offset before it, the line is cut
//     off at takeover and the rotation done again);
//  2. the journal records the cut (Cut: the rotated name, the file's
//     length with its #close line, the interval);
//  3. the rotated name is made a hard link to the live file;
//  4. a new empty file, already locked, is renamed over the live name
//     (the writer never lets go of the lock on the live name, so another
//     logger of this host that waits for it cannot slip in);
//  5. the journal moves the cut to Pending, with offset 0 and no header;
//  6. the policy runs in the background; when it returns, Pending loses
//     the file at the next journal save.
//
// A node that takes the path up and finds Cut in the journal repeats
// steps 3–5 as far as they are not done (the rotated name exists or not;
// the live name is the rotated file or not), and hands every Pending file
// whose rotated name still exists to the policy again. The Archiver
// removes the rotated file only after the archive is in place; an archive
// with the same content (from a crash between the two) is recognised, and
// the rotated file is only removed then, so no archive is made twice.

// cutState is a rotation in the journal.
type cutState struct {
	// Rotated is the absolute name of the rotated file.
	Rotated string `json:"rotated"`
	// Size is the length of the file with its #close line.
	Size int64 `json:"size"`
	// Open and Close bound the file's interval (Unix nanoseconds).
	Open  int64 `json:"open"`
	Close int64 `json:"close"`
	// Terminating marks the rotation when the writer stops.
	Terminating bool `json:"terminating,omitempty"`
	// Compressed is the extension of the writer's own compression
	// (LogAscii::gzip_level), "" for a plain file.
	Compressed string `json:"compressed,omitempty"`
}

// rotation is a Logger's rotation settings.
type rotation struct {
	on       bool // files are rotated (an interval or a policy is set)
	interval time.Duration
	base     time.Duration
	policy   rotate.Policy
	start    time.Time // when the logger started: boundaries after it count
}

// newRotation reads the rotation settings of cfg for the logger of c.
// With more than one logger in the layout, an Archiver without a Suffix
// gets the node's name as its Suffix, as Zeek's logger.zeek adds the
// logger's name to archive names when Cluster::nodes holds several.
func newRotation(cfg *logging.Config, c *transport.Conn) (rotation, error) {
	r := rotation{
		on:       cfg.RotationInterval > 0 || cfg.RotationPolicy != nil,
		interval: time.Duration(cfg.RotationInterval),
		policy:   cfg.RotationPolicy,
		start:    cfg.Now(),
	}
	if cfg.RotationInterval < 0 {
		return r, fmt.Errorf("logship: negative rotation interval")
	}
	base, err := rotate.ParseBaseTime(cfg.RotationBaseTime)
	if err != nil {
		return r, fmt.Errorf("logship: log_rotate_base_time: %w", err)
	}
	r.base = base
	if a, ok := r.policy.(*rotate.Archiver); ok && a.Suffix == "" && countLoggers(c.Layout()) > 1 {
		cp := *a
		cp.Suffix = c.Name()
		r.policy = &cp
	}
	return r, nil
}

func countLoggers(l *layout.Layout) int {
	n := 0
	for _, name := range l.Names() {
		if l.Nodes[name].Type == layout.Logger {
			n++
		}
	}
	return n
}

// due returns when the file opened at open rotates (zero: only when the
// writer stops).
func (r *rotation) due(open time.Time) time.Time {
	if r.interval <= 0 {
		return time.Time{}
	}
	return rotate.Next(open, r.interval, r.base)
}

// openTime returns the start of the interval of a file whose header is
// written at now: the last rotation boundary if the logger has passed one
// since it started, else now — what a standalone node names the file
// after (its last rotation, or its start).
func (r *rotation) openTime(now time.Time) time.Time {
	if r.interval <= 0 {
		return now
	}
	// Gaps between boundaries are at most one interval (the daily anchor
	// only shortens one), so one lies in (now-interval, now].
	b := rotate.Next(now.Add(-r.interval), r.interval, r.base)
	for {
		n := rotate.Next(b, r.interval, r.base)
		if n.After(now) {
			break
		}
		b = n
	}
	if b.After(now) || !b.After(r.start) {
		return now
	}
	return b
}

// unixTime turns journaled nanoseconds into a time in loc.
func unixTime(ns int64, loc *time.Location) time.Time {
	return time.Unix(0, ns).In(loc)
}

// rotatedName returns Zeek's name for the live file name rotated with
// its interval opened at open, avoiding an existing file (a second cut of
// the same second gets ".1", … before the extension).
func (lg *Logger) rotatedName(name, path string, open time.Time, compressed string) string {
	ext := "." + lg.o.Log.LogSuffix
	if compressed != "" {
		ext += "." + compressed
	}
	stem := filepath.Join(filepath.Dir(name), rotate.RotatedName(filepath.Base(path), open))
	cand := stem + ext
	for n := 1; n < 1000; n++ {
		if _, err := os.Lstat(cand); errors.Is(err, fs.ErrNotExist) {
			break
		}
		cand = fmt.Sprintf("%s.%d%s", stem, n, ext)
	}
	return cand
}

// cut rotates the live file of out (if it has a header) with close time
// closeAt: steps 1–5 above, then the policy in the background.
func (pr *pathRun) cut(out *outFile, st *journalState, name string, closeAt time.Time, terminating bool) error {
	if !out.started {
		return nil
	}
	lg := pr.lg
	now := lg.o.Log.Now()
	if p := out.format.AppendFooter(nil, now); len(p) > 0 {
		if err := out.commit(p); err != nil {
			return err
		}
	}
	if hook("cut-closed") {
		return errCrashed
	}
	open := now
	if st.Open != 0 {
		open = unixTime(st.Open, now.Location())
	}
	compressed := ""
	if ext := "." + lg.o.Log.LogSuffix; !strings.HasSuffix(name, ext) {
		compressed = strings.TrimPrefix(filepath.Ext(name), ".")
	}
	st.Cut = &cutState{
		Rotated: lg.rotatedName(name, pr.path, open, compressed),
		Size:    out.off, Open: open.UnixNano(), Close: closeAt.UnixNano(),
		Terminating: terminating, Compressed: compressed,
	}
	if err := saveJournal(lg.o.JournalDir, pr.token, st); err != nil {
		return err
	}
	if hook("cut-journaled") {
		return errCrashed
	}
	return pr.finishCut(out, st, name)
}

// finishCut does what remains of the journaled cut st.Cut (steps 3–5)
// and starts the policy on the rotated file. out.f is the locked live
// file.
func (pr *pathRun) finishCut(out *outFile, st *journalState, name string) error {
	lg := pr.lg
	c := st.Cut
	linked := false
	switch _, err := os.Lstat(c.Rotated); {
	case err == nil:
		linked = true
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("rotate %s: %w", name, err)
	}
	swapped := false
	if linked {
		same, err := sameFile(out.f, c.Rotated)
		if err != nil {
			return err
		}
		swapped = !same
	} else {
		fi, err := out.f.Stat()
		if err != nil {
			return err
		}
		if fi.Size() < c.Size {
			// Neither the rotated file nor the closed live file is
			// there: someone moved it away. Nothing is left to rotate.
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: the file being rotated is gone (%d bytes of %d); starting a new one", lg.c.Name(), pr.path, fi.Size(), c.Size))
			swapped = true
			c = nil
		}
	}
	if !swapped {
		if err := out.f.Truncate(c.Size); err != nil {
			return fmt.Errorf("rotate %s: %w", name, err)
		}
		if !linked {
			if err := os.Link(name, c.Rotated); err != nil {
				return fmt.Errorf("rotate %s: %w", name, err)
			}
			if err := syncDir(filepath.Dir(name)); err != nil {
				return fmt.Errorf("rotate %s: %w", name, err)
			}
			if hook("cut-linked") {
				return errCrashed
			}
		}
		nf, err := swapIn(name)
		if err != nil {
			return err
		}
		out.f.Close()
		out.f = nf
		if hook("cut-swapped") {
			return errCrashed
		}
	}
	st.Cut = nil
	if c != nil && lg.rot.policy != nil {
		st.Pending = append(st.Pending, *c)
	}
	st.Offset, st.Schema, st.Open = 0, nil, 0
	if err := saveJournal(lg.o.JournalDir, pr.token, st); err != nil {
		return err
	}
	out.reset()
	if hook("cut-done") {
		return errCrashed
	}
	if c != nil && lg.rot.policy != nil {
		pr.handOver(*c, false)
	}
	return nil
}

// swapIn puts a new empty file, locked, in place of the live file name.
func swapIn(name string) (*os.File, error) {
	dir := filepath.Dir(name)
	tmp := filepath.Join(dir, "."+filepath.Base(name)+".new")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rotate %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("rotate %s: lock the new file: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		f.Close()
		return nil, fmt.Errorf("rotate %s: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("rotate %s: %w", name, err)
	}
	return f, nil
}

// sameFile reports whether f is the file called name.
func sameFile(f *os.File, name string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}

// handOver runs the policy on the rotated file of c in the background;
// again says that c comes from the journal of an earlier writer, which
// may have archived it already.
func (pr *pathRun) handOver(c cutState, again bool) {
	lg := pr.lg
	loc := lg.o.Log.Now().Location()
	f := rotate.File{
		Name: c.Rotated, Path: filepath.Base(pr.path), Ext: lg.o.Log.LogSuffix, Compressed: c.Compressed,
		Open: unixTime(c.Open, loc), Close: unixTime(c.Close, loc), Terminating: c.Terminating,
	}
	pr.pp.Add(1)
	go func() {
		defer pr.pp.Done()
		var err error
		if _, serr := os.Lstat(f.Name); errors.Is(serr, fs.ErrNotExist) {
			// Handed over before, and the policy has taken it.
		} else if a, ok := lg.rot.policy.(*rotate.Archiver); ok && again && archivedBefore(a, f) {
			err = os.Remove(f.Name)
		} else {
			err = lg.rot.policy.Rotated(f)
		}
		if err != nil {
			lg.o.Warn(fmt.Sprintf("logship: %s: %s: rotation policy: %v", lg.c.Name(), pr.path, err))
			return // still pending: handed over again at the next takeover
		}
		pr.ppMu.Lock()
		pr.ppDone = append(pr.ppDone, c.Rotated)
		pr.ppMu.Unlock()
	}()
}

// settle removes from st.Pending the files the policy has finished with
// and saves the journal if it changed.
func (pr *pathRun) settle(st *journalState) error {
	pr.ppMu.Lock()
	done := pr.ppDone
	pr.ppDone = nil
	pr.ppMu.Unlock()
	if len(done) == 0 {
		return nil
	}
	if hook("archived") {
		return errCrashed
	}
	keep := st.Pending[:0]
	for _, c := range st.Pending {
		gone := false
		for _, d := range done {
			if c.Rotated == d {
				gone = true
				break
			}
		}
		if !gone {
			keep = append(keep, c)
		}
	}
	st.Pending = keep
	if len(st.Pending) == 0 {
		st.Pending = nil
	}
	return saveJournal(pr.lg.o.JournalDir, pr.token, st)
}

// archivedBefore reports whether a holds an archive of f with f's
// content: the name a gives f, or one with a counter, as Archiver.Archive
// picks when the name is taken.
func archivedBefore(a *rotate.Archiver, f rotate.File) bool {
	dest := filepath.Join(a.LogDir, filepath.FromSlash(a.Name(f)))
	base := filepath.Base(dest)
	ext := "." + f.Ext
	if f.Ext == "" {
		ext = ".log"
	}
	i := strings.LastIndex(base, ext)
	if i < 0 {
		i = len(base)
	}
	stem, tail := base[:i], base[i:]
	for n := 0; n < 1000; n++ {
		cand := dest
		if n > 0 {
			cand = filepath.Join(filepath.Dir(dest), fmt.Sprintf("%s.%d%s", stem, n, tail))
		}
		if _, err := os.Lstat(cand); err != nil {
			return false
		}
		if sameContent(a, f, cand) {
			return true
		}
	}
	return false
}

// sameContent reports whether the archive holds exactly f's bytes.
func sameContent(a *rotate.Archiver, f rotate.File, archive string) bool {
	af, err := os.Open(archive)
	if err != nil {
		return false
	}
	defer af.Close()
	src, err := os.Open(f.Name)
	if err != nil {
		return false
	}
	defer src.Close()
	var r io.Reader = af
	if f.Compressed == "" {
		switch a.Compression {
		case rotate.Gzip:
			zr, err := gzip.NewReader(af)
			if err != nil {
				return false
			}
			r = zr
		case rotate.Zstd:
			zr, err := zstd.NewReader(af, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return false
			}
			defer zr.Close()
			r = zr
		}
	}
	return sameStream(r, src)
}

// sameStream reports whether a and b yield the same bytes.
func sameStream(a, b io.Reader) bool {
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		aEnd := ea == io.EOF || ea == io.ErrUnexpectedEOF
		bEnd := eb == io.EOF || eb == io.ErrUnexpectedEOF
		if ea != nil && !aEnd || eb != nil && !bEnd {
			return false
		}
		if aEnd || bEnd {
			return aEnd && bEnd
		}
	}
}

// hook reports whether the test's crashHook asks for a crash at stage.
func hook(stage string) bool { return crashHook != nil && crashHook(stage) }
