package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the format version of the pool's messages.
const Version = 1

// Topics, under to.<proxy>.
const (
	// TopicAdd is the topic of check-and-insert requests to a key's owner.
	TopicAdd = "pool.add"
	// TopicReplica is the topic of replica batches between proxies.
	TopicReplica = "pool.replica"
	// TopicPull is the topic of a starting proxy's hand-over requests:
	// "send me the keys I hold from now on".
	TopicPull = "pool.pull"
)

// Values of Result.Retry: the request was not processed, and the sender
// should send it again (to the owner it computes then) after a pause.
const (
	// RetryNotReady: the proxy is still taking its keys over from the
	// others (docs/format/proxy.md, hand-over).
	RetryNotReady = "not-ready"
	// RetryNotOwner: the proxy does not own the key in its view of the
	// live proxies; the sender's view is behind or ahead of it.
	RetryNotOwner = "not-owner"
)

// Request asks the proxy that owns Key to add Members under it in Table
// (Zeek's Cluster::publish_hrw to the proxy pool, and the proxy's
// check-and-insert): the proxy answers which members, and whether the key
// itself, are new to the cluster.
type Request struct {
	// V is the format version, 1.
	V int `json:"v"`
	// Table names the proxy's table ("known_hosts").
	Table string `json:"table"`
	// Key is the key; the owner is chosen by rendezvous hashing of it.
	Key string `json:"key"`
	// Members are the set members to add under the key (the services of
	// a host and port); none for a plain set.
	Members []string `json:"members,omitempty"`
	// TS is the sender's network time, Unix nanoseconds: when the key was
	// seen. Tables expire on it.
	TS int64 `json:"ts"`
	// Record is the table's own data for the proxy's handler (what it
	// logs), opaque to the pool.
	Record json.RawMessage `json:"record,omitempty"`
}

// Result is the owner's answer.
type Result struct {
	// V is the format version, 1.
	V int `json:"v"`
	// Owner is the proxy that answered.
	Owner string `json:"owner"`
	// Added holds the members that were new to the cluster.
	Added []string `json:"added,omitempty"`
	// Created is set when the key itself was new to the cluster.
	Created bool `json:"created,omitempty"`
	// Error, when set, says why the proxy could not process the request
	// (an unknown table, a malformed request); sending it again does not
	// help.
	Error string `json:"error,omitempty"`
	// Retry, when set (RetryNotReady, RetryNotOwner), says that the
	// request was not processed and should be sent again later.
	Retry string `json:"retry,omitempty"`
}

// New reports whether anything was new: the key, or one of its members.
func (r *Result) New() bool { return r.Created || len(r.Added) > 0 }

// replicaBatch carries keys from one proxy to another: the owner's copy
// to its backup, and the re-replication after the proxies changed.
type replicaBatch struct {
	V int `json:"v"`
	// From is the sending proxy.
	From    string         `json:"from"`
	Entries []replicaEntry `json:"entries"`
}

type replicaEntry struct {
	Table   string   `json:"table"`
	Key     string   `json:"key"`
	Members []string `json:"members,omitempty"`
	// TS is the sender's time for the entry (its network time).
	TS int64 `json:"ts"`
	// Created is when the key was created on the sender.
	Created int64 `json:"created"`
	// Confirm is set on an owner's copy to the key's backup before it
	// logs (check-and-insert, step 3).
	Confirm bool `json:"confirm,omitempty"`
	// Pending names the owner whose check-and-insert of the key was
	// still in flight (not yet confirmed and logged) when this copy was
	// made by a hand-over or resync scan, or that the sender's own copy
	// stems from; "" when the key is settled.
	Pending string `json:"pending,omitempty"`
	// Lookup asks only whether the receiver knows the key and members
	// (check-and-insert, step 3); the receiver stores nothing.
	Lookup bool `json:"lookup,omitempty"`
}

type replicaReply struct {
	V       int             `json:"v"`
	Results []replicaResult `json:"results"`
}

type replicaResult struct {
	// Added and Created: what was new to the receiving proxy (for a
	// lookup, what would have been).
	Added   []string `json:"added,omitempty"`
	Created bool     `json:"created,omitempty"`
	// CreatedAt is when the receiver's key was created (its own time
	// when the key was there before).
	CreatedAt int64 `json:"created_at"`
}

// pullRequest is a starting proxy's request to another proxy for the keys
// the starting proxy is now one of the two highest-ranked proxies of.
type pullRequest struct {
	V int `json:"v"`
	// Node is the starting proxy, Boot its connection's boot time.
	Node string `json:"node"`
	Boot int64  `json:"boot"`
	// Live is the starting proxy's view of the live proxies; the
	// receiver ranks over the union of it and its own view.
	Live []string `json:"live"`
}

// Values of pullReply.Status.
const (
	pullDone    = "done"     // every key was sent (Entries of them)
	pullNotLive = "not-live" // the receiver does not see the puller live yet
	pullFailed  = "failed"   // sending the keys failed; ask again
)

type pullReply struct {
	V       int    `json:"v"`
	Status  string `json:"status"`
	Entries int    `json:"entries"`
}

// maxBatch bounds the entries of one replica batch.
const maxBatch = 256

// maxPullLive bounds the proxies a pull request names.
const maxPullLive = 4096

var errVersion = errors.New("proxy: unknown message version")

func decodeRequest(b []byte) (*Request, error) {
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode request: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	if r.Table == "" {
		return nil, errors.New("proxy: request without table")
	}
	return &r, nil
}

func decodeResult(b []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode result: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	return &r, nil
}

func decodeReplica(b []byte) (*replicaBatch, error) {
	var r replicaBatch
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode replica batch: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	if len(r.Entries) > maxBatch {
		return nil, fmt.Errorf("proxy: replica batch of %d entries (at most %d)", len(r.Entries), maxBatch)
	}
	return &r, nil
}

func decodeReplicaReply(b []byte, n int) (*replicaReply, error) {
	var r replicaReply
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode replica reply: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	if len(r.Results) != n {
		return nil, fmt.Errorf("proxy: replica reply has %d results for %d entries", len(r.Results), n)
	}
	return &r, nil
}

func decodePull(b []byte) (*pullRequest, error) {
	var r pullRequest
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode pull request: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	if r.Node == "" {
		return nil, errors.New("proxy: pull request without node")
	}
	if len(r.Live) > maxPullLive {
		return nil, fmt.Errorf("proxy: pull request naming %d proxies (at most %d)", len(r.Live), maxPullLive)
	}
	return &r, nil
}

func decodePullReply(b []byte) (*pullReply, error) {
	var r pullReply
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("proxy: decode pull reply: %w", err)
	}
	if r.V != Version {
		return nil, errVersion
	}
	switch r.Status {
	case pullDone, pullNotLive, pullFailed:
	default:
		return nil, fmt.Errorf("proxy: pull reply with status %q", r.Status)
	}
	return &r, nil
}
