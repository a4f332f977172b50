package shard

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/heron-nsm/heron/internal/pktsrc"
)

// Batch sizes: a batch is handed over when it holds this many frames or
// bytes. Each view holds at most a few batches, which bounds memory.
const (
	batchFrames = 256
	batchBytes  = 1 << 20
	queueDepth  = 4
)

// batch is a run of copied frames for one view; err, when set, ends the
// view after the frames.
type batch struct {
	frames []pktsrc.Frame
	buf    []byte
	err    error
}

// Split returns n sources that together deliver every frame of src, each
// frame to the source its IP addresses hash to. The sources are read
// concurrently, each from its own goroutine; src is read by a goroutine
// of the split's own, started by the first Next. Closing every returned
// source closes src. With n ≤ 1 it returns src itself.
func Split(src pktsrc.Source, n int) []pktsrc.Source {
	if n <= 1 {
		return []pktsrc.Source{src}
	}
	s := &splitter{src: src, views: make([]*view, n)}
	out := make([]pktsrc.Source, n)
	for i := range s.views {
		v := &view{s: s, ch: make(chan *batch, queueDepth), free: make(chan *batch, queueDepth+2)}
		s.views[i] = v
		out[i] = v
	}
	s.open.Store(int32(n))
	return out
}

type splitter struct {
	src   pktsrc.Source
	views []*view
	once  sync.Once
	stop  atomic.Bool
	open  atomic.Int32
	// Position of src, as last read by the reader goroutine.
	done, total atomic.Int64
}

// view is one of the split sources.
type view struct {
	s    *splitter
	ch   chan *batch
	free chan *batch
	cur  *batch
	next int
	fill *batch // the batch the reader is filling for this view
	end  error  // the error that ended this view
}

// read is the reader goroutine: it reads src to its end and deals the
// frames out.
func (s *splitter) read() {
	var f pktsrc.Frame
	prog, _ := s.src.(pktsrc.Progress)
	var final error
	for !s.stop.Load() {
		err := s.src.Next(&f)
		if err != nil {
			if errors.Is(err, pktsrc.ErrIdle) {
				continue
			}
			final = err
			break
		}
		v := s.views[hash(f.LinkType, f.Data)%uint32(len(s.views))]
		if v.fill == nil {
			v.fill = v.get()
		}
		b := v.fill
		off := len(b.buf)
		b.buf = append(b.buf, f.Data...)
		fr := f
		fr.Data = b.buf[off:len(b.buf):len(b.buf)]
		b.frames = append(b.frames, fr)
		if len(b.frames) >= batchFrames || len(b.buf) >= batchBytes {
			v.fill = nil
			if prog != nil {
				d, t := prog.Position()
				s.done.Store(d)
				s.total.Store(t)
			}
			v.ch <- b
		}
	}
	if final == nil {
		final = io.EOF
	}
	for _, v := range s.views {
		b := v.fill
		if b == nil {
			b = v.get()
		}
		v.fill = nil
		b.err = final
		v.ch <- b
		close(v.ch)
	}
}

// get returns an empty batch, reusing one the view gave back.
func (v *view) get() *batch {
	select {
	case b := <-v.free:
		b.frames, b.buf, b.err = b.frames[:0], b.buf[:0], nil
		return b
	default:
		return &batch{frames: make([]pktsrc.Frame, 0, batchFrames), buf: make([]byte, 0, batchBytes+65536)}
	}
}

// Next implements pktsrc.Source. Frames' Data are valid until the next
// call to Next.
func (v *view) Next(f *pktsrc.Frame) error {
	v.s.once.Do(func() { go v.s.read() })
	for {
		if v.end != nil {
			return v.end
		}
		if v.cur != nil && v.next < len(v.cur.frames) {
			*f = v.cur.frames[v.next]
			v.next++
			return nil
		}
		if v.cur != nil {
			if v.cur.err != nil {
				v.end = v.cur.err
				continue
			}
			select {
			case v.free <- v.cur:
			default:
			}
		}
		v.cur, v.next = <-v.ch, 0
		if v.cur == nil {
			v.end = io.EOF
		}
	}
}

// LinkType implements pktsrc.Source.
func (v *view) LinkType() uint32 { return v.s.src.LinkType() }

// Position implements pktsrc.Progress with the whole source's position.
func (v *view) Position() (done, total int64) { return v.s.done.Load(), v.s.total.Load() }

// Close implements pktsrc.Source: the last view closed closes the source
// (after stopping the reader).
func (v *view) Close() error {
	if v.s.open.Add(-1) != 0 {
		return nil
	}
	v.s.stop.Store(true)
	// Let a reader blocked on a full queue finish.
	for _, o := range v.s.views {
		go func() {
			for range o.ch {
			}
		}()
	}
	return v.s.src.Close()
}

// hash is a symmetric hash of the frame's outermost IP addresses (0 when
// it has none).
func hash(linkType uint32, d []byte) uint32 {
	ip := ipHeader(linkType, d)
	if ip == nil {
		return 0
	}
	var a, b []byte
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < 20 {
			return 0
		}
		a, b = ip[12:16], ip[16:20]
	case 6:
		if len(ip) < 40 {
			return 0
		}
		a, b = ip[8:24], ip[24:40]
	default:
		return 0
	}
	// Order the addresses so that both directions hash alike.
	if string(a) > string(b) {
		a, b = b, a
	}
	h := uint32(2166136261)
	for _, p := range [2][]byte{a, b} {
		for _, c := range p {
			h ^= uint32(c)
			h *= 16777619
		}
	}
	return h ^ h>>16
}

// ipHeader finds the outermost IP header of a frame.
func ipHeader(linkType uint32, d []byte) []byte {
	switch linkType {
	case 1: // Ethernet
		if len(d) < 14 {
			return nil
		}
		return afterEthertype(binary.BigEndian.Uint16(d[12:]), d[14:])
	case 101, 12, 14, 228, 229: // raw IP
		return d
	case 0, 108: // BSD loopback: a 4-byte address family in either order
		if len(d) < 4 {
			return nil
		}
		return d[4:]
	case 113: // Linux cooked capture
		if len(d) < 16 {
			return nil
		}
		return afterEthertype(binary.BigEndian.Uint16(d[14:]), d[16:])
	case 276: // Linux cooked capture v2
		if len(d) < 20 {
			return nil
		}
		return afterEthertype(binary.BigEndian.Uint16(d[0:]), d[20:])
	}
	return nil
}

// afterEthertype follows VLAN tags, MPLS labels and PPPoE to IP.
func afterEthertype(et uint16, d []byte) []byte {
	for range 8 {
		switch et {
		case 0x0800, 0x86DD:
			return d
		case 0x8100, 0x88A8, 0x9100: // VLAN tags
			if len(d) < 4 {
				return nil
			}
			et, d = binary.BigEndian.Uint16(d[2:]), d[4:]
		case 0x8847: // MPLS: skip the label stack; IP follows
			for len(d) >= 4 {
				bottom := d[2]&1 != 0
				d = d[4:]
				if bottom {
					return d
				}
			}
			return nil
		case 0x8864: // PPPoE session: PPP protocol 0x0021 or 0x0057
			if len(d) < 8 {
				return nil
			}
			switch binary.BigEndian.Uint16(d[6:]) {
			case 0x0021, 0x0057:
				return d[8:]
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}
