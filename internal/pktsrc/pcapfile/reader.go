package pcapfile

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Buffer sizes. The reader reads its input defaultBufSize bytes at a time
// and grows the buffer only for a record that does not fit.
const (
	defaultBufSize = 1 << 20
	minBufSize     = 4 << 10
)

// Magic numbers, as read little-endian from the first four bytes.
const (
	magicMicro     = 0xa1b2c3d4 // classic pcap, microsecond timestamps
	magicNano      = 0xa1b23c4d // classic pcap, nanosecond timestamps
	magicKuznetzov = 0xa1b2cd34 // classic pcap with 24-byte record headers
	magicPcapNG    = 0x0a0d0d0a // pcapng Section Header Block type
	magicByteOrder = 0x1a2b3c4d // pcapng byte-order magic
)

type format uint8

const (
	formatPcap format = iota + 1
	formatPcapNG
)

// Reader reads frames from a pcap or pcapng trace, possibly
// gzip-compressed. It implements pktsrc.Source and pktsrc.Progress. A
// Reader is not safe for concurrent use.
type Reader struct {
	name   string // for error messages; "" when unnamed
	cr     *countingReader
	src    io.Reader // cr, or a gzip reader on top of it
	gz     *gzip.Reader
	closer io.Closer // the file Open opened, nil otherwise
	size   int64

	// buf[r:w] is read but not yet consumed; buf[0] is at offset base of
	// the (decompressed) input.
	buf     []byte
	r, w    int
	base    int64
	eof     bool  // src has no more data
	gzTrunc bool  // the gzip stream ended early
	readErr error // why src has no more data, when not the end of input
	err     error // returned by every Next after the first error

	format   format
	be       bool // the current section is big-endian
	swapHdrs bool // pseudo-headers need converting to host order
	linkType uint32
	snaplen  uint32

	// Classic pcap.
	hdrLen  int    // 16, or 24 for Kuznetzov's format
	fracMul int64  // ns per timestamp fraction unit: 1000 or 1
	lenSwap uint8  // lensNormal, lensSwapped or lensMaybeSwapped
	maxCap  uint32 // largest acceptable capture length

	// pcapng.
	ifaces   []iface // interfaces of all sections read so far
	secBase  int     // index in ifaces of the current section's interface 0
	maxBlock uint32  // largest acceptable block
}

// Interface statically checks the Reader against the interfaces it serves.
var (
	_ pktsrc.Source   = (*Reader)(nil)
	_ pktsrc.Progress = (*Reader)(nil)
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Open opens the trace file at path; "-" reads standard input. The file is
// closed by Close.
func Open(path string) (*Reader, error) {
	if path == "-" {
		return newReader(os.Stdin, 0, "-")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pcapfile: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("pcapfile: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("pcapfile: %s: is a directory, not a trace file", path)
	}
	var size int64
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	rd, err := newReader(f, size, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	rd.closer = f
	return rd, nil
}

// NewReader reads a trace from r. size is the input's length in bytes (of
// the compressed data, for a gzip stream), or 0 when unknown; it is used
// only by Position and to size the buffer. Close does not close r.
func NewReader(r io.Reader, size int64) (*Reader, error) {
	return newReader(r, size, "")
}

func newReader(src io.Reader, size int64, name string) (*Reader, error) {
	rd := &Reader{name: name, size: size, cr: &countingReader{r: src}}
	rd.src = rd.cr

	var head [4]byte
	n, err := io.ReadFull(rd.cr, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, rd.ioErr(err)
	}
	bufSize := defaultBufSize
	if n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(io.MultiReader(bytes.NewReader(head[:n]), rd.cr))
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("%sgzip header %w", rd.prefix(), pktsrc.ErrTruncated)
			}
			return nil, fmt.Errorf("%s%w", rd.prefix(), err) // "gzip: ..."
		}
		rd.gz = gz
		rd.src = gz
		if size > 0 && size < int64(bufSize/4) {
			bufSize = max(int(size)*4, minBufSize)
		}
		rd.buf = make([]byte, bufSize)
	} else {
		if size > 0 && size < int64(bufSize) {
			bufSize = max(int(size), minBufSize)
		}
		rd.buf = make([]byte, bufSize)
		rd.w = copy(rd.buf, head[:n])
		if n < len(head) {
			rd.eof = true
		}
	}

	rd.fill(4)
	if rd.w < 4 {
		if rd.readErr != nil {
			return nil, rd.readErr
		}
		if rd.gzTrunc {
			return nil, rd.truncated("file header", 0, 4)
		}
		if rd.w == 0 {
			return nil, fmt.Errorf("%snot a pcap or pcapng file (empty)", rd.prefix())
		}
		return nil, fmt.Errorf("%snot a pcap or pcapng file (only %d bytes)", rd.prefix(), rd.w)
	}
	switch le := binary.LittleEndian.Uint32(rd.buf); le {
	case magicMicro, magicNano, magicKuznetzov:
		err = rd.openPcap(le, false)
	case swap32(magicMicro), swap32(magicNano), swap32(magicKuznetzov):
		err = rd.openPcap(swap32(le), true)
	case magicPcapNG:
		err = rd.openPcapNG()
	default:
		return nil, fmt.Errorf("%snot a pcap or pcapng file (magic 0x%08x)", rd.prefix(), binary.BigEndian.Uint32(rd.buf))
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

func swap32(v uint32) uint32 {
	return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24
}

// Next fills f with the next frame. f.Data points into the Reader's buffer
// and is valid only until the next call to Next or Close. Next returns
// io.EOF at the end of the trace, an error wrapping pktsrc.ErrTruncated
// when the input ends inside a record, and another error for a corrupt
// trace or a failed read; the offsets such errors give count bytes of the
// decompressed input. Once Next has returned an error it returns the same
// error again.
func (r *Reader) Next(f *pktsrc.Frame) error {
	if r.err != nil {
		return r.err
	}
	var err error
	if r.format == formatPcap {
		err = r.nextPcap(f)
	} else {
		err = r.nextPcapNG(f)
	}
	if err != nil {
		r.err = err
	}
	return err
}

// LinkType returns the LINKTYPE_ value of the trace's first interface (the
// file's link type for classic pcap), or 0 for a pcapng file that has no
// interface.
func (r *Reader) LinkType() uint32 { return r.linkType }

// Snaplen returns the snapshot length of the trace's first interface as
// libpcap reports it: the value in the file, or the maximum for the link
// type when the file says 0 (no limit). It is 0 for a pcapng file that has
// no interface.
func (r *Reader) Snaplen() uint32 { return r.snaplen }

// Position returns the bytes of the input consumed so far and the input's
// size (0 when unknown). For gzip input both count compressed bytes, and
// done runs ahead of the frames returned by up to one buffer.
func (r *Reader) Position() (done, total int64) {
	if r.gz != nil {
		return r.cr.n, r.size
	}
	return r.base + int64(r.r), r.size
}

// Close releases the buffer and closes the file that Open opened. Frames
// returned earlier must no longer be used. Next returns an error after
// Close.
func (r *Reader) Close() error {
	if errors.Is(r.err, os.ErrClosed) {
		return nil
	}
	r.err = fmt.Errorf("%sreader %w", r.prefix(), os.ErrClosed)
	r.buf = nil
	r.r, r.w = 0, 0
	var err error
	if r.gz != nil {
		err = r.gz.Close()
	}
	if r.closer != nil {
		if cerr := r.closer.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("pcapfile: %w", cerr)
		}
	}
	return err
}

// prefix returns the start of an error message: the component and, when
// known, the file's name.
func (r *Reader) prefix() string {
	if r.name == "" {
		return "pcapfile: "
	}
	return "pcapfile: " + r.name + ": "
}

// ioErr wraps an error returned by the input.
func (r *Reader) ioErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("pcapfile: %w", err)
	}
	return fmt.Errorf("%s%w", r.prefix(), err)
}

// truncated returns the error for a record at offset off that needs need
// bytes of which the input holds only the available ones: the read error
// that ended the input, or a truncation.
func (r *Reader) truncated(what string, off int64, need int) error {
	if r.readErr != nil {
		return r.readErr
	}
	return fmt.Errorf("%s%s at offset %d %w: the input ends after %d of its %d bytes",
		r.prefix(), what, off, pktsrc.ErrTruncated, r.w-r.r, need)
}

// atEnd returns the error for the end of input at a record boundary:
// io.EOF, or a truncation error when a gzip stream ended early.
func (r *Reader) atEnd() error {
	if r.readErr != nil {
		return r.readErr
	}
	if r.gzTrunc {
		return fmt.Errorf("%sgzip stream %w after %d bytes of trace data", r.prefix(), pktsrc.ErrTruncated, r.base+int64(r.r))
	}
	return io.EOF
}

// fill tries to make n bytes available in buf[r:w]; fewer are available
// afterwards only when the input has ended, at its end or with a read
// error, which fill keeps in readErr: the frames before a failure are
// delivered before it. The buffer grows only while it is full of
// unconsumed data, so its size stays proportional to the data actually
// read, whatever length a corrupt record claims.
func (r *Reader) fill(n int) {
	zeroReads := 0
	for r.w-r.r < n && !r.eof {
		if r.w == len(r.buf) {
			if r.r > 0 {
				r.w = copy(r.buf, r.buf[r.r:r.w])
				r.base += int64(r.r)
				r.r = 0
			} else {
				// Doubling a buffer full of data keeps it within twice
				// the data read, and makes growth rare.
				nb := make([]byte, max(2*len(r.buf), minBufSize))
				r.w = copy(nb, r.buf[r.r:r.w])
				r.buf = nb
			}
		}
		m, err := r.src.Read(r.buf[r.w:])
		r.w += m
		switch {
		case err == nil:
			if m > 0 {
				zeroReads = 0
			} else if zeroReads++; zeroReads > 100 {
				r.eof, r.readErr = true, r.ioErr(io.ErrNoProgress)
			}
		case err == io.EOF:
			r.eof = true
		case err == io.ErrUnexpectedEOF && r.gz != nil:
			r.eof = true
			r.gzTrunc = true
		default:
			r.eof, r.readErr = true, r.ioErr(err)
		}
	}
}

// u16 and u32 decode in the current section's byte order.
func (r *Reader) u16(b []byte) uint16 {
	if r.be {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func (r *Reader) u32(b []byte) uint32 {
	if r.be {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *Reader) u64(b []byte) uint64 {
	if r.be {
		return binary.BigEndian.Uint64(b)
	}
	return binary.LittleEndian.Uint64(b)
}
