package bpf

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
)

// IP protocol numbers, Ethernet types and LLC SAPs the code generator
// refers to.
const (
	protoICMP   = 1
	protoIGMP   = 2
	protoTCP    = 6
	protoIGRP   = 9
	protoUDP    = 17
	protoFrag6  = 44 // IPv6 fragment header
	protoESP    = 50
	protoAH     = 51
	protoICMP6  = 58
	protoPIM    = 103
	protoVRRP   = 112
	protoSCTP   = 132
	protoUndef  = -1 // "any of tcp, udp and sctp"
	etherIP     = 0x0800
	etherARP    = 0x0806
	etherRARP   = 0x8035
	etherIP6    = 0x86dd
	etherVLAN   = 0x8100
	etherQinQ   = 0x88a8
	etherQinQ2  = 0x9100
	etherMPLS   = 0x8847
	etherPPPoED = 0x8863
	etherPPPoES = 0x8864
	etherDecnet = 0x6003
	etherAtalk  = 0x809b
	etherAarp   = 0x80f3
	etherMTU    = 1500 // Ethernet types up to this are 802.3 lengths
	sapIP       = 0x06
	sapSTP      = 0x42
	sapIPX      = 0xe0
	sapNetbeui  = 0xf0
	sapISO      = 0xfe
)

// etherProtoNames are the names "ether proto" accepts (escaped with a
// backslash where they are keywords), as libpcap knows them.
var etherProtoNames = map[string]uint32{
	"ip": etherIP, "ip6": etherIP6, "arp": etherARP, "rarp": etherRARP,
	"mopdl": 0x6001, "moprc": 0x6002, "decnet": etherDecnet, "lat": 0x6004, "sca": 0x6007,
	"atalk": etherAtalk, "aarp": etherAarp, "loopback": 0x9000,
	"iso": sapISO, "stp": sapSTP, "ipx": sapIPX, "netbeui": sapNetbeui,
}

// builtinServices is used when the system has no /etc/services: well-known
// TCP and UDP service names with their ports.
var builtinServices = []struct {
	name     string
	port     int
	tcp, udp bool
}{
	{"ftp-data", 20, true, false}, {"ftp", 21, true, false}, {"ssh", 22, true, false},
	{"telnet", 23, true, false}, {"smtp", 25, true, false}, {"mail", 25, true, false},
	{"time", 37, true, true}, {"whois", 43, true, false}, {"domain", 53, true, true},
	{"bootps", 67, false, true}, {"bootpc", 68, false, true}, {"tftp", 69, false, true},
	{"gopher", 70, true, false}, {"finger", 79, true, false}, {"http", 80, true, false},
	{"www", 80, true, false}, {"kerberos", 88, true, true}, {"pop3", 110, true, false},
	{"sunrpc", 111, true, true}, {"portmapper", 111, true, true}, {"auth", 113, true, false},
	{"nntp", 119, true, false}, {"ntp", 123, false, true}, {"epmap", 135, true, true},
	{"netbios-ns", 137, false, true}, {"netbios-dgm", 138, false, true},
	{"netbios-ssn", 139, true, false}, {"imap2", 143, true, false}, {"imap", 143, true, false},
	{"snmp", 161, true, true}, {"snmp-trap", 162, true, true}, {"xdmcp", 177, false, true},
	{"bgp", 179, true, false}, {"irc", 194, true, false}, {"ldap", 389, true, true},
	{"https", 443, true, true}, {"microsoft-ds", 445, true, false}, {"kpasswd", 464, true, true},
	{"submissions", 465, true, false}, {"isakmp", 500, false, true}, {"exec", 512, true, false},
	{"login", 513, true, false}, {"shell", 514, true, false}, {"syslog", 514, false, true},
	{"printer", 515, true, false}, {"talk", 517, false, true}, {"ntalk", 518, false, true},
	{"route", 520, false, true}, {"submission", 587, true, false}, {"ldaps", 636, true, true},
	{"rsync", 873, true, false}, {"ftps-data", 989, true, false}, {"ftps", 990, true, false},
	{"telnets", 992, true, false}, {"imaps", 993, true, false}, {"pop3s", 995, true, false},
	{"socks", 1080, true, false}, {"openvpn", 1194, true, true}, {"ms-sql-s", 1433, true, false},
	{"ms-sql-m", 1434, true, false}, {"l2f", 1701, true, true}, {"radius", 1812, true, true},
	{"radius-acct", 1813, true, true}, {"nfs", 2049, true, true}, {"mysql", 3306, true, false},
	{"ms-wbt-server", 3389, true, false}, {"sip", 5060, true, true}, {"sip-tls", 5061, true, true},
	{"xmpp-client", 5222, true, false}, {"postgresql", 5432, true, false},
	{"x11", 6000, true, false}, {"http-alt", 8080, true, false},
}

// builtinProtocols is used when the system has no /etc/protocols.
var builtinProtocols = map[string]uint32{
	"ip": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "st": 5, "tcp": 6, "egp": 8,
	"igp": 9, "pup": 12, "udp": 17, "hmp": 20, "xns-idp": 22, "rdp": 27, "dccp": 33,
	"ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "rsvp": 46, "gre": 47, "esp": 50,
	"ah": 51, "ipv6-icmp": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "eigrp": 88, "ospf": 89,
	"ipip": 94, "etherip": 97, "encap": 98, "pim": 103, "ipcomp": 108, "vrrp": 112,
	"l2tp": 115, "isis": 124, "sctp": 132, "udplite": 136,
}

type servicePorts struct{ tcp, udp int }

var (
	namesOnce sync.Once
	services  map[string]servicePorts
	protocols map[string]uint32
)

// loadNames reads the system's service and protocol databases, as libpcap
// does through getaddrinfo and getprotobyname, or falls back to the
// built-in tables.
func loadNames() {
	services = make(map[string]servicePorts)
	if f, err := os.Open("/etc/services"); err == nil {
		parseServices(bufio.NewScanner(f))
		f.Close()
	}
	if len(services) == 0 {
		for _, s := range builtinServices {
			sp := servicePorts{-1, -1}
			if s.tcp {
				sp.tcp = s.port
			}
			if s.udp {
				sp.udp = s.port
			}
			services[s.name] = sp
		}
	}
	protocols = make(map[string]uint32)
	if f, err := os.Open("/etc/protocols"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			fs := strings.Fields(line)
			if len(fs) < 2 {
				continue
			}
			n, err := strconv.ParseUint(fs[1], 10, 8)
			if err != nil {
				continue
			}
			for _, name := range append([]string{fs[0]}, fs[2:]...) {
				if _, dup := protocols[name]; !dup {
					protocols[name] = uint32(n)
				}
			}
		}
		f.Close()
	}
	if len(protocols) == 0 {
		for k, v := range builtinProtocols {
			protocols[k] = v
		}
	}
}

// parseServices reads lines of "name port/proto [aliases]".
func parseServices(sc *bufio.Scanner) {
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fs := strings.Fields(line)
		if len(fs) < 2 {
			continue
		}
		portStr, proto, ok := strings.Cut(fs[1], "/")
		if !ok {
			continue
		}
		port, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			continue
		}
		for _, name := range append([]string{fs[0]}, fs[2:]...) {
			sp, seen := services[name]
			if !seen {
				sp = servicePorts{-1, -1}
			}
			switch proto {
			case "tcp":
				if sp.tcp < 0 {
					sp.tcp = int(port)
				}
			case "udp":
				if sp.udp < 0 {
					sp.udp = int(port)
				}
			default:
				continue
			}
			services[name] = sp
		}
	}
}

// lookupPort resolves a service name (or a decimal number) to a port and
// the IP protocol it belongs to: protoTCP, protoUDP, or protoUndef when it
// names the same port for both. TCP wins when the two differ, as in
// libpcap.
func lookupPort(name string) (port int, proto int, ok bool) {
	if n, err := strconv.ParseUint(name, 10, 16); err == nil {
		// getaddrinfo takes a port number as a service of any protocol.
		return int(n), protoUndef, true
	}
	namesOnce.Do(loadNames)
	sp, found := services[name]
	if !found {
		return 0, 0, false
	}
	switch {
	case sp.tcp >= 0 && sp.udp >= 0 && sp.tcp == sp.udp:
		return sp.tcp, protoUndef, true
	case sp.tcp >= 0:
		return sp.tcp, protoTCP, true
	case sp.udp >= 0:
		return sp.udp, protoUDP, true
	}
	return 0, 0, false
}

// lookupProtocol resolves an IP protocol name.
func lookupProtocol(name string) (uint32, bool) {
	namesOnce.Do(loadNames)
	v, ok := protocols[name]
	return v, ok
}
