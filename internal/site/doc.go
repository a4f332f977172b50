// Package site answers the question Zeek's Site framework answers for
// conn.log: is an address "local"? It provides a fast immutable prefix set
// (NetSet), the Site configuration with Zeek's defaults (Config, New, Site),
// and a reader for zeekctl's networks.cfg (ParseNetworksCfg).
//
// # How Zeek decides local_orig and local_resp
//
// These facts come from Zeek's scripts base/utils/site.zeek and
// base/protocols/conn/main.zeek:
//
//   - Site::local_nets starts empty; zeekctl replaces it with the networks
//     listed in networks.cfg (it writes "redef Site::local_nets = { ... }" into
//     an auto-generated local-networks.zeek).
//   - Site::private_address_space holds 42 IANA special-purpose blocks (IPv4
//     ones, their 6to4 images under 2002::/16, and IPv6 ones); see
//     DefaultPrivateAddressSpace.
//   - Site::private_address_space_is_local defaults to T. When it is T, a
//     zeek_init handler (priority 10) adds the private address space to
//     Site::local_nets, so by the time the first packet arrives local_nets is
//     the union of both. zeekctl's PrivateAddressSpaceIsLocal=0 redefines it
//     to F.
//   - Site::is_local_addr(a) is "a in Site::local_nets"; is_private_addr(a) is
//     "a in Site::private_address_space"; is_neighbor_addr(a) is
//     "a in Site::neighbor_nets".
//   - conn.log: at new_connection, if |Site::local_nets| > 0 (the number of
//     subnets in the set, not the size of the space they cover), local_orig
//     and local_resp are set to is_local_addr(id.orig_h) and
//     is_local_addr(id.resp_h); otherwise both stay unset ("-"). When Zeek
//     later flips the connection's direction (connection_flipped), it sets
//     both fields again from the new orig/resp addresses, this time WITHOUT
//     the non-empty check: a flipped connection gets F/F even with an empty
//     local_nets. See Site.LogsLocality.
//   - base/protocols/conn/main.zeek itself loads base/utils/site, so whenever
//     conn.log exists, in default or bare (-b) mode, the Site framework and
//     its defaults are in force. (Others that load it: base/init-default,
//     base/frameworks/files, base/frameworks/notice/weird and a few notice
//     actions and policy scripts.)
//
// # Addresses: IPv4, IPv6 and IPv4-mapped IPv6
//
// Zeek keeps every address in 16 bytes, an IPv4 address as the IPv4-mapped
// IPv6 address ::ffff:a.b.c.d, and an IPv4 prefix of length n as the mapped
// prefix of length 96+n; membership is a longest-prefix lookup in that
// 128-bit space. So ::ffff:10.1.2.3 is in 10.0.0.0/8, 10.1.2.3 is in
// [::ffff:0:0]/96 and in [::]/0, and the two spellings of an address are
// indistinguishable. NetSet implements exactly this.
//
// # networks.cfg
//
// zeekctl reads networks.cfg line by line: it strips surrounding whitespace,
// skips empty lines and lines that start with "#", and splits the rest at the
// first run of whitespace into a prefix and an optional free-text tag (which
// may itself contain "#"). zeekctl does not validate the prefix; Zeek's script
// parser does, when it reads the generated file. ParseNetworksCfg validates at
// read time and accepts what Zeek's parser accepts (see its doc).
package site
