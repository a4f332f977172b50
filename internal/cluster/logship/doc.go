// Package logship carries a cluster's log records from the nodes that
// make them to the loggers that write them, without losing or repeating
// one, through a JetStream stream of batches (docs/format/log-transport.md).
//
// # Sending (every node)
//
// A Sender's NewWriter is the logging.Config.NewWriter of a cluster node:
// each log's records are encoded into compact binary batches that carry
// the log's columns, and the batches are published one at a time on
// "<cluster>.log.<path>.<node>", each with a JetStream de-duplication id
// "<node>.<epoch>.<seq>". While NATS cannot take them, batches go to a
// bounded spool on disk (<spool_dir>/<node>/outbox), sent first when NATS
// is back; when the spool is full, records are dropped, counted
// (Counters.Lost) and reported in one warning line.
//
//	s, err := logship.NewSender(conn, nil)
//	cfg.Log.NewWriter = s.NewWriter
//	... run the node ...
//	logManager.Close() // hands over the last batches
//	s.Close()          // sends them, or spools them for the next start
//
// A record handed to a Sender is never dropped silently: it ends up
// acknowledged by JetStream, or in the spool on disk (Close leaves there
// what it could not send within SenderOptions.CloseTimeout, and the next
// NewSender of the node sends it first), or counted in Counters.Lost
// because the spool was full. Records written after Close are counted
// lost.
//
// # Writing (loggers, and the manager while no logger is live)
//
// RunLogger writes the log paths the node owns: the owner of a path is
// chosen by rendezvous hashing over the live loggers (transport.Conn.Owner)
// and moves when one goes down or comes up; with no live logger the manager
// owns every path. For each path the owner consumes the path's batches with
// a durable consumer and appends them with Heron's ASCII or JSON writers
// (logging.Config.Format) to <log_dir>/<path>.log, in groups: append, sync
// the file, record (stream sequence, file offset) in a journal
// (<spool_dir>/<node>/journal), then acknowledge. A logger that restarts,
// or that takes a path over from another on the same host, cuts the file
// to the journal's offset and skips what the journal covers, so every
// batch is written once.
//
//	err := logship.RunLogger(ctx, conn, &logship.LoggerOptions{Log: cfg.Log})
//
// When ctx ends, the logger drains before it returns: for every path it
// owns it writes what the stream still holds (until the path's consumer
// has nothing pending, within LoggerOptions.DrainTimeout), then rotates
// or closes the file. What it cannot read in time, or at all because NATS
// is gone, stays in the stream for the path's next writer; the files are
// rotated (or closed) all the same, from the file and its journal.
//
// The manager should call EnsureStream when it starts (loggers do too);
// until the stream exists, senders spool.
//
// # Rotation
//
// With LoggerOptions.Log.RotationInterval (Log::default_rotation_interval)
// set, the writer of a path rotates its file as a standalone node's
// logging.Manager does: on the boundaries rotate.Next gives for the
// interval and Log.RotationBaseTime, and once more when it stops writing
// the path (at shutdown, or when the path moves to another node), the file
// gets its #close line, is renamed to Zeek's rotated name and is handed to
// Log.RotationPolicy (a rotate.Archiver under heronctl, which gets the
// node's name as Suffix when the layout has several loggers); the path's
// next batch starts a new file with a fresh header. Each step of a
// rotation is journaled, so a crash at any point of it neither loses nor
// repeats a record, and no archive is made twice (rotation.go,
// docs/format/log-transport.md).
//
//	cfg.Log.RotationInterval = zeek.Hour
//	cfg.Log.RotationPolicy = &rotate.Archiver{LogDir: logDir, Compression: rotate.Gzip}
//	err := logship.RunLogger(ctx, conn, &logship.LoggerOptions{Log: cfg.Log})
//
// # Exported names
//
//   - NewSender, Sender, SenderOptions, Counters: the sending side;
//     Sender.NewWriter, Sender.Counters, Sender.Epoch, Sender.Close.
//   - RunLogger, NewLogger, Logger, LoggerOptions, LoggerCounters: the
//     writing side; Logger.Run, Logger.Counters.
//   - EnsureStream, StreamOptions: the log stream.
package logship
