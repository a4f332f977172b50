// Package pcapfile reads and writes packet trace files: classic pcap and
// pcapng, optionally gzip-compressed.
//
// # Reading
//
// Open (or NewReader) detects the format from the first bytes of the input,
// never from the file name:
//
//   - classic pcap in either byte order, with microsecond (0xa1b2c3d4) or
//     nanosecond (0xa1b23c4d) timestamps, and the "modified" pcap written by
//     Alexey Kuznetzov's patched libpcap (0xa1b2cd34, 24-byte record headers);
//   - pcapng: any number of sections, each in its own byte order, each with
//     its own interfaces (of any link types, with if_tsresol as a power of 10
//     or of 2 and if_tsoffset); Enhanced, Simple and obsolete Packet Blocks
//     carry packets, every other block is skipped;
//   - either of them compressed with gzip (magic 1f 8b).
//
// The Reader is a pktsrc.Source and a pktsrc.Progress. It reads the input in
// large chunks into a buffer it owns and returns each frame's bytes as a
// slice of that buffer: Frame.Data is valid only until the next call to Next
// or Close, and must not be modified by the caller. Next allocates nothing
// once the buffer has grown to the largest record seen.
//
// Timestamps are converted to nanoseconds with exact integer arithmetic;
// fractions finer than a nanosecond are truncated. Zeek reads traces
// through libpcap at microsecond precision, so it sees every timestamp
// truncated to the microsecond; callers that need Zeek's view truncate
// Frame.TS themselves.
//
// # Compatibility with libpcap
//
// Zeek reads trace files through libpcap, so the checks follow libpcap's
// savefile readers (sf-pcap.c, sf-pcapng.c): supported pcap versions (2.0
// to 2.4 and 543.0), the caplen/len exchange of versions before 2.3, the
// reserved bits of the link-type field, snapshot lengths of 0 meaning "the
// maximum for the link type", a record longer than the snapshot length cut
// to the snapshot length (pcap) or refused (pcapng), per-link-type maximum
// record sizes, and NFLOG TLV headers converted to the host's byte order
// when the file was written in the other one. Where libpcap refuses a file
// that is well formed (pcapng interfaces with different link types or
// snapshot lengths, sections with different byte orders), this package
// reads it and reports each frame's own link type and interface.
//
// Frame.IfIndex numbers the interfaces of a pcapng file across all its
// sections, in the order of their Interface Description Blocks: the first
// interface of the second section follows the last one of the first. It is
// 0 for classic pcap. A pcapng file without any interface is read as an
// empty trace (libpcap refuses it).
//
// Frame.LinkType is the LINKTYPE_ value stored in the file (the low 16 bits
// of the pcap header's link-type field). libpcap would map the few values
// that differ between LINKTYPE_ and the platform's DLT_ (e.g. LINKTYPE_RAW
// 101 to DLT_RAW 12 on Linux); this package does not.
//
// # Writing
//
// Writer writes classic pcap and NgWriter writes pcapng; both exist so that
// tests and the project's trace generators can build traces from packets
// they construct.
package pcapfile
