// Package json encodes log records as Zeek's ASCII writer does with
// LogAscii::use_json=T: one JSON object per line, keys being the flattened
// column names ("id.orig_h"), no header lines.
//
// The rules follow Zeek's src/threading/formatters/JSON.cc and the
// RapidJSON writer it uses:
//
//   - Unset fields are left out, or written as null with IncludeUnset.
//   - bool → true/false; int, count and port → integers; addr and subnet
//     → strings; set and vector → arrays (empty: []).
//   - double and interval → RapidJSON's Grisu2 number text (AppendDouble:
//     "100.0", "3.14", "1e21"), null for NaN and infinities.
//   - time → per TimestampFormat; by default the epoch seconds as a double
//     ("1237440095.585864").
//   - strings → per EscapePolicy (default HEX: if the string is clean
//     UTF-8 it is written as is, otherwise every byte outside printable
//     ASCII becomes the text \xNN, whose backslash JSON then escapes);
//     enums always with HEX.
//
// The package formats; it does not write files (see package logging).
package json
