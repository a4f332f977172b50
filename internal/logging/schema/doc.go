// Package schema turns a log record declared as a Go struct into the flat
// list of typed columns Zeek's logging framework writes, once per type, and
// walks records of that type without reflection.
//
// A record type tags each logged field with its Zeek field name:
//
//	type Info struct {
//		TS      zeek.Time            `zeek:"ts"`
//		UID     string               `zeek:"uid"`
//		ID      ConnID               `zeek:"id"`            // flattened: id.orig_h, id.orig_p, ...
//		Proto   zeek.Proto           `zeek:"proto,enum"`    // enum via String()
//		Service zeek.Opt[string]     `zeek:"service"`       // &optional: unset prints "-"
//		Parents []string             `zeek:"tunnel_parents,set"`
//		VLAN    zeek.Opt[int64]      `zeek:"vlan,ext=vlan-logging"`
//	}
//
// Zeek types follow from Go types: bool → bool, signed integers → int,
// unsigned integers → count, float32/float64 → double, string and []byte →
// string, zeek.Time → time, zeek.Interval → interval, zeek.Port → port,
// zeek.Addr → addr, zeek.Subnet → subnet, a slice of any of those →
// vector[T] (or set[T] with the "set" option), zeek.Opt[T] → an &optional T.
// A struct field without a special meaning is a nested record: its columns
// are flattened with the field's name as prefix ("id.orig_h"); a
// zeek.Opt[struct] is a nested record that may be unset as a whole.
//
// Tag options, after the name and separated by commas:
//
//   - set: the slice is a set[T] rather than a vector[T].
//   - enum: the value is a Zeek enum; the Go type is a string kind or has a
//     String() string method (on the value or on its pointer).
//   - time, interval: the float64 field holds a time or an interval in
//     seconds, as the double Zeek computes (an interval that is the
//     difference of two times carries the rounding of that subtraction,
//     which shows in JSON output: 1.1041350364685059, not 1.104135).
//   - ext=NAME: the field belongs to an extension (a Zeek script that
//     redefs the record, such as "vlan-logging"); it is logged only when a
//     View enables that extension. Enabled extensions' fields follow the base
//     fields of the same record, extension by extension in the order they
//     were enabled, and in struct order within one extension.
//
// Fields without a zeek tag, or tagged "-", are not logged.
//
// Compile reflects over a type once; View picks the columns one output
// writes (extensions, Zeek filter include/exclude, renaming); View.Visit hands
// each value of a record to a Visitor using precomputed field offsets.
// Limits are Zeek's log field limits: View.CheckLimits tells what they cut
// in a record, and a Record made with Limited is visited with those cuts
// applied, without copying or changing the record.
package schema
