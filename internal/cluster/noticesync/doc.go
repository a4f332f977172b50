// Package noticesync shares Zeek's notice suppression across a Heron
// cluster and brings every node's notices to the manager, which writes
// notice.log and notice_alarm.log. The wire format is in
// docs/format/notice-transport.md.
//
// In Zeek's cluster (base/frameworks/notice/main.zeek) a worker that
// begins a suppression publishes it to the manager, batched
// (Notice::suppression_batch_period, Notice::suppression_batch_max_size),
// and the manager republishes the batch to every worker and proxy, which
// add it to their own tables: a notice suppressed on one worker is soon
// suppressed on all. Here:
//
//   - Node, on every non-manager node, is the notice framework's
//     Suppressor (a local table that the manager's broadcasts feed) and
//     its log functions (Log, Alarm), which send each record to the
//     manager on node.<node>.notice.log. Begun suppressions go on
//     node.<node>.notice.suppress, batched as Zeek batches them (on the
//     wall clock). What cannot be sent while NATS is unreachable is kept,
//     up to Options.MaxPending messages, and sent in order later; past
//     that, the loss is counted (Stats.Lost) and reported once.
//   - Manager, on the manager, relays every batch on
//     manager.notice.suppress and writes the records. It keeps the
//     cluster's suppression table too, so it also drops a record whose
//     notice another node already logged in the same suppression
//     interval: two workers that raise the same notice before either has
//     heard of the other yield one record, where Zeek would log two. When
//     a suppression reaches it before the record of the notice that began
//     it, the earliest notice whose record arrives is the one logged.
//     Manager is also the Suppressor and log functions of the manager's
//     own notice framework; its own suppressions are broadcast at once.
//
// Both are safe for concurrent use; the notice framework may call them
// with its lock held, and they never wait for the network.
package noticesync
