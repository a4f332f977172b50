package site

import (
	"net/netip"
	"slices"
)

// defaultPrivate lists the blocks of Zeek's default Site::private_address_space:
// IANA special-purpose IPv4 blocks, each with its 6to4 image, then IPv6
// special-purpose blocks.
var defaultPrivate = []string{
	"0.0.0.0/8", "2002::/24",
	"10.0.0.0/8", "2002:a00::/24",
	"100.64.0.0/10", "2002:6440::/26",
	"127.0.0.0/8", "2002:7f00::/24",
	"169.254.0.0/16", "2002:a9fe::/32",
	"172.16.0.0/12", "2002:ac10::/28",
	"192.0.0.0/24", "2002:c000::/40",
	"192.0.2.0/24", "2002:c000:200::/40",
	"192.168.0.0/16", "2002:c0a8::/32",
	"198.18.0.0/15", "2002:c612::/31",
	"198.51.100.0/24", "2002:c633:6400::/40",
	"203.0.113.0/24", "2002:cb00:7100::/40",
	"224.0.0.0/24", "2002:e000::/40",
	"239.0.0.0/8", "2002:ef00::/24",
	"240.0.0.0/4", "2002:f000::/20",
	"255.255.255.255/32", "2002:ffff:ffff::/48",

	"::/128",
	"::1/128",
	"64:ff9b:1::/48",
	"100::/64",
	"2001::/23",
	"2001:2::/48",
	"2001:db8::/32",
	"fc00::/7",
	"fe80::/10",
	"fec0::/10",
}

// DefaultPrivateAddressSpace returns the prefixes of Zeek's default
// Site::private_address_space (42 blocks), in a new slice the caller owns.
func DefaultPrivateAddressSpace() []netip.Prefix {
	ps := make([]netip.Prefix, len(defaultPrivate))
	for i, s := range defaultPrivate {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// Config is the Site framework's configuration, as far as conn.log depends
// on it. The zero Config has no local, private or neighbor networks and
// PrivateAddressSpaceIsLocal false; Zeek's defaults are DefaultConfig.
type Config struct {
	// LocalNets is Site::local_nets as the user configured it (zeekctl:
	// networks.cfg), before the private address space is merged in.
	LocalNets []netip.Prefix
	// PrivateAddressSpace is Site::private_address_space.
	PrivateAddressSpace []netip.Prefix
	// PrivateAddressSpaceIsLocal is Site::private_address_space_is_local
	// (zeekctl: PrivateAddressSpaceIsLocal): when true, the private address
	// space counts as local.
	PrivateAddressSpaceIsLocal bool
	// NeighborNets is Site::neighbor_nets.
	NeighborNets []netip.Prefix
}

// DefaultConfig returns Zeek's defaults: no configured local networks,
// the default private address space, and private address space counted as
// local.
func DefaultConfig() Config {
	return Config{
		PrivateAddressSpace:        DefaultPrivateAddressSpace(),
		PrivateAddressSpaceIsLocal: true,
	}
}

// Site is a compiled, immutable Config. It is safe for concurrent use.
type Site struct {
	local, private, neighbor NetSet
	localNets                []netip.Prefix // Zeek's effective Site::local_nets, deduplicated
}

// New compiles c. Host bits in prefixes are ignored and invalid (zero)
// prefixes are skipped. New does not retain c's slices.
func New(c Config) *Site {
	var eff []netip.Prefix
	add := func(ps []netip.Prefix) {
		for _, p := range ps {
			if q, ok := canonical(p); ok {
				eff = append(eff, q)
			}
		}
	}
	add(c.LocalNets)
	if c.PrivateAddressSpaceIsLocal {
		add(c.PrivateAddressSpace)
	}
	slices.SortFunc(eff, comparePrefix)
	eff = slices.Compact(eff)
	return &Site{
		local:     NewNetSet(eff),
		private:   NewNetSet(c.PrivateAddressSpace),
		neighbor:  NewNetSet(c.NeighborNets),
		localNets: slices.Clip(eff),
	}
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// IsLocal is Site::is_local_addr: whether a is in the effective
// Site::local_nets (LocalNets, plus PrivateAddressSpace when
// PrivateAddressSpaceIsLocal). It does not allocate.
func (s *Site) IsLocal(a netip.Addr) bool { return s.local.Contains(a) }

// IsPrivate is Site::is_private_addr: whether a is in PrivateAddressSpace,
// whatever PrivateAddressSpaceIsLocal says. It does not allocate.
func (s *Site) IsPrivate(a netip.Addr) bool { return s.private.Contains(a) }

// IsNeighbor is Site::is_neighbor_addr: whether a is in NeighborNets. It
// does not allocate.
func (s *Site) IsNeighbor(a netip.Addr) bool { return s.neighbor.Contains(a) }

// LogsLocality reports whether conn.log sets local_orig and local_resp for a
// new connection, i.e. whether Zeek's effective Site::local_nets holds at
// least one subnet. When it is false both fields stay unset, except that a
// connection whose direction Zeek flips gets IsLocal of its (new) orig and
// resp addresses all the same (false and false, as nothing is local).
func (s *Site) LogsLocality() bool { return len(s.localNets) > 0 }

// LocalNets returns Zeek's effective Site::local_nets after zeek_init:
// deduplicated and masked, IPv4-mapped prefixes of length 96 or more written
// as IPv4 prefixes, sorted. The caller owns the returned slice.
func (s *Site) LocalNets() []netip.Prefix { return slices.Clone(s.localNets) }
