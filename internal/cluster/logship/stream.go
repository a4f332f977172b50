package logship

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/heron-nsm/heron/internal/cluster/transport"
)

// StreamOptions tunes the JetStream stream that carries the log batches.
// The zero value (or nil) gives the defaults.
type StreamOptions struct {
	// Replicas is how many servers keep each batch: 1 with the embedded
	// server, min(3, servers listed) with an external deployment.
	Replicas int
	// MaxBytes bounds the stream (the backlog while no logger writes);
	// -1 or 0: only the servers' JetStream storage limit. A full stream
	// refuses batches, which then wait in the senders' spools.
	MaxBytes int64
	// Duplicates is JetStream's de-duplication window for batch ids,
	// 10 minutes.
	Duplicates time.Duration
}

// streamConfig returns the configuration of the log stream of c's
// cluster.
func streamConfig(c *transport.Conn, o *StreamOptions) jetstream.StreamConfig {
	var opts StreamOptions
	if o != nil {
		opts = *o
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
		if n := len(c.Layout().NATS.Servers); n > 1 {
			opts.Replicas = min(3, n)
		}
	}
	if opts.MaxBytes == 0 {
		opts.MaxBytes = -1
	}
	if opts.Duplicates <= 0 {
		opts.Duplicates = 10 * time.Minute
	}
	return jetstream.StreamConfig{
		Name:        transport.LogStreamName(c.Cluster()),
		Description: "Heron log batches (docs/format/log-transport.md)",
		Subjects:    []string{c.Subject(transport.PrefixLog + ".>")},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardNew,
		MaxBytes:    opts.MaxBytes,
		MaxMsgs:     -1,
		MaxAge:      0,
		Duplicates:  opts.Duplicates,
		Replicas:    opts.Replicas,
		Compression: jetstream.S2Compression,
	}
}

// EnsureStream creates the log stream of c's cluster unless it exists.
// The manager calls it when it starts, and loggers do before they
// consume; until someone has, senders spool their batches.
func EnsureStream(ctx context.Context, c *transport.Conn, o *StreamOptions) error {
	cfg := streamConfig(c, o)
	_, err := c.JetStream().CreateStream(ctx, cfg)
	if err == nil || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return nil
	}
	// A stream that exists with the same configuration may also answer
	// with its info instead of an error; anything else is an error.
	if _, ierr := c.JetStream().Stream(ctx, cfg.Name); ierr == nil {
		return nil
	}
	return fmt.Errorf("logship: create stream %s: %w", cfg.Name, err)
}
