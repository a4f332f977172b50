// Package rotate turns a node's live log files into an archive: it decides
// when to rotate, names and compresses the closed files, points
// <LogDir>/current at the live logs and deletes archives that have expired.
//
// When: Next computes the next rotation time as Zeek's calc_next_rotate
// does, on boundaries of the rotation interval aligned to the clock — by
// default to local midnight (Zeek's log_rotate_base_time "0:00"), so an
// hourly rotation happens on the hour, and Schedule calls a function at
// each boundary. Package logging runs Schedule when
// logging.Config.RotationInterval is set and, at each boundary, closes every open
// log file (the ASCII writer writes its #close line), renames it to Zeek's
// rotated name (RotatedName: conn.2026-11-27-07-00-00.log) and hands it to a
// Policy; the next record opens a new file with a fresh header. With no
// Policy the rotated files stay where they are, as in a standalone Zeek.
//
// Where: Archiver is the Policy of a node run by heronctl. It writes each
// rotated file into <LogDir>/YYYY-MM-DD/<path>.HH:MM:SS-HH:MM:SS.log.gz,
// the names zeekctl's archive-log and make-archive-name scripts give (the
// date and the two times are those of opening and closing, in local time),
// compressed with gzip or zstd. Archiving is atomic: the archive is written
// under a temporary name in its final directory, synced, and renamed into
// place, and only then is the rotated file removed, so an archive is either
// complete or absent. LinkCurrent replaces the symbolic link
// <LogDir>/current atomically.
//
// Expiry: Expirer deletes the files under dated directories
// (<LogDir>/YYYY-MM-DD/...) last modified longer ago than the expiry
// interval, except those whose names match KeepLogs patterns, and removes
// dated directories left empty, as zeekctl's expire-logs script does; Run
// repeats that on a timer inside the process, so no cron job is needed.
package rotate
