package proxy

import (
	"encoding/json"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every decoder of the pool's
// messages: none may panic, and what one accepts must re-encode and
// decode to the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"table":"known_hosts","key":"10.0.0.1","ts":1000000000,"record":{"host":"10.0.0.1"}}`,
		`{"v":1,"table":"known_services","key":"10.0.0.1 80/tcp","members":["HTTP"],"ts":1}`,
		`{"v":1,"owner":"proxy-1","added":["SSL"],"created":true}`,
		`{"v":1,"owner":"proxy-1","retry":"not-ready"}`,
		`{"v":1,"entries":[{"table":"known_hosts","key":"k","ts":1,"created":1}]}`,
		`{"v":1,"results":[{"created":true,"created_at":5}]}`,
		`{"v":1,"node":"proxy-3","boot":7,"live":["proxy-1","proxy-3"]}`,
		`{"v":1,"status":"done","entries":3}`,
		`{"v":2}`, `{`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := decodeRequest(b); err == nil {
			again, _ := json.Marshal(r)
			if _, err := decodeRequest(again); err != nil {
				t.Fatalf("request %s re-encoded as %s: %v", b, again, err)
			}
		}
		if r, err := decodeResult(b); err == nil {
			_ = r.New()
		}
		if r, err := decodeReplica(b); err == nil && len(r.Entries) > maxBatch {
			t.Fatalf("replica batch of %d entries accepted", len(r.Entries))
		}
		if r, err := decodeReplicaReply(b, 1); err == nil && len(r.Results) != 1 {
			t.Fatalf("replica reply of %d results accepted for 1", len(r.Results))
		}
		if r, err := decodePull(b); err == nil && (r.Node == "" || len(r.Live) > maxPullLive) {
			t.Fatalf("bad pull request accepted: %+v", r)
		}
		if r, err := decodePullReply(b); err == nil && r.Status != pullDone && r.Status != pullNotLive && r.Status != pullFailed {
			t.Fatalf("pull reply with status %q accepted", r.Status)
		}
	})
}
