package node

import (
	"context"
	"fmt"

	"github.com/heron-nsm/heron/internal/cluster/logship"
)

// RunLogger runs a logger: it writes the log paths that rendezvous hashing
// over the live loggers gives it into the layout's log_dir (or
// Config.Log.LogDir), in Config.Log's format, until ctx ends; then it
// closes its files (writing #close) and says goodbye, so its paths move to
// the other loggers, or to the manager, at once.
func RunLogger(ctx context.Context, o *Options) (err error) {
	rt, err := o.connect()
	if err != nil {
		return err
	}
	var stops stack
	defer stops.run()
	stops.push(func() { rt.Conn.Close() })
	lo, live, archive := o.loggerOptions(rt)
	lg, err := logship.NewLogger(rt.Conn, lo)
	if err != nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	rt.Logger = lg
	if err := o.startHousekeeping(ctx, rt, live, archive, &stops); err != nil {
		return err
	}
	if err := startHook(o.Hooks.Start, rt, &stops); err != nil {
		return err
	}
	if err := lg.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("cluster: %s: %w", o.Name, err)
	}
	return nil
}

// loggerOptions returns the options of the node's log writer: o.Logger's,
// with the files' format from Config.Log and the layout's rotation, and
// the live and archive directories when the layout rotates.
func (o *Options) loggerOptions(rt *Runtime) (lo *logship.LoggerOptions, live, archive string) {
	lo = &logship.LoggerOptions{}
	if o.Logger != nil {
		*lo = *o.Logger
	}
	lo.Log = o.Config.Log
	lo.Log.NewWriter = nil
	if o.Logger != nil && o.Logger.Log.LogDir != "" {
		lo.Log.LogDir = o.Logger.Log.LogDir
	}
	if o.Logger != nil {
		// The caller's rotation settings win over the layout's.
		if o.Logger.Log.RotationInterval != 0 {
			lo.Log.RotationInterval = o.Logger.Log.RotationInterval
		}
		if o.Logger.Log.RotationBaseTime != "" {
			lo.Log.RotationBaseTime = o.Logger.Log.RotationBaseTime
		}
		if o.Logger.Log.RotationPolicy != nil {
			lo.Log.RotationPolicy = o.Logger.Log.RotationPolicy
		}
	}
	if lo.Warn == nil {
		lo.Warn = rt.Warn
	}
	live, archive = o.setRotation(&lo.Log)
	return lo, live, archive
}

// startHousekeeping runs the archive's housekeeping until ctx ends or the
// node stops.
func (o *Options) startHousekeeping(ctx context.Context, rt *Runtime, live, archive string, stops *stack) error {
	hctx, cancel := context.WithCancel(ctx)
	wait, err := o.archiveHousekeeping(hctx, rt, live, archive)
	if err != nil {
		cancel()
		return err
	}
	stops.push(func() { cancel(); wait() })
	return nil
}
