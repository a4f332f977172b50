package node

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/logging/rotate"
	"github.com/heron-nsm/heron/internal/zeek"
)

// expireEvery bounds how often the writing node looks for expired
// archives (zeekctl's cron runs every 5 minutes).
const expireEvery = 5 * time.Minute

// setRotation applies the layout's rotation to the configuration of a
// log writer: the interval and base time, and an Archiver over the
// archive directory, where lc sets none. It returns the live and archive
// directories ("" when the layout has no rotation).
func (o *Options) setRotation(lc *logging.Config) (live, archive string) {
	r := o.Layout.Rotation
	if r == nil {
		return "", ""
	}
	live = lc.LogDir
	if live == "" {
		live = o.Layout.LogDir
	}
	archive = r.ArchiveDir
	if archive == "" {
		archive = live
	}
	if lc.RotationInterval == 0 {
		lc.RotationInterval = zeek.Interval(r.Interval * float64(zeek.Second))
	}
	if lc.RotationBaseTime == "" {
		lc.RotationBaseTime = r.BaseTime
	}
	if lc.RotationBaseTime == "" {
		lc.RotationBaseTime = "0:00" // Zeek's log_rotate_base_time
	}
	if lc.RotationPolicy == nil {
		comp := rotate.Gzip
		switch r.Compression {
		case "zstd":
			comp = rotate.Zstd
		case "none":
			comp = rotate.None
		}
		lc.RotationPolicy = &rotate.Archiver{LogDir: archive, Compression: comp}
	}
	return live, archive
}

// archiveHousekeeping points <archive>/current at the live logs (when the
// archive is elsewhere) and expires old archives until ctx ends, as
// zeekctl's install and cron do. The returned function waits for it to
// stop.
func (o *Options) archiveHousekeeping(ctx context.Context, rt *Runtime, live, archive string) (wait func(), err error) {
	if archive == "" {
		return func() {}, nil
	}
	if la, _ := filepath.Abs(live); la != "" {
		if aa, _ := filepath.Abs(archive); aa != la {
			if err := rotate.LinkCurrent(archive, la); err != nil {
				return nil, fmt.Errorf("cluster: %s: %w", o.Name, err)
			}
		}
	}
	r := o.Layout.Rotation
	if r.ExpireInterval <= 0 {
		return func() {}, nil
	}
	e := &rotate.Expirer{LogDir: archive, MaxAge: time.Duration(r.ExpireInterval * float64(time.Second)), Keep: r.Keep}
	every := min(expireEvery, max(time.Second, e.MaxAge/4))
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, every, func(x rotate.Expired, err error) {
			if err != nil {
				rt.Warn(fmt.Sprintf("cluster: %s: expiring archives: %v", o.Name, err))
			}
		})
	}()
	return func() { <-done }, nil
}
