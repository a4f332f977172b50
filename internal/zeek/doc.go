// Package zeek holds the value types that Heron shares with Zeek's logs:
// time and interval with nanosecond precision, transport ports, optional
// values, and the formatting rules Zeek applies to them.
//
// Every log schema (see internal/logging) is written in terms of these types,
// so that a field's Zeek type follows from its Go type.
package zeek
