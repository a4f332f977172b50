package node

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/heron-nsm/heron/internal/pktsrc"
	"github.com/heron-nsm/heron/internal/pktsrc/shard"
)

// ReplayDelayEnv names the environment variable that slows down a worker
// reading a trace: a Go duration ("2ms") slept before each frame. It is
// meant for tests and demonstrations, where a trace must last long enough
// for something to happen meanwhile (a logger killed mid-stream).
const ReplayDelayEnv = "HERON_REPLAY_DELAY"

// Shard returns the frames of src whose symmetric flow hash (package shard,
// as `heron --threads` splits a trace) falls in share index of count: both
// directions of every flow, and every fragment of a datagram, go to the same
// share, so count workers reading the same trace each analyse whole
// connections and together analyse every frame once. With count ≤ 1 it
// returns src. Closing the result closes src. Frames' Data are valid until
// the next Next, as for any Source.
func Shard(src pktsrc.Source, index, count int) pktsrc.Source {
	if count <= 1 {
		return src
	}
	s := &shardSource{}
	views := shard.Split(&endable{Source: src, end: &s.closed}, count)
	s.Source = views[index]
	for i, v := range views {
		if i == index {
			continue
		}
		s.wg.Add(1)
		// The other shares are read and dropped, so the split's reader
		// never waits for them.
		go func() {
			defer s.wg.Done()
			var f pktsrc.Frame
			for v.Next(&f) == nil {
			}
			v.Close()
		}()
	}
	return s
}

// shardSource is one share of a split trace.
type shardSource struct {
	pktsrc.Source
	closed atomic.Bool
	wg     sync.WaitGroup
}

// Close implements pktsrc.Source: it ends the split's input, reads what
// the split still holds for this share (so its reader, which may wait for
// room in this share's queue, gets to the end), and closes every share,
// and so src.
func (s *shardSource) Close() error {
	s.closed.Store(true)
	var f pktsrc.Frame
	for s.Source.Next(&f) == nil {
	}
	s.wg.Wait()
	return s.Source.Close()
}

// endable is a source that ends (io.EOF) once end is set.
type endable struct {
	pktsrc.Source
	end *atomic.Bool
}

// Next implements pktsrc.Source.
func (e *endable) Next(f *pktsrc.Frame) error {
	if e.end.Load() {
		return io.EOF
	}
	return e.Source.Next(f)
}

// Interrupter is a packet source whose waiting Next can be made to
// return, such as a trace read from a pipe: after Interrupt, a Next that
// waits for input, and every later one, returns an error. Stoppable
// interrupts such a source when its context ends.
type Interrupter interface {
	Interrupt()
}

// Stoppable returns src ending (io.EOF) once ctx ends: the next Next
// returns io.EOF, and a live source (pktsrc.Live) is stopped, or an
// Interrupter interrupted, at once so a waiting Next returns. The result
// of a live source is live too, with src's capture counters, so a
// worker's metrics and stats.log count the kernel's drops. Close releases
// the watch on ctx and closes src.
func Stoppable(ctx context.Context, src pktsrc.Source) pktsrc.Source {
	intr, _ := src.(Interrupter)
	return stoppableWith(ctx, src, intr)
}

// stoppableWith is Stoppable interrupting intr (nil: none), which src may
// wrap.
func stoppableWith(ctx context.Context, src pktsrc.Source, intr Interrupter) pktsrc.Source {
	s := &stoppable{Source: src}
	s.stopped.Store(ctx.Err() != nil)
	live, _ := src.(pktsrc.Live)
	s.release = context.AfterFunc(ctx, func() {
		s.stopped.Store(true)
		if live != nil {
			live.Stop()
		}
		if intr != nil {
			intr.Interrupt()
		}
	})
	if live != nil {
		return &stoppableLive{stoppable: s, live: live}
	}
	return s
}

// stoppableLive is a stoppable live source: it keeps pktsrc.Live, so the
// packet loop still reads its capture counters.
type stoppableLive struct {
	*stoppable
	live pktsrc.Live
}

// Stop implements pktsrc.Live.
func (s *stoppableLive) Stop() {
	s.stopped.Store(true)
	s.live.Stop()
}

// CaptureStats implements pktsrc.Live with the wrapped source's counters.
func (s *stoppableLive) CaptureStats() (pktsrc.Stats, error) { return s.live.CaptureStats() }

type stoppable struct {
	pktsrc.Source
	stopped atomic.Bool
	release func() bool
}

// Next implements pktsrc.Source. Once stopped, it ends the input: an
// error of an interrupted read is the end too.
func (s *stoppable) Next(f *pktsrc.Frame) error {
	if s.stopped.Load() {
		return io.EOF
	}
	err := s.Source.Next(f)
	if err != nil && s.stopped.Load() {
		return io.EOF
	}
	return err
}

// Close implements pktsrc.Source.
func (s *stoppable) Close() error {
	s.release()
	return s.Source.Close()
}

// Paced returns src with a pause of delay before each frame (delay ≤ 0:
// src itself). Close closes src.
func Paced(src pktsrc.Source, delay time.Duration) pktsrc.Source {
	if delay <= 0 {
		return src
	}
	return &paced{Source: src, delay: delay}
}

type paced struct {
	pktsrc.Source
	delay time.Duration
}

// Next implements pktsrc.Source.
func (p *paced) Next(f *pktsrc.Frame) error {
	time.Sleep(p.delay)
	return p.Source.Next(f)
}
