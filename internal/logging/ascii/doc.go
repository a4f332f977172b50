// Package ascii encodes log records in the format of Zeek's ASCII writer:
// the tab-separated text with #-prefixed header lines that Zeek writes by
// default, byte for byte.
//
// The rules follow Zeek's sources (src/logging/writers/ascii/Ascii.cc,
// src/threading/formatters/Ascii.cc, src/Desc.cc and util.cc):
//
//   - Header: "#separator " and the separator hex-escaped, then
//     #set_separator, #empty_field, #unset_field, #path (values escaped the
//     same way), #open (local time, %Y-%m-%d-%H-%M-%S), #fields, #types;
//     #close at the end. With TSV only one line of names; without meta
//     lines nothing.
//   - Values: unset → the unset mark ("-"); empty string, set or vector →
//     the empty mark ("(empty)"); bool → T/F; int and count in decimal;
//     port → its number; addr and subnet as zeek.AppendAddr/AppendSubnet;
//     time and interval with six decimals; double as AppendDouble; set
//     and vector elements joined by the set separator.
//   - Strings: a string equal to the unset or empty mark gets its first
//     byte written as \xNN. Backslash becomes "\\"; the field separator
//     (and inside sets and vectors the set separator) is hex-escaped byte by
//     byte; with enable_utf_8 (the default) the rest passes through
//     AppendUTF8Escaped, else every byte outside printable ASCII is \xNN.
//   - A record line that starts with the meta prefix gets its first byte
//     hex-escaped.
//
// The package formats; it does not write files (see package logging).
package ascii
