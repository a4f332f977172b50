package dns

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// recorder is a handler that keeps every record event, printed as Zeek's
// print statement shows the event's record argument.
type recorder struct{ events []string }

func (r *recorder) message(*msgHeader)                          {}
func (r *recorder) question(*msgHeader, []byte, uint16, uint16) {}
func (r *recorder) end(*msgHeader)                              {}
func (r *recorder) record(m *msgHeader, a *answer, rd *rdata) {
	if s := describe(m, a, rd); s != "" {
		r.events = append(r.events, s)
	}
}

// zstr prints bytes as Zeek prints a string inside a record: printable
// ASCII as it is, other bytes as \xNN.
func zstr(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			fmt.Fprintf(&sb, "\\x%02x", c)
		} else {
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

// zdouble prints a double as Zeek does: shortest form, ".0" when whole.
func zdouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func zbool(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

func zaddrs(as []netip.Addr) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// describe prints the events base/protocols/dns has no handler for (their
// records never reach dns.log) in the form of Zeek's print statement, for
// comparison with what Zeek's own tests print; "" for the others.
func describe(m *msgHeader, a *answer, rd *rdata) string {
	isQuery := m.isQuery
	switch rd.kind {
	case rdHINFO:
		return "HINFO " + zstr(rd.hinfo.cpu) + ", " + zstr(rd.hinfo.os)
	case rdCAA:
		return fmt.Sprintf("CAA %d, %s, %s", rd.caa.flags, zstr(rd.caa.tag), zstr(rd.caa.value))
	case rdTKEY:
		t := &rd.tkey
		return fmt.Sprintf("TKEY [query=%s, qtype=%d, alg_name=%s, inception=%s, expiration=%s, mode=%d, rr_error=%d, key_data=%s, is_query=%d]",
			zstr(a.name), a.section, zstr(rd.name), zdouble(float64(t.inception)), zdouble(float64(t.expiration)),
			t.mode, t.errorCode, zstr(t.key), isQuery)
	case rdTSIG:
		t := &rd.tsig
		return fmt.Sprintf("TSIG [query=%s, qtype=%d, alg_name=%s, sig=%s, time_signed=%s, fudge=%s, orig_id=%d, rr_error=%d, is_query=%d]",
			zstr(a.name), a.section, zstr(rd.name), zstr(t.mac), zdouble(float64(t.timeSec)+float64(t.timeMsec)/1000),
			zdouble(float64(t.fudge)), t.origID, t.errorCode, isQuery)
	case rdEDNS:
		e := &rd.edns
		return fmt.Sprintf("EDNS [query=%s, qtype=%d, t=%d, payload_size=%d, extended_rcode=%d, version=%d, z_field=%d, TTL=%d, is_query=%d]",
			zstr(a.name), a.section, a.qtype, e.payloadSize, e.extRcode, e.version, e.z, e.ttl, isQuery)
	case rdECS:
		e := &rd.ecs
		return fmt.Sprintf("ECS [family=%s, source_prefix_len=%d, scope_prefix_len=%d, address=%s]",
			e.family, e.sourcePrefixLen, e.scopePrefixLen, e.address)
	case rdTCPKeepalive:
		return fmt.Sprintf("KEEPALIVE [keepalive_timeout_omitted=%s, keepalive_timeout=%d]", zbool(rd.keepalive.omitted), rd.keepalive.timeout)
	case rdCookie:
		return "COOKIE [client_cookie=" + zstr(rd.cookie.client) + ", server_cookie=" + zstr(rd.cookie.server) + "]"
	case rdSVCB, rdHTTPS:
		tag := "SVCB"
		if rd.kind == rdHTTPS {
			tag = "HTTPS"
		}
		s := &rd.svcb
		params := "<uninitialized>"
		if s.hasParams {
			var ps []string
			for i := range s.params {
				ps = append(ps, describeParam(&s.params[i]))
			}
			params = "[" + strings.Join(ps, ", ") + "]"
		}
		return fmt.Sprintf("%s [svc_priority=%d, target_name=%s, svc_params=%s]", tag, s.priority, zstr(rd.name), params)
	}
	return ""
}

func describeParam(p *svcParam) string {
	un := "<uninitialized>"
	key, mandatory, alpn, port, hint, ech, raw := un, un, un, un, un, un, un
	if p.has&svcKey != 0 {
		key = strconv.Itoa(int(p.key))
	}
	if p.has&svcMandatory != 0 {
		var s []string
		for _, k := range p.mandatory {
			s = append(s, strconv.Itoa(int(k)))
		}
		mandatory = "[" + strings.Join(s, ", ") + "]"
	}
	if p.has&svcALPN != 0 {
		var s []string
		for _, id := range p.alpn {
			s = append(s, zstr(id))
		}
		alpn = "[" + strings.Join(s, ", ") + "]"
	}
	if p.has&svcPort != 0 {
		port = strconv.Itoa(int(p.port))
	}
	if p.has&svcHints != 0 {
		hint = zaddrs(p.hints)
	}
	if p.has&svcECH != 0 {
		ech = base64.StdEncoding.EncodeToString(p.ech)
	}
	if p.has&svcRaw != 0 {
		raw = zstr(p.raw)
	}
	return fmt.Sprintf("[key=%s, mandatory=%s, alpn=%s, p=%s, hint=%s, ech=%s, raw=%s]", key, mandatory, alpn, port, hint, ech, raw)
}

var (
	v6a = netip.MustParseAddr("2606:4700::6810:84e5").As16()
	v6b = netip.MustParseAddr("2606:4700::6810:85e5").As16()
)

// typeCases are one record of each type Zeek decodes, with the answers
// entry Zeek's dns.log shows for it ("-": none) and, for the events
// base/protocols/dns does not handle, what Zeek's print of the event's
// record shows when a script handles it.
var typeCases = []struct {
	name   string
	typ    uint16
	rdata  []byte
	answer string
	events []string
	weirds []string
}{
	{name: "A", typ: 1, rdata: []byte{192, 0, 2, 1}, answer: "192.0.2.1"},
	{name: "AAAA", typ: 28, rdata: netip.MustParseAddr("2001:db8::1").AsSlice(), answer: "2001:db8::1"},
	{name: "AAAA v4-mapped", typ: 28, rdata: netip.MustParseAddr("::ffff:192.0.2.7").AsSlice(), answer: "192.0.2.7"},
	{name: "A6", typ: 38, rdata: netip.MustParseAddr("2001:db8::6").AsSlice(), answer: "2001:db8::6"},
	{name: "CNAME", typ: 5, rdata: encName("Target.Example.COM"), answer: "target.example.com"},
	{name: "NS", typ: 2, rdata: encName("ns1.example.com"), answer: "ns1.example.com"},
	{name: "PTR", typ: 12, rdata: encName("host.example.com"), answer: "host.example.com"},
	{name: "MX", typ: 15, rdata: cat(u16(10), encName("mail.example.com")), answer: "mail.example.com"},
	{name: "TXT", typ: 16, rdata: charStrings("v=spf1 mx -all", "second, with comma"), answer: "TXT 14 v=spf1 mx -all TXT 18 second, with comma"},
	{name: "TXT empty string", typ: 16, rdata: charStrings(""), answer: "TXT 0 "},
	{name: "SPF", typ: 99, rdata: charStrings("v=spf1 mx -all test", "v=spf1 mx -all"), answer: "SPF 19 v=spf1 mx -all test SPF 14 v=spf1 mx -all"},
	{name: "SOA", typ: 6, rdata: cat(encName("ns1.example.com"), encName("hostmaster.example.com"), u32(2024010101), u32(7200), u32(3600), u32(1209600), u32(300)), answer: "ns1.example.com"},
	{name: "SRV", typ: 33, rdata: cat(u16(0), u16(5), u16(5060), encName("sip.example.com")), answer: "sip.example.com"},
	{name: "NAPTR", typ: 35, rdata: cat(u16(100), u16(100), charStrings("s", "SIPS+D2T", ""), encName("_sips._tcp.example.com")),
		answer: "NAPTR 100 100 s SIPS+D2T _sips._tcp.example.com"},
	{name: "NAPTR regexp", typ: 35, rdata: cat(u16(10), u16(20), charStrings("u", "E2U+sip", "!^.*$!sip:info@example.com!"), encName("")),
		answer: "NAPTR 10 20 u E2U+sip !^.*$!sip:info@example.com!"},
	{name: "HINFO", typ: 13, rdata: charStrings("INTEL", "LINUX"), answer: "-", events: []string{"HINFO INTEL, LINUX"}},
	{name: "CAA", typ: 257, rdata: cat([]byte{0, 5}, []byte("issue"), []byte("letsencrypt.org")), answer: "-",
		events: []string{"CAA 0, issue, letsencrypt.org"}},
	{name: "LOC", typ: 29, rdata: cat([]byte{0, 18, 21, 19}, u32(2282029648), u32(1708315648), u32(10000000)), answer: "LOC:  18 21 19"},
	{name: "SSHFP", typ: 44, rdata: cat([]byte{2, 1}, []byte{0xa6, 0xb9, 0x5f, 0x9e, 0xba, 0x11, 0x04, 0xa7, 0x27, 0x2a, 0x36, 0x2e, 0x8b, 0xfb, 0xcb, 0xeb, 0xd5, 0x72, 0x6d, 0xcf}),
		answer: "SSHFP: a6b95f9eba1104a7272a362e8bfbcbebd5726dcf"},
	{name: "WKS", typ: 11, rdata: cat([]byte{192, 0, 2, 1, 6}, []byte{0, 0, 0, 0x40}), answer: "-"},
	{name: "DNSKEY", typ: 48, rdata: cat(u16(256), []byte{3, 5}, []byte{3, 1, 0, 1, 0xa8, 0x33}), answer: "DNSKEY 5"},
	{name: "DNSKEY flags", typ: 48, rdata: cat(u16(0x0181), []byte{2, 200}, []byte{1}), answer: "DNSKEY 200",
		weirds: []string{"DNSSEC_DNSKEY_Revoked_KSK (385)", "DNSSEC_DNSKEY_Invalid_Protocol (2)", "DNSSEC_DNSKEY_unknown_ZoneSignAlgo (200)"}},
	{name: "DS", typ: 43, rdata: cat(u16(18463), []byte{5, 1}, []byte{0x0c, 0x45, 0xb3}), answer: "DS 5 1"},
	{name: "DS reserved digest", typ: 43, rdata: cat(u16(1), []byte{8, 0}, []byte{1}), answer: "DS 8 0", weirds: []string{"DNSSEC_DS_ReservedDigestType (0)"}},
	{name: "RRSIG", typ: 46, rdata: cat(u16(1), []byte{5, 4}, u32(30), u32(1535000000), u32(1532846032), u16(50475), encName("upenn.edu"), []byte{1, 2, 3}),
		answer: "RRSIG 1 upenn.edu"},
	{name: "RRSIG root signer", typ: 46, rdata: cat(u16(48), []byte{8, 0}, u32(30), u32(1), u32(2), u16(20326), encName(""), []byte{1}),
		answer: "RRSIG 48 <Root>"},
	{name: "RRSIG MD5", typ: 46, rdata: cat(u16(1), []byte{1, 2}, u32(30), u32(1), u32(2), u16(1), encName("example.com"), []byte{1}),
		answer: "RRSIG 1 example.com", weirds: []string{"DNSSEC_RRSIG_NotRecommended_ZoneSignAlgo (1)"}},
	{name: "NSEC", typ: 47, rdata: cat(encName("dlxssvr.library.upenn.edu"), []byte{0, 6, 0x40, 0, 0, 0, 0, 3}), answer: "NSEC example.com dlxssvr.library.upenn.edu"},
	{name: "NSEC3", typ: 50, rdata: cat([]byte{1, 0}, u16(20), []byte{2, 0xab, 0xcd}, []byte{3, 1, 2, 3}, []byte{0, 1, 0x40}), answer: "NSEC3"},
	{name: "NSEC3PARAM", typ: 51, rdata: cat([]byte{1, 0}, u16(0), []byte{0}), answer: "NSEC3PARAM"},
	{name: "BINDS", typ: 65534, rdata: []byte{7, 0x7d, 0x12, 0, 1}, answer: "BIND9 signing signal"},
	{name: "unknown", typ: 256, rdata: []byte("uri"), answer: "<unknown type=256>", weirds: []string{"DNS_RR_unknown_type (256)"}},
	{name: "NetBIOS NB", typ: 32, rdata: []byte{0, 0, 192, 0, 2, 1}, answer: "-"},
	{name: "SVCB alias", typ: 64, rdata: cat(u16(0), encName("foo.example.com")), answer: "-",
		events: []string{"SVCB [svc_priority=0, target_name=foo.example.com, svc_params=<uninitialized>]"}},
	{name: "HTTPS", typ: 65,
		rdata: cat(u16(1), encName(""),
			u16(1), u16(24), charStrings("h3", "h3-29", "h3-28", "h3-27", "h2"),
			u16(4), u16(8), []byte{104, 16, 132, 229, 104, 16, 133, 229},
			u16(6), u16(32), v6a[:], v6b[:]),
		answer: "-",
		events: []string{"HTTPS [svc_priority=1, target_name=., svc_params=[" +
			"[key=1, mandatory=<uninitialized>, alpn=[h3, h3-29, h3-28, h3-27, h2], p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=<uninitialized>], " +
			"[key=4, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=[104.16.132.229, 104.16.133.229], ech=<uninitialized>, raw=<uninitialized>], " +
			"[key=6, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=[2606:4700::6810:84e5, 2606:4700::6810:85e5], ech=<uninitialized>, raw=<uninitialized>]]]"}},
	{name: "HTTPS port, mandatory, ECH, no-default-alpn", typ: 65,
		rdata: cat(u16(1), encName("svc.example.com"),
			u16(0), u16(4), u16(1), u16(3),
			u16(2), u16(0),
			u16(3), u16(2), u16(8443),
			u16(5), u16(4), []byte{0, 1, 2, 3}),
		answer: "-",
		events: []string{"HTTPS [svc_priority=1, target_name=svc.example.com, svc_params=[" +
			"[key=0, mandatory=[1, 3], alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=<uninitialized>], " +
			"[key=2, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=<uninitialized>], " +
			"[key=3, mandatory=<uninitialized>, alpn=<uninitialized>, p=8443, hint=<uninitialized>, ech=<uninitialized>, raw=<uninitialized>], " +
			"[key=5, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=AAECAw==, raw=<uninitialized>]]]"}},
	{name: "HTTPS malformed port and alpn", typ: 65,
		rdata:  cat(u16(1), encName(""), u16(3), u16(3), []byte{1, 2, 3}, u16(1), u16(3), []byte{5, 'h', '2'}, u16(9), u16(1), []byte{'x'}),
		answer: "-",
		events: []string{"HTTPS [svc_priority=1, target_name=., svc_params=[" +
			"[key=3, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=\\x01\\x02\\x03], " +
			"[key=1, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=\\x05h2], " +
			"[key=9, mandatory=<uninitialized>, alpn=<uninitialized>, p=<uninitialized>, hint=<uninitialized>, ech=<uninitialized>, raw=x]]]"},
		weirds: []string{"DNS_SVCB_port_length_invalid", "DNS_SVCB_alpn_length_invalid", "DNS_SVCB_key_reserved_or_invalid"}},
	{name: "OPT", typ: 41,
		rdata: cat(u16(8), u16(7), u16(1), []byte{24, 0}, []byte{213, 61, 29},
			u16(10), u16(24), []byte{0xc8, 0x14, 0x98, 'Z', 0x92, 0x8a, 'c', 'B'}, []byte("0123456789abcdef"),
			u16(11), u16(2), u16(10),
			u16(11), u16(0),
			u16(3), u16(2), []byte("ns")),
		answer: "-",
		events: []string{
			"EDNS [query=example.com, qtype=1, t=41, payload_size=1, extended_rcode=0, version=0, z_field=300, TTL=300, is_query=0]",
			"ECS [family=v4, source_prefix_len=24, scope_prefix_len=0, address=213.61.29.0]",
			"COOKIE [client_cookie=\\xc8\\x14\\x98Z\\x92\\x8acB, server_cookie=0123456789abcdef]",
			"KEEPALIVE [keepalive_timeout_omitted=F, keepalive_timeout=10]",
			"KEEPALIVE [keepalive_timeout_omitted=T, keepalive_timeout=0]",
		},
		weirds: []string{"EDNS_TCP_Keepalive_In_UDP", "EDNS_TCP_Keepalive_In_UDP"}},
	{name: "OPT ECS v6", typ: 41,
		rdata:  cat(u16(8), u16(11), u16(2), []byte{56, 0}, []byte{0x20, 0x01, 0x04, 0x70, 0x1f, 0x0b, 0x16}),
		answer: "-",
		events: []string{
			"EDNS [query=example.com, qtype=1, t=41, payload_size=1, extended_rcode=0, version=0, z_field=300, TTL=300, is_query=0]",
			"ECS [family=v6, source_prefix_len=56, scope_prefix_len=0, address=2001:470:1f0b:1600::]"}},
	{name: "TSIG", typ: 250,
		// Zeek reads the 48-bit time as 32 bits of seconds and 16 of
		// milliseconds.
		rdata:  cat(encName("hmac-md5.sig-alg.reg.int"), u16(0), u32(0x5409031a), u16(300), u16(2), []byte{0xbd, 0xbf}, u16(9703), u16(0), u16(0)),
		answer: "-",
		events: []string{"TSIG [query=example.com, qtype=1, alg_name=hmac-md5.sig-alg.reg.int, sig=\\xbd\\xbf, time_signed=21513.794, fudge=300.0, orig_id=9703, rr_error=0, is_query=0]"}},
	{name: "TKEY", typ: 249,
		rdata:  cat(encName("gss-tsig"), u32(1676938156), u32(1677024556), u16(3), u16(0), u16(3), []byte{1, 2, 3}, u16(0)),
		answer: "-",
		events: []string{"TKEY [query=example.com, qtype=1, alg_name=gss-tsig, inception=1676938156.0, expiration=1677024556.0, mode=3, rr_error=0, key_data=\\x01\\x02\\x03, is_query=0]"}},
}

// TestRecordTypes builds a query and a reply with one record of each type
// and checks the answers entry of the dns.log record, the weirds, and,
// with every event handled, the decoded record as Zeek prints it.
func TestRecordTypes(t *testing.T) {
	for _, tc := range typeCases {
		t.Run(tc.name, func(t *testing.T) {
			q := (&msg{id: 7, rd: true}).question("example.com", tc.typ, 1).bytes()
			r := (&msg{id: 7, qr: true, rd: true, ra: true}).question("example.com", tc.typ, 1).
				answer("example.com", tc.typ, 300, tc.rdata).bytes()

			c, h := newTestConv(false, testConfig(baseHandled))
			c.DeliverPacket(q, true)
			h.advance(1500 * 1000) // 1.5 ms
			c.DeliverPacket(r, false)
			c.Done()
			if len(h.recs) != 1 {
				t.Fatalf("%d records, want 1", len(h.recs))
			}
			got := "-"
			if h.recs[0].Answers.Set {
				got = strings.Join(h.recs[0].Answers.V, ",")
				if len(h.recs[0].TTLs.V) != 1 || h.recs[0].TTLs.V[0] != 300*1e9 {
					t.Errorf("TTLs %v", h.recs[0].TTLs.V)
				}
			}
			if got != tc.answer {
				t.Errorf("answers %q, want %q", got, tc.answer)
			}
			if !slices.Equal(h.weirds, tc.weirds) {
				t.Errorf("weirds %q, want %q", h.weirds, tc.weirds)
			}
			if h.confirms != 2 {
				t.Errorf("%d confirmations, want 2", h.confirms)
			}

			// Every event handled: the decoded data.
			var rec recorder
			var p parser
			cfg := testConfig(allKinds)
			p.init(&cfg.parse, newTestHost(false), &rec, false)
			p.parseMessage(r, fromResponder)
			if !slices.Equal(rec.events, tc.events) {
				t.Errorf("events:\n got  %q\n want %q", rec.events, tc.events)
			}
		})
	}
}
