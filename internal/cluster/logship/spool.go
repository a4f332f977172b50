package logship

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The spool is a bounded first-in first-out queue of batches on disk, in
// segment files <dir>/<id>.seg (id: 16 hex digits, growing). A segment is
// a sequence of frames:
//
//	u32 length (little endian) | u32 CRC-32C of the payload | payload
//
// The file <dir>/head holds "<id> <offset>": where the oldest unsent frame
// starts. It is saved at most once a second and at close, so after a crash
// a few frames may be sent again; receivers drop such repeats (see
// docs/format/log-transport.md). Segments are synced to disk when they are
// full and at close.

var (
	errSpoolFull    = errors.New("logship: spool full")
	errSpoolCorrupt = errors.New("logship: corrupt spool frame")
)

const (
	frameHeader = 8
	maxFrame    = 64 << 20
)

type spool struct {
	dir    string
	max    int64 // bound on the bytes of all segments
	segMax int64 // size at which a segment is closed

	segs  []uint64         // segment ids, oldest first
	sizes map[uint64]int64 // their sizes
	size  atomic.Int64     // total bytes of all segments

	tail *os.File // the newest segment, for appending

	headOff  int64    // offset of the oldest unsent frame in segs[0]
	headF    *os.File // segs[0], for reading
	pending  []byte   // the frame peek returned, until pop
	headSave time.Time
	dirty    bool
}

func segName(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%016x.seg", id))
}

// openSpool opens (or creates) the spool in dir, bounded by max bytes.
func openSpool(dir string, max int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("logship: spool: %w", err)
	}
	s := &spool{dir: dir, max: max, segMax: min(max/4+1, 8<<20), sizes: map[uint64]int64{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("logship: spool: %w", err)
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok || len(name) != 16 {
			continue
		}
		id, err := strconv.ParseUint(name, 16, 64)
		if err != nil {
			continue
		}
		s.segs = append(s.segs, id)
	}
	sort.Slice(s.segs, func(i, j int) bool { return s.segs[i] < s.segs[j] })
	hid, hoff := s.readHead()
	for len(s.segs) > 0 && s.segs[0] < hid {
		os.Remove(segName(dir, s.segs[0]))
		s.segs = s.segs[1:]
	}
	if len(s.segs) > 0 && s.segs[0] == hid {
		s.headOff = hoff
	}
	if len(s.segs) == 0 {
		s.segs = []uint64{max64(hid, 1)}
		s.headOff = 0
	}
	for _, id := range s.segs {
		fi, err := os.Stat(segName(dir, id))
		switch {
		case errors.Is(err, os.ErrNotExist):
			s.sizes[id] = 0
		case err != nil:
			return nil, fmt.Errorf("logship: spool: %w", err)
		default:
			s.sizes[id] = fi.Size()
		}
	}
	// A crash may have left a torn frame at the end: cut it off.
	last := s.segs[len(s.segs)-1]
	end, err := validEnd(segName(dir, last))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(segName(dir, last), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("logship: spool: %w", err)
	}
	if end != s.sizes[last] {
		if err := f.Truncate(end); err != nil {
			f.Close()
			return nil, fmt.Errorf("logship: spool: %w", err)
		}
		s.sizes[last] = end
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("logship: spool: %w", err)
	}
	s.tail = f
	if s.headOff > s.sizes[s.segs[0]] {
		s.headOff = s.sizes[s.segs[0]]
	}
	var total int64
	for _, n := range s.sizes {
		total += n
	}
	s.size.Store(total)
	if s.empty() {
		s.reset()
	}
	return s, nil
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// validEnd returns the length of the longest prefix of whole, valid
// frames in a segment file.
func validEnd(name string) (int64, error) {
	f, err := os.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("logship: spool: %w", err)
	}
	defer f.Close()
	var off int64
	var hdr [frameHeader]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(f, hdr[:]); err != nil {
			return off, nil
		}
		n := int64(binary.LittleEndian.Uint32(hdr[:4]))
		if n > maxFrame {
			return off, nil
		}
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(f, buf); err != nil {
			return off, nil
		}
		if crc32.Checksum(buf, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return off, nil
		}
		off += frameHeader + n
	}
}

func (s *spool) readHead() (uint64, int64) {
	b, err := os.ReadFile(filepath.Join(s.dir, "head"))
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0
	}
	id, err1 := strconv.ParseUint(f[0], 16, 64)
	off, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || off < 0 {
		return 0, 0
	}
	return id, off
}

// saveHead records the head position (atomically, by rename).
func (s *spool) saveHead() error {
	s.dirty = false
	s.headSave = time.Now()
	name := filepath.Join(s.dir, "head")
	tmp := name + ".tmp"
	data := fmt.Sprintf("%016x %d\n", s.segs[0], s.headOff)
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	return nil
}

// empty reports whether no frame waits.
func (s *spool) empty() bool {
	return len(s.segs) == 1 && s.headOff >= s.sizes[s.segs[0]]
}

// bytes returns the spool's size on disk.
func (s *spool) bytes() int64 { return s.size.Load() }

// reset empties a drained spool: the single segment is cut to nothing.
func (s *spool) reset() {
	id := s.segs[0]
	if s.sizes[id] == 0 && s.headOff == 0 {
		return
	}
	if s.headF != nil {
		s.headF.Close()
		s.headF = nil
	}
	if err := s.tail.Truncate(0); err == nil {
		s.tail.Seek(0, io.SeekStart)
		s.size.Add(-s.sizes[id])
		s.sizes[id] = 0
		s.headOff = 0
	}
	s.saveHead()
}

// append adds a frame; errSpoolFull when it would exceed the bound.
func (s *spool) append(p []byte) error {
	n := int64(frameHeader + len(p))
	if len(p) > maxFrame {
		return fmt.Errorf("logship: spool: batch of %d bytes", len(p))
	}
	if s.size.Load()+n > s.max {
		return errSpoolFull
	}
	last := s.segs[len(s.segs)-1]
	if s.sizes[last] > 0 && s.sizes[last]+n > s.segMax {
		if err := s.rotate(); err != nil {
			return err
		}
		last = s.segs[len(s.segs)-1]
	}
	buf := make([]byte, frameHeader, n)
	binary.LittleEndian.PutUint32(buf[:4], uint32(len(p)))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(p, crcTable))
	buf = append(buf, p...)
	if _, err := s.tail.Write(buf); err != nil {
		// Cut what may have been written, so that the segment stays
		// whole.
		s.tail.Truncate(s.sizes[last])
		s.tail.Seek(s.sizes[last], io.SeekStart)
		return fmt.Errorf("logship: spool: %w", err)
	}
	s.sizes[last] += n
	s.size.Add(n)
	return nil
}

// rotate syncs the tail segment and starts a new one.
func (s *spool) rotate() error {
	if err := s.tail.Sync(); err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	id := s.segs[len(s.segs)-1] + 1
	f, err := os.OpenFile(segName(s.dir, id), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	s.tail.Close() // a head segment is read through headF
	s.tail = f
	s.segs = append(s.segs, id)
	s.sizes[id] = 0
	return nil
}

// peek returns the oldest frame's payload without removing it; io.EOF
// when the spool is empty. A corrupt frame makes the rest of its segment
// unreadable: peek drops it and returns errSpoolCorrupt.
func (s *spool) peek() ([]byte, error) {
	if s.pending != nil {
		return s.pending, nil
	}
	for {
		if s.empty() {
			return nil, io.EOF
		}
		head := s.segs[0]
		if s.headOff >= s.sizes[head] {
			s.dropHead()
			continue
		}
		if s.headF == nil {
			f, err := os.Open(segName(s.dir, head))
			if err != nil {
				return nil, fmt.Errorf("logship: spool: %w", err)
			}
			s.headF = f
		}
		var hdr [frameHeader]byte
		if _, err := s.headF.ReadAt(hdr[:], s.headOff); err != nil {
			return nil, s.corrupt()
		}
		n := int64(binary.LittleEndian.Uint32(hdr[:4]))
		if n > maxFrame || s.headOff+frameHeader+n > s.sizes[head] {
			return nil, s.corrupt()
		}
		p := make([]byte, n)
		if _, err := s.headF.ReadAt(p, s.headOff+frameHeader); err != nil {
			return nil, s.corrupt()
		}
		if crc32.Checksum(p, crcTable) != binary.LittleEndian.Uint32(hdr[4:]) {
			return nil, s.corrupt()
		}
		s.pending = p
		return p, nil
	}
}

// corrupt skips the rest of the head segment.
func (s *spool) corrupt() error {
	s.headOff = s.sizes[s.segs[0]]
	if len(s.segs) > 1 {
		s.dropHead()
	} else {
		s.reset()
	}
	return errSpoolCorrupt
}

// dropHead removes the fully read head segment (never the tail).
func (s *spool) dropHead() {
	if len(s.segs) == 1 {
		s.reset()
		return
	}
	id := s.segs[0]
	if s.headF != nil {
		s.headF.Close()
		s.headF = nil
	}
	os.Remove(segName(s.dir, id))
	s.size.Add(-s.sizes[id])
	delete(s.sizes, id)
	s.segs = s.segs[1:]
	s.headOff = 0
	s.dirty = true
}

// pop removes the frame peek returned.
func (s *spool) pop() {
	if s.pending == nil {
		return
	}
	s.headOff += frameHeader + int64(len(s.pending))
	s.pending = nil
	s.dirty = true
	if s.headOff >= s.sizes[s.segs[0]] {
		if len(s.segs) > 1 {
			s.dropHead()
		} else {
			s.reset()
		}
	}
	if s.dirty && time.Since(s.headSave) > time.Second {
		s.saveHead()
	}
}

// close syncs the spool and records the head.
func (s *spool) close() error {
	err := s.tail.Sync()
	if cerr := s.tail.Close(); err == nil {
		err = cerr
	}
	if s.headF != nil {
		s.headF.Close()
	}
	if herr := s.saveHead(); err == nil {
		err = herr
	}
	if err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	return nil
}
