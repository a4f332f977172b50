package communityid

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"testing"
)

func hash(seed uint16, proto uint8, orig, resp string, op, rp uint16, b64 bool) string {
	return string(Append(nil, seed, proto, netip.MustParseAddr(orig), netip.MustParseAddr(resp), op, rp, b64))
}

// specVectors are the published test vectors of the Community ID
// specification (corelight/community-id-spec, baseline/*.json): the flow as
// proto, source, destination and ports (ICMP ports as type and
// counterpart-or-code), and its ID with seed 0, with seed 1, and with seed 0
// in hex. The ports of the protocol 46 (RSVP) flows are absent in the
// spec and are 0 here; they are not hashed.
var specVectors = []struct {
	proto                  uint8
	src, dst               string
	sport, dport           uint16
	deflt, seed1, nobase64 string
}{
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=", "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136"},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=", "1:7461f21af8cc7e58e0e81a69c26ddb8342cef136"},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=", "1:cdabf24ff71ecd0af57e6226602c189cc5db81c9"},
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135, "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=", "1:cdabf24ff71ecd0af57e6226602c189cc5db81c9"},
	{58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=", "1:d8e6d5060227dbca19be26d866164c06087b59d4"},
	{58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=", "1:84b65dd17196a23a33aefc6a13475607588ce91d"},
	{58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=", "1:f935be1ed2c7bd5d719c6855d65bfb5e826ba908"},
	{58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=", "1:f935be1ed2c7bd5d719c6855d65bfb5e826ba908"},
	{58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=", "1:84efac3781fe306e4c63ff2122b5cfa9ce19433d"},
	{58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=", "1:a64bc7a822fcf3fb60d64e1c3e282665752d2f4d"},
	{1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=", "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839"},
	{1, "192.168.0.1", "192.168.0.89", 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=", "1:5f4b27617a60c22bfd4d9b6a83ae2c833527e839"},
	{1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=", "1:607c6d022ac21bfff43b391c540ba4a8a40df713"},
	{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=", "1:fea15a78047e8057b52988cccd50ec32ffb0814e"},
	{6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=", "1:fea15a78047e8057b52988cccd50ec32ffb0814e"},
	{132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=", "1:30fd84b5108050866f4f0e8cc491cb57b37b243b"},
	{132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=", "1:30fd84b5108050866f4f0e8cc491cb57b37b243b"},
	{6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=", "1:2d053da9994af81e45dca0e67afea6e4f3226eb8"},
	{6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=", "1:2d053da9994af81e45dca0e67afea6e4f3226eb8"},
	{17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=", "1:77f14fe445b7c22635bc29dd87095e451287a304"},
	{17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=", "1:77f14fe445b7c22635bc29dd87095e451287a304"},
	{46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=", "1:28794b920a095bb89f513c934a0c957e4147ccac"},
	{46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=", "1:28794b920a095bb89f513c934a0c957e4147ccac"},
}

func TestSpecVectors(t *testing.T) {
	for _, v := range specVectors {
		for _, c := range []struct {
			seed uint16
			b64  bool
			want string
		}{{0, true, v.deflt}, {1, true, v.seed1}, {0, false, v.nobase64}} {
			got := hash(c.seed, v.proto, v.src, v.dst, v.sport, v.dport, c.b64)
			if got != c.want {
				t.Errorf("%d %s:%d -> %s:%d seed %d base64 %v: got %s, want %s",
					v.proto, v.src, v.sport, v.dst, v.dport, c.seed, c.b64, got, c.want)
			}
		}
	}
}

// TestZeekVectors holds Zeek's own expectations: the community_id_v1 unit
// test (testing/btest/bifs/community_id/v1.zeek), the per-trace outputs of
// bifs.community_id.run-pcaps (conn_id as Zeek built it from
// Traces/communityid/*.pcap), and the conn.log of
// scripts.policy.protocols.conn.community-id-logging (http/get.pcap).
func TestZeekVectors(t *testing.T) {
	tests := []struct {
		seed       uint16
		proto      uint8
		orig, resp string
		op, rp     uint16
		want       string
	}{
		// bifs/community_id/v1.zeek. The ICMP conn_ids there say proto=1
		// even for IPv6 addresses; Zeek hashes those as ICMPv6.
		{0, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM="},
		{0, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg="},
		{0, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0="},
		{0, 1, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 129, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo="},
		{1, 6, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk="},
		{1, 17, "1.2.3.4", "5.6.7.8", 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw="},
		{1, 1, "1.2.3.4", "5.6.7.8", 8, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU="},
		{1, 1, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 128, 129, "1:IO27GQzPuCtNnwFvjWALMHu5tJE="},
		{0, 10, "1.2.3.4", "5.6.7.8", 0, 0, "1:7bYuQ7nyGBIQn7uDcQ5WraAnhWI="},
		{1, 10, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, 0, "1:rcMO2BlHXpMNFXyyWqSDUQCBRBc="},

		// bifs.community_id.run-pcaps baselines.
		{0, 1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="},
		{0, 58, "3ffe:501:0:1802:260:97ff:feb6:7ff0", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:bnQKq8A2r//dWnkRW2EYcMhShjc="},
		{0, 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:2ObVBgIn28oZvibYZhZMBgh7WdQ="},
		{0, 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4, "1:hLZd0XGWojozrvxqE0dWB1iM6R0="},
		{0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:4819::42", 1, 4, "1:jwuBy9UWZK1KUFqJV5cHdVpfrlY="},
		{0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129, "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg="},
		{0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 128, 129, "1:GpbEQrKqfWtsfsFiqg8fufoZe5Y="},
		{0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 135, 136, "1:ORxAZfN3ld7Sv73/HQTNnvgxbpY="},
		{0, 58, "3ffe:507:0:1:200:86ff:fe05:80da", "ff02::1:ff07:69ea", 135, 136, "1:MEixa66kuz0OMvlQqnAIzP3n2xg="},
		{0, 58, "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 135, 136, "1:BtEUCMYecYjJ7spEkVZDiCFaMTY="},
		{0, 58, "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0, "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w="},
		{0, 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="},
		{0, 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136, "1:dGHyGvjMfljg6Bppwm3bg0LO8TY="},
		{0, 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00="},
		{0, 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136, "1:zavyT/cezQr1fmImYCwYnMXbgck="},
		{0, 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
		{0, 132, "192.168.170.8", "192.168.170.56", 0, 0, "1:U5cVwrVgLshgANPmc8hKzEcqp1M="},
		{0, 6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{0, 17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},

		// community-id-logging (and -flipped, and the notice framework).
		{0, 6, "141.142.228.5", "192.150.187.43", 59856, 80, "1:yvyB8h+3dnggTZW0UEITWCst97w="},
	}
	for _, tt := range tests {
		if got := hash(tt.seed, tt.proto, tt.orig, tt.resp, tt.op, tt.rp, true); got != tt.want {
			t.Errorf("seed %d proto %d %s:%d -> %s:%d: got %s, want %s",
				tt.seed, tt.proto, tt.orig, tt.op, tt.resp, tt.rp, got, tt.want)
		}
	}
}

// reference hashes explicit bytes, for checks the vectors do not cover.
func reference(seed uint16, a, b []byte, proto uint8, ports ...uint16) string {
	var in []byte
	in = binary.BigEndian.AppendUint16(in, seed)
	in = append(in, a...)
	in = append(in, b...)
	in = append(in, proto, 0)
	for _, p := range ports {
		in = binary.BigEndian.AppendUint16(in, p)
	}
	sum := sha1.Sum(in)
	return "1:" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestZeekSpecifics(t *testing.T) {
	v4 := func(s string) []byte { a := netip.MustParseAddr(s).As4(); return a[:] }
	v6 := func(s string) []byte { a := netip.MustParseAddr(s).As16(); return a[:] }
	tests := []struct {
		name string
		got  string
		want string
	}{
		{
			// Same address: Zeek compares network-order ports as
			// little-endian integers, so 256 (0x0100 -> 1) sorts before
			// 1 (0x0001 -> 256).
			"same address, ports byte-swapped for ordering",
			hash(0, 6, "10.0.0.1", "10.0.0.1", 1, 256, true),
			reference(0, v4("10.0.0.1"), v4("10.0.0.1"), 6, 256, 1),
		},
		{
			"same address, other direction",
			hash(0, 6, "10.0.0.1", "10.0.0.1", 256, 1, true),
			reference(0, v4("10.0.0.1"), v4("10.0.0.1"), 6, 256, 1),
		},
		{
			"same address, ports 80 and 443",
			// 80 = 0x0050 -> 0x5000; 443 = 0x01bb -> 0xbb01: 80 first.
			hash(0, 17, "::1", "::1", 443, 80, true),
			reference(0, v6("::1"), v6("::1"), 17, 80, 443),
		},
		{
			"v4-mapped IPv6 addresses hash as IPv4",
			hash(0, 6, "::ffff:1.2.3.4", "::ffff:5.6.7.8", 1122, 3344, true),
			"1:wCb3OG7yAFWelaUydu0D+125CLM=",
		},
		{
			"ICMPv6 proto with IPv4 addresses hashes as ICMP",
			hash(0, 58, "1.2.3.4", "5.6.7.8", 8, 0, true),
			"1:crodRHL2FEsHjbv3UkRrfbs4bZ0=",
		},
		{
			"one-way ICMP keeps its direction",
			hash(0, 1, "10.0.0.2", "10.0.0.1", 3, 1, true),
			reference(0, v4("10.0.0.2"), v4("10.0.0.1"), 1, 3, 1),
		},
		{
			"two-way ICMP is ordered",
			hash(0, 1, "10.0.0.2", "10.0.0.1", 0, 8, true),
			reference(0, v4("10.0.0.1"), v4("10.0.0.2"), 1, 8, 0),
		},
		{
			"router advertisement is two-way in Zeek",
			hash(0, 1, "10.0.0.2", "10.0.0.1", 9, 10, true),
			reference(0, v4("10.0.0.1"), v4("10.0.0.2"), 1, 10, 9),
		},
		{
			"ICMP type above 255 is one-way",
			hash(0, 1, "10.0.0.2", "10.0.0.1", 264, 0, true),
			reference(0, v4("10.0.0.2"), v4("10.0.0.1"), 1, 264, 0),
		},
		{
			"other protocols hash no ports but order by them",
			hash(7, 47, "10.0.0.1", "10.0.0.1", 2, 1, true),
			reference(7, v4("10.0.0.1"), v4("10.0.0.1"), 47),
		},
		{
			"SCTP hashes its ports",
			hash(0, 132, "10.0.0.2", "10.0.0.1", 5000, 7, true),
			reference(0, v4("10.0.0.1"), v4("10.0.0.2"), 132, 7, 5000),
		},
		{
			"zones are ignored",
			hash(0, 6, "fe80::1%eth0", "fe80::2%eth1", 1, 2, true),
			hash(0, 6, "fe80::1", "fe80::2", 1, 2, true),
		},
		{
			"seed is big-endian",
			hash(0x0102, 6, "1.2.3.4", "5.6.7.8", 1, 2, true),
			reference(0x0102, v4("1.2.3.4"), v4("5.6.7.8"), 6, 1, 2),
		},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestAppendEdges(t *testing.T) {
	a := netip.MustParseAddr("1.2.3.4")
	if got := Append([]byte("x"), 0, 6, netip.Addr{}, a, 1, 2, true); string(got) != "x" {
		t.Errorf("zero orig: %q", got)
	}
	if got := Append([]byte("x"), 0, 6, a, netip.Addr{}, 1, 2, true); string(got) != "x" {
		t.Errorf("zero resp: %q", got)
	}
	got := Append([]byte("id="), 0, 6, a, a, 1, 2, true)
	if !bytes.HasPrefix(got, []byte("id=1:")) || len(got) != 3+Base64Len {
		t.Errorf("base64 append: %q", got)
	}
	got = Append(nil, 0, 6, a, a, 1, 2, false)
	if len(got) != HexLen || bytes.ContainsAny(got[2:], "ABCDEF") {
		t.Errorf("hex: %q", got)
	}
	// Mixed families cannot come from one packet; they must still not
	// panic and must be deterministic.
	b := netip.MustParseAddr("2001:db8::1")
	for _, p := range []uint8{1, 6, 58, 99} {
		x := Append(nil, 0, p, a, b, 1, 2, true)
		y := Append(nil, 0, p, b, a, 2, 1, true)
		if len(x) != Base64Len || len(y) != Base64Len {
			t.Errorf("mixed families, proto %d: %q %q", p, x, y)
		}
	}
}

func TestSymmetry(t *testing.T) {
	addrs := []string{"10.0.0.1", "10.0.0.2", "::ffff:10.0.0.3", "2001:db8::1", "2001:db8::2", "::", "255.255.255.255"}
	ports := []uint16{0, 1, 80, 256, 443, 65535}
	for _, proto := range []uint8{6, 17, 132, 47, 1, 58} {
		for _, x := range addrs {
			for _, y := range addrs {
				ax, ay := netip.MustParseAddr(x), netip.MustParseAddr(y)
				if (ax.Is4() || ax.Is4In6()) != (ay.Is4() || ay.Is4In6()) {
					continue
				}
				for _, p := range ports {
					for _, q := range ports {
						if proto == 1 || proto == 58 {
							// Two-way types only: a request and its reply.
							v6 := !(ax.Is4() || ax.Is4In6())
							typ := uint8(p % 256)
							op, rp, oneWay := ICMPConnPorts(v6, typ, 0)
							if oneWay {
								continue
							}
							p, q = op, rp
						}
						f := Append(nil, 3, proto, ax, ay, p, q, true)
						r := Append(nil, 3, proto, ay, ax, q, p, true)
						if !bytes.Equal(f, r) {
							t.Fatalf("proto %d %s:%d <-> %s:%d: %s != %s", proto, x, p, y, q, f, r)
						}
					}
				}
			}
		}
	}
}

func TestICMPConnPorts(t *testing.T) {
	tests := []struct {
		v6           bool
		typ, code    uint8
		origP, respP uint16
		oneWay       bool
	}{
		{false, 8, 0, 8, 0, false},    // echo request
		{false, 0, 0, 0, 8, false},    // echo reply
		{false, 13, 0, 13, 14, false}, // timestamp
		{false, 14, 0, 14, 13, false},
		{false, 15, 0, 15, 16, false}, // information
		{false, 16, 0, 16, 15, false},
		{false, 10, 0, 10, 9, false},  // router solicitation
		{false, 9, 0, 9, 10, false},   // router advertisement
		{false, 17, 0, 17, 18, false}, // address mask
		{false, 18, 0, 18, 17, false},
		{false, 3, 1, 3, 1, true},   // unreachable, code 1
		{false, 11, 0, 11, 0, true}, // time exceeded
		{false, 5, 2, 5, 2, true},   // redirect
		{false, 128, 7, 128, 7, true},
		{true, 128, 0, 128, 129, false}, // echo request
		{true, 129, 0, 129, 128, false},
		{true, 133, 0, 133, 134, false},
		{true, 134, 0, 134, 133, false},
		{true, 135, 0, 135, 136, false},
		{true, 136, 0, 136, 135, false},
		{true, 130, 0, 130, 131, false}, // MLD
		{true, 131, 0, 131, 130, false},
		{true, 139, 0, 139, 140, false}, // node information
		{true, 140, 0, 140, 139, false},
		{true, 144, 0, 144, 145, false}, // home agent address discovery
		{true, 145, 0, 145, 144, false},
		{true, 1, 4, 1, 4, true},     // unreachable, port
		{true, 3, 0, 3, 0, true},     // time exceeded
		{true, 143, 0, 143, 0, true}, // MLDv2 report: one-way in Zeek
		{true, 8, 0, 8, 0, true},     // ICMPv4's echo type means nothing in v6
	}
	for _, tt := range tests {
		op, rp, ow := ICMPConnPorts(tt.v6, tt.typ, tt.code)
		if op != tt.origP || rp != tt.respP || ow != tt.oneWay {
			t.Errorf("ICMPConnPorts(%v, %d, %d) = %d, %d, %v; want %d, %d, %v",
				tt.v6, tt.typ, tt.code, op, rp, ow, tt.origP, tt.respP, tt.oneWay)
		}
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	o := netip.MustParseAddr("2001:470:e5bf:dead:4957:2174:e82c:4887")
	r := netip.MustParseAddr("2607:f8b0:400c:c03::1a")
	a4 := netip.MustParseAddr("192.168.1.52")
	b4 := netip.MustParseAddr("8.8.8.8")
	buf := make([]byte, 0, 64)
	n := testing.AllocsPerRun(1000, func() {
		buf = Append(buf[:0], 0, 6, o, r, 63943, 25, true)
		buf = Append(buf[:0], 0, 17, a4, b4, 54585, 53, false)
		buf = Append(buf[:0], 1, 1, a4, b4, 8, 0, true)
	})
	if n != 0 {
		t.Errorf("Append allocates %v times per run", n)
	}
}

func FuzzAppend(f *testing.F) {
	f.Add(uint16(0), uint8(6), []byte{1, 2, 3, 4}, []byte{5, 6, 7, 8}, uint16(1122), uint16(3344), true)
	f.Add(uint16(1), uint8(58), []byte{0xfe, 0x80, 15: 1}, []byte{0xfe, 0x80, 15: 2}, uint16(135), uint16(136), false)
	f.Add(uint16(0), uint8(1), []byte{10, 0, 0, 1}, []byte{0xfe, 0x80, 15: 2}, uint16(3), uint16(1), true)
	f.Add(uint16(9), uint8(46), []byte{}, []byte{1, 2, 3, 4}, uint16(0), uint16(0), true)
	f.Fuzz(func(t *testing.T, seed uint16, proto uint8, a, b []byte, ap, bp uint16, b64 bool) {
		addr := func(x []byte) netip.Addr {
			switch {
			case len(x) >= 16:
				return netip.AddrFrom16([16]byte(x[:16]))
			case len(x) >= 4:
				return netip.AddrFrom4([4]byte(x[:4]))
			}
			return netip.Addr{}
		}
		o, r := addr(a), addr(b)
		got := Append(nil, seed, proto, o, r, ap, bp, b64)
		if !o.IsValid() || !r.IsValid() {
			if len(got) != 0 {
				t.Fatalf("invalid address hashed: %q", got)
			}
			return
		}
		want := HexLen
		if b64 {
			want = Base64Len
		}
		if len(got) != want || !bytes.HasPrefix(got, []byte("1:")) {
			t.Fatalf("bad output %q", got)
		}
		// Swapping the endpoints changes nothing unless the flow is
		// one-way ICMP (or the families differ, which no packet has).
		o4, r4 := o.Is4() || o.Is4In6(), r.Is4() || r.Is4In6()
		if o4 != r4 {
			return
		}
		if proto == 1 || proto == 58 {
			if _, oneWay := icmp4Counterpart(ap); o4 && oneWay {
				return
			}
			if _, oneWay := icmp6Counterpart(ap); !o4 && oneWay {
				return
			}
			if _, oneWay := icmp4Counterpart(bp); o4 && oneWay {
				return
			}
			if _, oneWay := icmp6Counterpart(bp); !o4 && oneWay {
				return
			}
		}
		if back := Append(nil, seed, proto, r, o, bp, ap, b64); !bytes.Equal(got, back) {
			t.Fatalf("not symmetric: %q vs %q", got, back)
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	cases := []struct {
		name  string
		proto uint8
		o, r  netip.Addr
		b64   bool
	}{
		{"v4-tcp-base64", 6, netip.MustParseAddr("128.232.110.120"), netip.MustParseAddr("66.35.250.204"), true},
		{"v4-tcp-hex", 6, netip.MustParseAddr("128.232.110.120"), netip.MustParseAddr("66.35.250.204"), false},
		{"v6-tcp-base64", 6, netip.MustParseAddr("2001:470:e5bf:dead:4957:2174:e82c:4887"), netip.MustParseAddr("2607:f8b0:400c:c03::1a"), true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 64)
			for b.Loop() {
				buf = Append(buf[:0], 0, c.proto, c.o, c.r, 34855, 80, c.b64)
			}
		})
	}
}
