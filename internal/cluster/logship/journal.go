package logship

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// journalState is what a logger records, after each group of batches it
// wrote and synced, in <journal dir>/<path token>.json (replaced
// atomically): enough to resume the log file exactly.
type journalState struct {
	// V is the format version, 1.
	V int `json:"v"`
	// Path is the log path and File the absolute name of its file.
	Path string `json:"path"`
	File string `json:"file"`
	// Seq is the stream sequence of the last batch written (or skipped):
	// every batch of the path up to it is in the file.
	Seq uint64 `json:"stream_seq"`
	// Offset is the file's length after that batch.
	Offset int64 `json:"offset"`
	// Schema is the schema section of the file's header (base64), for
	// an ASCII file that is resumed.
	Schema []byte `json:"schema,omitempty"`
	// Nodes holds, per sending node, the epoch and sequence of its last
	// batch written: a batch that is not newer is a repeat.
	Nodes map[string][2]uint64 `json:"nodes,omitempty"`
	// Writer is the node that wrote this state.
	Writer string `json:"writer"`
	// Gen grows with every save of the file's journal, carried over by
	// a node that takes the file up: of two journals with the same Seq
	// (a rotation changes the file but not the sequence), the higher Gen
	// is the newer.
	Gen uint64 `json:"gen,omitempty"`
	// Open is when the live file's interval began (Unix nanoseconds;
	// 0 while the file has no header): the rotation after it is due at
	// the next boundary, and its archive is named after it.
	Open int64 `json:"open,omitempty"`
	// Cut is a rotation in progress: the live file is closed (its
	// #close line is in it) and is being renamed. A node that finds it
	// at takeover finishes the rotation first (see rotation.go).
	Cut *cutState `json:"cut,omitempty"`
	// Pending are rotated files handed to the rotation policy whose
	// completion is not yet recorded; a node that takes the file up
	// hands them over again (the Archiver's copies are recognised).
	Pending []cutState `json:"pending,omitempty"`
}

func journalName(dir, token string) string { return filepath.Join(dir, token+".json") }

// saveJournal replaces the journal of a path: a temporary file is
// written and synced, renamed over the journal, and the directory synced,
// so that a crash leaves the old state or the new one. It increments
// st.Gen first.
func saveJournal(dir, token string, st *journalState) error {
	st.Gen++
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("logship: journal: %w", err)
	}
	name := journalName(dir, token)
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("logship: journal: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("logship: journal: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// loadJournal returns the newest state of file among the journals in
// dirs (the highest stream sequence wins, then the highest Gen: loggers
// on one host that took the path over from each other each left theirs),
// or a zero state.
func loadJournal(dirs []string, token, file string) (journalState, error) {
	var best journalState
	for _, d := range dirs {
		b, err := os.ReadFile(journalName(d, token))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return best, fmt.Errorf("logship: journal: %w", err)
		}
		var st journalState
		if err := json.Unmarshal(b, &st); err != nil {
			return best, fmt.Errorf("logship: journal %s: %w", journalName(d, token), err)
		}
		if st.File != file || st.V != 1 {
			continue
		}
		if st.Seq > best.Seq || st.Seq == best.Seq && st.Gen > best.Gen || best.V == 0 {
			nodes := best.Nodes
			best = st
			for n, v := range nodes { // keep the newest of every node
				if cur, ok := best.Nodes[n]; !ok || newer(v, cur) {
					if best.Nodes == nil {
						best.Nodes = map[string][2]uint64{}
					}
					best.Nodes[n] = v
				}
			}
		} else {
			for n, v := range st.Nodes {
				if cur, ok := best.Nodes[n]; !ok || newer(v, cur) {
					if best.Nodes == nil {
						best.Nodes = map[string][2]uint64{}
					}
					best.Nodes[n] = v
				}
			}
		}
	}
	return best, nil
}

// newer reports whether (epoch, seq) a comes after b.
func newer(a, b [2]uint64) bool {
	return a[0] > b[0] || a[0] == b[0] && a[1] > b[1]
}
