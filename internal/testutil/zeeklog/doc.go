// Package zeeklog reads Zeek's ASCII (tab-separated) logs back for tests.
//
// Parse takes the header lines a Zeek ASCII writer puts before the records
// (#separator, #set_separator, #empty_field, #unset_field, #path, #fields,
// #types; #open and #close are kept as read) and returns each record as a map
// from field name to the value exactly as written: escapes such as \x09
// stay in place, an unset field is the unset mark ("-") and an empty string,
// set or vector is the empty mark ("(empty)"). Log's methods interpret
// values: Unset, Empty, Elems (the elements of a set or vector) and Unescape
// (undo the writer's \xNN escapes). ReadFile parses a log file by path.
//
// A file may hold several header blocks (logs written one after another
// into one file); each #fields line applies to the records after it. The
// parser is meant for the small logs tests produce: it keeps everything in
// memory and rejects lines longer than MaxLine.
package zeeklog
