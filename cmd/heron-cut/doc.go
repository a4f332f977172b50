// Command heron-cut prints chosen columns of Zeek logs, as zeek-cut does,
// from Zeek's ASCII (TSV) logs and from the JSON logs Heron and Zeek write
// with LogAscii::use_json=T.
//
//	heron-cut [-c|-C|-m|-M] [-n] [-d|-u|-D fmt|-U fmt] [-F c] [column ...] < log
//
// On TSV input heron-cut behaves as zeek-cut (Zeek's tools/zeek-cut): it
// follows each header block (#separator, #unset_field, #fields, #types), so
// several logs with different layouts and separators can be read one after
// another; -c and -C print the first or every header block, -m and -M
// print them as one line of column names; -n prints every column except
// those named; a named column a log lacks prints as an empty field; -d and
// -u print time columns (type "time" in #types) in local time or UTC with
// the format "%Y-%m-%dT%H:%M:%S%z" (or $HERON_CUT_TIMEFMT, or
// $ZEEK_CUT_TIMEFMT), -D and -U with a strftime(3) format given, and with -c
// they show time columns as type "string"; -F sets the output separator. A
// header without #types after #fields, or a #separator that is not one
// character, ends the run with status 1.
//
// Differences from zeek-cut: -F applies to logs without a #separator line
// too (zeek-cut then keeps a tab); a last line without a newline keeps its
// last character; input may be gzip-compressed; and JSON is read:
//
// On JSON input (one object per line) heron-cut prints what zeek-cut would
// print from the TSV form of the same log: unset (absent or null) values
// as "-", empty strings and empty arrays as "(empty)", arrays joined with
// ",", true and false as T and F, strings escaped as Zeek's ASCII writer
// escapes them, times and intervals with six decimals and doubles as Zeek
// writes doubles. JSON has no types, so the kind of a number is known from
// its column name (see columnKind); times may be epoch seconds (the
// default), milliseconds or ISO 8601 strings. Without column names, the
// columns are the record keys in the order they first appear; a named
// column a record lacks prints "-". A JSON log has no header: with -c/-C a
// "#fields" line is printed when the columns start or change, with -m/-M
// the column names alone.
package main
