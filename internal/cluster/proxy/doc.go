// Package proxy is the cluster's proxy pool: partitioned state held by
// the proxies, as Zeek's Cluster::proxy_pool with Cluster::publish_hrw.
// A key (a host, a host and port, a host and certificate hash) belongs to
// the live proxy that ranks highest for it by rendezvous hashing
// (transport.HRW); every node computes the same owner from the same view
// of the live proxies, and when a proxy goes away only its keys move.
//
// The known-* scripts use it (policy/protocols/conn/known-hosts,
// …/known-services, policy/protocols/ssl/known-certs): a worker sends
// each find its own table did not know to the key's owner
// (KnownForwarder, a known.Forwarder over a Pool), and the owner logs it
// when it is new to the cluster (Server with ServeKnown). As Zeek's
// workers clear their tables on Cluster::node_up and node_down, a worker
// forgets its table when a proxy comes or goes, so it sends its finds
// again to the owners of then.
//
// # Logged once, across proxy changes
//
// Zeek's in-memory known-* tables start empty on a proxy that takes keys
// over, so Zeek logs a host again when a proxy dies or joins. Heron keeps
// the cluster's promise across such changes: a key that the cluster has
// logged is known to its owner before that owner answers "new" for it.
// Three rules make it so:
//
//   - Two copies. An owner stores a new key, then copies it to the key's
//     backup (the highest-ranked other live proxy) and waits for the
//     backup's answer before it logs and answers. When the owner dies, the
//     backup is the key's next owner, and it has the key. When a proxy
//     goes down, each survivor that is one of a key's two highest-ranked
//     proxies copies the key to the other (resync), so keys are on two
//     live proxies again.
//   - Hand-over before serving. A proxy that starts (or restarts, empty)
//     waits until its connection has settled, then asks every other live
//     proxy for the keys of which it is now one of the two highest-ranked
//     (TopicPull). A peer answers only once it sees the new proxy live,
//     scans its tables under the same lock as its check-and-insert, sends
//     the keys as replica batches and then says it is done. Until every
//     live peer has said so, the new proxy answers RetryNotReady and the
//     workers send again after a pause; it stores replicas meanwhile.
//     After a peer's scan, the peer counts the new proxy in: it refuses
//     keys the new proxy owns (RetryNotOwner) and copies keys of which
//     the new proxy is the backup to it. So when the new proxy serves, it
//     has every key the cluster logged that it owns or backs up, however
//     many proxies joined at once. A ready proxy that sees another come
//     up pulls from it too (a peer it did not see at its start).
//   - Owner check and backup confirmation. A proxy answers only for keys
//     it owns in its own view (else RetryNotOwner, so views that differ
//     for a moment make a worker wait, not a second owner). An owner also
//     asks the backup, and every other proxy of the layout (a lookup that
//     stores nothing; a proxy that is not running answers at once that
//     nobody listens), whether it knew the key, and logs only what is new
//     to all that answered: a proxy that its peers had down for a moment
//     (heartbeats late, no restart), or whose own view missed a peer,
//     learns from them what was logged meanwhile. Copies made
//     by a scan (hand-over, resync) while the owner's own check-and-insert
//     of the key is still in flight say so ("pending", with the owner's
//     name); a proxy that first learned a key that way answers that
//     owner's confirmation as new, so that the owner's own insert, carried
//     ahead of its confirmation, is not taken for a logged key.
//
// What remains (docs/format/proxy.md says the same): a key whose two
// copies are lost at once (its owner and backup die within the time of
// a resync) is logged again by its next owner; a proxy that knows a key
// but does not answer a lookup within ServerOptions.ReplicaTimeout (hung,
// or partitioned) does not stop another from logging it; a proxy that
// cannot hear from every live peer within ServerOptions.ReadyTimeout
// serves anyway and says so; an owner that dies after its backup stored
// a key but before it logged the key loses that record (the key is
// known, so nothing logs it until it expires). Expiry is per table and on network
// time, as in package known; copies carry the key's creation time so
// that a key expires when its first copy does.
//
// # Wire format
//
// Requests and replies are JSON over the transport's request/reply, on
// to.<proxy>.pool.add (check-and-insert), to.<proxy>.pool.replica
// (copies between proxies) and to.<proxy>.pool.pull (the hand-over);
// docs/format/proxy.md describes them. Buffers: a Request's Record is
// the NewFunc's to keep; replies are encoded fresh for each message.
//
// # Exported names
//
//   - Pool, NewPool: the client side (Owner, Live, Add, OnChange);
//     ErrNoProxy, ErrNotReady, ErrNotOwner.
//   - Server, NewServer, ServerOptions, ServerStats, NewFunc: the proxy
//     side (Handle, Start, Ready, Close, Stats).
//   - Request, Result, Version, TopicAdd, TopicReplica, TopicPull,
//     RetryNotReady, RetryNotOwner: the messages.
//   - KnownForwarder, NewKnownForwarder, ForwarderOptions,
//     ForwarderStats, ServeKnown, HostKey, ServiceKey, CertKey: the
//     known-* tables over the pool.
package proxy
