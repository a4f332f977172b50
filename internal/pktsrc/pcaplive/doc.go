// Package pcaplive captures packets through libpcap, for the capture
// paths only a libpcap offers: PF_RING's libpcap, libpcap built with
// netmap or Myricom SNF support, and systems without AF_PACKET:
//
//	heron -i pcap::DEVICE
//
// On Linux with an ordinary NIC, af_packet:: is the better choice: it
// needs neither cgo nor a C library.
//
// # Building
//
// The package needs cgo and libpcap's headers, so it is built only with
// the build tag libpcap:
//
//	apt-get install gcc libpcap-dev        # Debian
//	go build -tags libpcap ./cmd/heron
//	go test -tags libpcap ./internal/pktsrc/pcaplive
//
// Without the tag (and in any CGO_ENABLED=0 build) the package holds a
// stub whose Open returns "heron was built without libpcap support;
// rebuild with -tags libpcap" (wrapping ErrNotBuilt), so the default build
// stays pure Go.
//
// # Capture
//
// Open does what Zeek's pcap source does (src/iosource/pcap/Source.cc in
// the Zeek tree): pcap_create, the snap length (Pcap::snaplen, 9216),
// promiscuous mode, a 1 ms read timeout, the buffer size (Pcap::bufsize,
// 128 MiB), pcap_activate, and the capture filter through pcap_compile
// and pcap_setfilter with the device's netmask (255.255.255.0 when it has
// none, as Zeek assumes; NFLOG devices take no filter). Immediate mode
// (pcap_set_immediate_mode) is optional. Activation warnings, such as a
// device without promiscuous mode, are kept for Warnings; errors are one
// line naming the device and the fix (a missing permission wraps
// os.ErrPermission, a missing device os.ErrNotExist). Options registers
// Zeek's Pcap::snaplen, Pcap::bufsize and Pcap::non_fd_timeout for the
// command line and turns them into a Config.
//
// The capture then runs in non-blocking mode. When libpcap offers a
// selectable descriptor, Next waits for it in the Go runtime's poller (on a
// duplicate, so libpcap keeps its own), at most 10 ms at a time before it
// reads again, since not every vendor library signals the descriptor for
// every packet. Without one (Myricom SNF has none) Next polls every
// Config.PollInterval (Zeek's Pcap::non_fd_timeout, 20 µs). Either way
// Next returns ErrIdle (wrapping pktsrc.ErrIdle) after Config.IdleTimeout
// without a packet, and io.EOF once Stop was called from any goroutine
// (Stop also calls pcap_breakloop). Next reads with pcap_next_ex and
// allocates nothing: Frame.Data points into libpcap's buffer and is valid
// only until the next call to Next or Close.
//
// Timestamps have libpcap's microsecond precision, as Zeek's; the link type
// is pcap_datalink's, turned into its LINKTYPE number where DLT values
// differ by platform (DLT_RAW). As Zeek does, Next clears the header
// libpcap returned, so that a library that hands the same header back
// without a new packet (Myricom's, by Zeek's account) yields an empty
// record, which the packet loop reports as empty_pcap_header; records
// without data are counted (NullData) and skipped. Stats takes
// pcap_stats' 32-bit counters and adds their increase modulo 2^32, as Zeek
// does, into 64-bit totals.
//
// # Which libpcap runs
//
// The binary records the shared library it was built against by its soname
// (libpcap.so.0.8 on Debian), and the dynamic loader finds that name first
// in LD_LIBRARY_PATH. A vendor build (PF_RING's, or one configured
// --with-netmap or --with-snf) usually installs libpcap.so.1 under
// /usr/local/lib, so either build Heron against it:
//
//	CGO_CFLAGS=-I/usr/local/include \
//	CGO_LDFLAGS="-L/usr/local/lib -Wl,-rpath,/usr/local/lib" \
//	go build -tags libpcap ./cmd/heron
//
// or make it reachable under the recorded name in a directory of its own
// and point LD_LIBRARY_PATH there:
//
//	mkdir -p /opt/heron/pcap && ln -s /usr/local/lib/libpcap.so.1 /opt/heron/pcap/libpcap.so.0.8
//	LD_LIBRARY_PATH=/opt/heron/pcap heron -i pcap::eth0
//
// The functions libpcap gained after version 1.5 that Heron uses are linked
// weakly, so an older vendor library still loads. LibraryVersion reports
// which library is running (pcap_lib_version).
//
// # PF_RING
//
// With PF_RING's libpcap, processes that open the same interface with the
// same PCAP_PF_RING_CLUSTER_ID share its packets by a flow hash. These are
// the variables zeekctl's lb_pf_ring plugin sets for each worker process
// (ZeekControl/plugins/lb_pf_ring.py), and PF_RING's libpcap reads
// (userland/libpcap-*/pcap-linux.c in ntop's PF_RING tree):
//
//	PCAP_PF_RING_CLUSTER_ID=21    zeekctl's PFRINGClusterID (default 21),
//	                              plus one for each further interface of
//	                              the host; libpcap takes 1 to 254
//	PCAP_PF_RING_USE_CLUSTER_PER_FLOW_4_TUPLE=1
//	                              the balancing from PFRINGClusterType
//	                              (default 4-tuple; also _2_TUPLE,
//	                              _5_TUPLE, _TCP_5_TUPLE, the
//	                              _PER_INNER_FLOW_* forms, and
//	                              PCAP_PF_RING_USE_CLUSTER_PER_FLOW for
//	                              6-tuple); without one libpcap uses 5-tuple
//	PCAP_PF_RING_APPNAME=zeek-eth0  "zeek-" and the interface: a name shown
//	                              in /proc/net/pf_ring (at most 32 bytes)
//
// For PF_RING ZC interfaces zeekctl instead sets PCAP_PF_RING_ZC_RSS=1 and
// gives each worker its own queue, zc:eth0@0, zc:eth0@1, … (from
// PFRINGFirstAppInstance, default 0), with no cluster id. Since Heron waits
// on the selectable descriptor, a ZC capture also needs
// PCAP_PF_RING_ALWAYS_SYNC_FD=1, which makes PF_RING's libpcap keep the
// kernel's view of the ring current for applications that poll the
// descriptor. PCAP_NO_PF_RING=1 turns PF_RING off in its libpcap.
//
// # netmap
//
// A libpcap built with netmap support (./configure --with-netmap) opens
// device names starting with "netmap:" or "vale". netmap:eth0 takes the
// whole interface (its packets then no longer reach the host's network
// stack). To share an interface between processes, netmap's lb tool reads
// it and balances connections, both directions together, over netmap
// pipes: `lb -i eth0 -p 4` creates the pipes eth0}0 to eth0}3, and each
// Heron process reads one with -i 'pcap::netmap:eth0}0' (quote the brace
// for the shell); `lb -i eth0 -p heron:4` names them heron}0 to heron}3.
//
// # Myricom SNF
//
// A libpcap built with SNF support (./configure --with-snf=DIR; libpcap's
// doc/README.snf.md) opens SNF devices as snfN or snf10gN, N the board
// number, or by the interface name SNF reports; LD_LIBRARY_PATH must also
// reach SNF's own libraries (DIR/lib). zeekctl's lb_myricom plugin sets,
// for each worker, SNF_NUM_RINGS to the number of worker processes on the
// interface (lb_procs) and SNF_FLAGS=0x101; it sets nothing else (no
// SNF_APP_ID). libpcap's SNF module reads SNF_FLAGS (when unset and
// SNF_NUM_RINGS is above 1 it shares the board between processes),
// SNF_PCAP_RING_ID (a ring to open; by default the library picks the
// next free one), and hands Config.BufferSize to snf_open as the data
// ring size (set it to 0 to let SNF_DATARING_SIZE decide). SNF offers no
// selectable descriptor, so Heron polls it; Zeek's documentation of
// Pcap::non_fd_timeout reports that raising the interval from 20 µs to
// 200 µs halved the CPU use of lightly loaded Myricom workers.
//
// None of PF_RING, netmap or SNF can run on the machine this package was
// written on; the text above comes from zeekctl's plugins and the
// libraries' sources, and those paths are untested here. What is tested
// (as root, in a network namespace) is Debian's libpcap on a veth pair:
// every packet of a replayed trace arrives, filters apply, Stop and the
// idle timeout work both through the selectable descriptor and by polling.
package pcaplive
