package node

import (
	"context"
	"fmt"

	hnode "github.com/heron-nsm/heron/internal/node"
)

// RunStandalone runs a standalone node: the whole cluster in one process,
// as `heron -r`/`heron -i` runs, writing its logs into the layout's log_dir
// (unless Config.Log.LogDir is set), rotated and archived as the layout's
// "rotation" says. It uses no transport. The Worker hook
// runs with a Runtime without connection.
func RunStandalone(ctx context.Context, o *Options) (res hnode.Result, err error) {
	if o.Sources == nil {
		return res, fmt.Errorf("cluster: standalone node %s: no packet source", o.Name)
	}
	n, err := o.Layout.Node(o.Name)
	if err != nil {
		return res, err
	}
	rt := o.newRuntime(n)
	var stops stack
	defer stops.run()
	cfg := o.Config
	if cfg.Log.LogDir == "" {
		cfg.Log.LogDir = o.Layout.LogDir
	}
	live, archive := o.setRotation(&cfg.Log)
	if err := o.startHousekeeping(ctx, rt, live, archive, &stops); err != nil {
		return res, err
	}
	if cfg.Stats.Peer == "" {
		cfg.Stats.Peer = o.Name
	}
	cfg.Reporter = rt.Reporter
	if err := startHook(o.Hooks.Start, rt, &stops); err != nil {
		return res, err
	}
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
