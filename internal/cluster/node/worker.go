package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	hnode "github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/pktsrc"
)

// RunWorker runs a worker: it connects, ships its logs through a
// logship.Sender, and analyses its packet source with internal/node until
// the source ends (a trace) or ctx ends. A trace is cut to the entry's shard
// (see Shard) and paced by ReplayDelayEnv when set; it is then split over
// the entry's threads as `heron --threads` splits it (the same hash, so with
// a shard count that shares a factor with threads some threads get little).
// On the way out the logging framework hands its last records to the Sender,
// which sends them, or spools them for the next start.
func RunWorker(ctx context.Context, o *Options) (res hnode.Result, err error) {
	if o.Sources == nil {
		return res, fmt.Errorf("cluster: worker %s: no packet source", o.Name)
	}
	rt, err := o.connect()
	if err != nil {
		return res, err
	}
	var stops stack
	defer stops.run()
	stops.push(func() { rt.Conn.Close() })
	if err := o.newSender(rt); err != nil {
		return res, err
	}
	stops.push(func() {
		if cerr := o.closeSender(rt); cerr != nil && err == nil {
			err = cerr
		}
	})
	if err := startHook(o.Hooks.Start, rt, &stops); err != nil {
		return res, err
	}
	cfg := o.Config
	cfg.Log.NewWriter = rt.Sender.NewWriter
	if cfg.Stats.Peer == "" {
		cfg.Stats.Peer = o.Name
	}
	// The analysis attaches the reporter to its shipped reporter.log.
	cfg.Reporter = rt.Reporter
	if o.Hooks.Worker != nil {
		done, err := o.Hooks.Worker(rt, &cfg)
		if err != nil {
			return res, err
		}
		stops.push(done)
	}
	srcs, err := o.workerSources(ctx, rt, &cfg)
	if err != nil {
		return res, err
	}
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	return hnode.RunSources(cfg, srcs)
}

// workerSources opens the node's sources and wraps them: shard, pace,
// threads, and an end when ctx ends.
func (o *Options) workerSources(ctx context.Context, rt *Runtime, cfg *hnode.Config) ([]pktsrc.Source, error) {
	srcs, err := o.Sources()
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("cluster: %s: no packet source", o.Name)
	}
	if rt.Node.Read == "" {
		// Live: one thread per socket; the kernel's fanout splits flows.
		for i, s := range srcs {
			srcs[i] = Stoppable(ctx, s)
		}
		cfg.Threads = 1
		if cfg.StopReason == nil {
			// ctx ends on SIGINT or SIGTERM; reporter.log says so, as
			// Zeek's does.
			cfg.StopReason = func() string {
				if ctx.Err() != nil {
					return "received termination signal"
				}
				return ""
			}
		}
		return srcs, nil
	}
	if len(srcs) != 1 {
		for _, s := range srcs {
			s.Close()
		}
		return nil, errors.New("cluster: a trace is one source")
	}
	src := srcs[0]
	intr, _ := src.(Interrupter)
	if sh := rt.Node.Shard; sh != nil {
		src = Shard(src, sh.Index, sh.Count)
	}
	if v := os.Getenv(ReplayDelayEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			src.Close()
			return nil, fmt.Errorf("cluster: %s=%q: give a duration such as 2ms", ReplayDelayEnv, v)
		}
		src = Paced(src, d)
	}
	src = stoppableWith(ctx, src, intr)
	return hnode.SplitSource(src, cfg.Threads), nil
}
