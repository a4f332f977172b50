// Command heron is Heron's node. With -r it reads a packet trace and writes
// Zeek's logs for it, as `zeek -r` does; script names pick what runs (as
// with zeek and zeek -b) and ID=VALUE arguments set Zeek options. Run
// `heron --help` for the flags and `heron --help-options` for the options.
package main
