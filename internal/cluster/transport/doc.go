// Package transport connects the nodes of a Heron cluster over NATS: the
// connection a node opens from the cluster layout (package layout), the
// NATS server the manager embeds, publish/subscribe on subjects prefixed
// by the cluster's name, heartbeats and liveness, and rendezvous hashing
// over the live members of a role. The wire formats are written down in
// docs/format/transport.md.
//
// # Starting a node
//
// The manager of a layout with nats.embedded runs the server first, then
// connects like every other node:
//
//	srv, err := transport.RunEmbedded(l, nil) // manager only, nats.embedded
//	defer srv.Shutdown()
//	c, err := transport.Connect(l, "manager", nil)
//	defer c.Close()
//
// Connect does not wait for the server: a node whose server is not up yet
// (or goes away later) keeps running and reconnects on its own; Publish
// fails meanwhile with an error wrapping ErrNotConnected, and package
// logship spools log batches to disk. Connect fails only for what retrying
// cannot fix: a bad layout entry, unreadable TLS files, refused
// credentials or a certificate the server rejects.
//
// # Subjects
//
// Subjects are relative to the cluster: Publish("manager.config", p)
// sends on "<cluster>.manager.config". The families, and who may publish
// on them when the layout gives credentials (the embedded server enforces
// it; ServerConfig builds the same permissions for an external server):
//
//	hb.<node>             heartbeats                   the node itself
//	log.<path>.<node>     log batches (JetStream)      the node itself
//	node.<node>.<topic…>  what a node tells the others the node itself
//	to.<node>.<topic…>    addressed to one node        any node; workers only to non-workers
//	manager.<topic…>      manager's broadcasts         the manager only
//
// Node names and log paths become subject tokens with Token (a name that
// is not only letters, digits, '-' and '_' is escaped). Own(topic) and
// To(node, topic) build the subjects a node may publish on.
//
// # Liveness
//
// Every node publishes a heartbeat every second (Options.HeartbeatInterval)
// and is down for the others after 3 s without one (Options.DownAfter), or
// at once when it says goodbye in Close. Live lists the live nodes of a
// role, OnChange reports nodes going up and down, and Owner picks the owner
// of a key among the live nodes of a role by rendezvous hashing (HRW), so
// that every node computes the same owner and only the keys of a node that
// goes away move.
//
// # Exported names
//
//   - Connect, Conn, Options: a node's connection; Conn.Publish,
//     Conn.Subscribe, Conn.Request, Msg.Respond, Conn.Flush, Conn.Live,
//     Conn.IsLive, Conn.OnChange, Conn.Owner, Conn.Settled,
//     Conn.Connected, Conn.JetStream, Conn.PermissionErrors, Conn.Close.
//   - Msg, Handler, Subscription, Event: messages and membership events.
//   - HRW: rendezvous hashing over a member list.
//   - Token, Own, To, the Prefix* constants: subject building.
//   - RunEmbedded, Server, ServerOptions, ServerConfig, Permissions: the
//     NATS server side.
//   - ClientTLS: the TLS configuration a node uses.
package transport
