package dns

import (
	"slices"
	"strings"
	"testing"
)

// hdr returns a header with the given id, flags and counts.
func hdr(id, flags, qd, an, ns, ar uint16) []byte {
	return cat(u16(id), u16(flags), u16(qd), u16(an), u16(ns), u16(ar))
}

// chain returns a reply whose second record's owner name is a chain of
// n compression pointers, each to the one before, ending at the
// question's name, "a.example". The links sit in the data of the first
// record (a NetBIOS NB record, which Zeek skips).
func chain(n int) []byte {
	b := cat(hdr(1, 0x8180, 1, 2, 0, 0), encName("a.example"), u16(1), u16(1))
	b = cat(b, []byte{0xc0, 12}, u16(32), u16(1), u32(0), u16(uint16(2*n)))
	prev := 12
	for range n {
		at := len(b)
		b = append(b, 0xc0|byte(prev>>8), byte(prev))
		prev = at
	}
	return cat(b, []byte{0xc0 | byte(prev>>8), byte(prev)}, u16(1), u16(1), u32(0), u16(4), []byte{192, 0, 2, 1})
}

// TestMalformed: bad input gives Zeek's weirds, and the record Zeek
// writes for it, and never more work than the message's size allows.
func TestMalformed(t *testing.T) {
	long := strings.Repeat("a", 63)
	cases := []struct {
		name      string
		data      []byte
		orig      bool
		resp137   bool
		weirds    []string
		query     string // the record's query: "-" unset, "(empty)", "none" for no record
		violation string
	}{
		{name: "shorter than a header", data: []byte{1, 2, 3}, orig: true, weirds: []string{"DNS_truncated_len_lt_hdr_len"}, query: "none"},
		{name: "empty", data: nil, orig: true, weirds: []string{"DNS_truncated_len_lt_hdr_len"}, query: "none"},
		{name: "unknown opcode", data: hdr(1, 3<<11, 1, 0, 0, 0), orig: true, weirds: []string{"DNS_unknown_opcode (3)"}, query: "none"},
		{name: "too many questions", data: hdr(1, 0, 26, 0, 0, 0), orig: true,
			weirds: []string{"DNS_Conn_count_too_large (26 > 25)"}, query: "-", violation: "DNS_Conn_count_too_large"},
		{name: "question past the end", data: hdr(1, 0, 2, 0, 0, 0), orig: true, weirds: []string{"dns_invalid_name"}, query: "-"},
		{name: "label past the end", data: cat(hdr(1, 0, 1, 0, 0, 0), []byte{9, 'a', 'b'}), orig: true,
			weirds: []string{"DNS_label_len_gt_pkt"}, query: "-"},
		{name: "pointer cut off", data: cat(hdr(1, 0, 1, 0, 0, 0), []byte{0xc0}), orig: true,
			weirds: []string{"dns_invalid_name"}, query: "-"},
		{name: "forward pointer", data: cat(hdr(1, 0, 1, 0, 0, 0), []byte{0xc0, 14}, u16(1), u16(1)), orig: true,
			weirds: []string{"DNS_label_forward_compress_offset"}, query: "-"},
		{name: "pointer to itself", data: cat(hdr(1, 0, 1, 0, 0, 0), []byte{0xc0, 12}, u16(1), u16(1)), orig: true,
			weirds: []string{"DNS_label_forward_compress_offset"}, query: "-"},
		{name: "pointer chain at the limit", data: chain(19), query: "a.example"},
		{name: "pointer chain past the limit", data: chain(20),
			weirds: []string{"DNS_max_compression_chain_depth_exceeded (21)"}, query: "(empty)"},
		{name: "label of 64 bytes", data: cat(hdr(1, 0, 1, 0, 0, 0), encName(long+"x.example"), u16(1), u16(1)), orig: true,
			weirds: []string{"DNS_label_too_long"}, query: "-"},
		{name: "label of 64 bytes to NetBIOS", data: cat(hdr(1, 0, 1, 0, 0, 0), encName(long+"x"), u16(32), u16(1)), orig: true, resp137: true,
			query: long + "x"},
		{name: "name of 255 bytes", data: cat(hdr(1, 0, 1, 0, 0, 0), encName(strings.Repeat(long+".", 4)), u16(1), u16(1)), orig: true,
			weirds: []string{"DNS_NAME_too_long"}, query: strings.TrimSuffix(strings.Repeat(long+".", 4), ".")},
		{name: "name longer than 512 bytes", data: cat(hdr(1, 0, 1, 0, 0, 0), encName(strings.Repeat(long+".", 9)), u16(1), u16(1)), orig: true,
			weirds: []string{"DNS_label_len_gt_name_len"}, query: "-"},
		{name: "question without type and class", data: cat(hdr(1, 0, 1, 0, 0, 0), encName("a.example"), []byte{0, 1}), orig: true,
			weirds: []string{"DNS_truncated_quest_too_short"}, query: "-"},
		{name: "answer without type and class", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), []byte{0}),
			weirds: []string{"DNS_truncated_ans_too_short"}, query: "-"},
		{name: "record longer than the message", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(1), u16(1), u32(5), u16(9), []byte{1, 2, 3, 4}),
			weirds: []string{"DNS_truncated_RR_rdlength_lt_len"}, query: "-"},
		{name: "empty record data before the end", data: cat(hdr(1, 0x8180, 0, 2, 0, 0), encName("a.example"), u16(1), u16(1), u32(5), u16(0), encName("b.example"), u16(1), u16(1), u32(5), u16(4), []byte{1, 2, 3, 4}),
			weirds: []string{"DNS_zero_rdlength"}, query: "-"},
		{name: "A of three bytes", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(1), u16(1), u32(5), u16(3), []byte{1, 2, 3}),
			weirds: []string{"DNS_RR_bad_length"}, query: "-"},
		{name: "CNAME shorter than its length", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(5), u16(1), u32(5), u16(13), encName("b.example"), []byte{0, 0}),
			weirds: []string{"DNS_RR_length_mismatch"}, query: "a.example"},
		{name: "TXT string past the record", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(16), u16(1), u32(5), u16(3), []byte{5, 'a', 'b'}),
			weirds: []string{"DNS_TXT_char_str_past_rdlen"}, query: "a.example"},
		{name: "LOC of the wrong length", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(29), u16(1), u32(5), u16(4), []byte{0, 0, 0, 0}),
			weirds: []string{"dns_invalid_loc_length"}, query: "-"},
		{name: "LOC version 1", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(29), u16(1), u32(5), u16(16), []byte{1, 0, 0, 0}, make([]byte, 12)),
			weirds: []string{"DNS_LOC_version_unrecognized (1)"}, query: "a.example"},
		{name: "NAPTR too short", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(35), u16(1), u32(5), u16(4), u16(1), u16(2)),
			query: "-", violation: "DNS_NAPTR_too_short"},
		{name: "NAPTR strings past the record", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(35), u16(1), u32(5), u16(7), u16(1), u16(2), []byte{9, 'a', 0}),
			weirds: []string{"DNS_TXT_char_str_past_rdlen", "DNS_TXT_char_str_past_rdlen", "dns_invalid_name"}, query: "-", violation: "DNS_NAPTR_RR_too_short"},
		{name: "OPT option past the record", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName(""), u16(41), u16(512), u32(0), u16(6), u16(10), u16(8), []byte{1, 2}),
			weirds: []string{"EDNS_truncated_option"}, query: "-"},
		{name: "OPT with a stray byte", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName(""), u16(41), u16(512), u32(0), u16(5), u16(12), u16(0), []byte{0}),
			weirds: []string{"EDNS_truncated_option"}, query: "-"},
		{name: "ECS bad prefixes", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName(""), u16(41), u16(512), u32(0), u16(28),
			u16(8), u16(7), u16(1), []byte{32, 0}, []byte{1, 2, 3},
			u16(8), u16(5), u16(2), []byte{255, 0}, []byte{1},
			u16(8), u16(4), u16(1), []byte{8, 0}),
			weirds: []string{"EDNS_ECS_invalid_addr_v4 (need 32 bits, have 24 bits)", "EDNS_ECS_invalid_addr_v6_prefix (255 bits)", "EDNS_ECS_invalid_option_len"},
			query:  "-"},
		{name: "SVCB shorter than 3 bytes", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(64), u16(1), u32(5), u16(2), u16(1)),
			weirds: []string{"DNS_SVCB_wrong_length"}, query: "-"},
		{name: "SVCB alias with parameters, value too big", data: cat(hdr(1, 0x8180, 0, 1, 0, 0), encName("a.example"), u16(64), u16(1), u32(5), u16(9), u16(0), encName(""), u16(3), u16(9), []byte{1, 2}),
			weirds: []string{"DNS_SVCB_aliasmode_with_params", "DNS_SVCB_param_value_toobig (9 capped to 2)"}, query: "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHost(false)
			if tc.resp137 {
				h.id.RespP.Num = 137
			}
			c := &conv{}
			c.init(h, testConfig(baseHandled))
			c.DeliverPacket(tc.data, tc.orig)
			c.Done()
			if !slices.Equal(h.weirds, tc.weirds) {
				t.Errorf("weirds %q, want %q", h.weirds, tc.weirds)
			}
			q := "none"
			if len(h.recs) > 0 {
				q = "-"
				if h.recs[0].Query.Set {
					q = h.recs[0].Query.V
					if q == "" {
						q = "(empty)"
					}
				}
			}
			if q != tc.query {
				t.Errorf("query %q, want %q", q, tc.query)
			}
			if v := strings.Join(h.violations, ","); v != tc.violation {
				t.Errorf("violations %q, want %q", v, tc.violation)
			}
		})
	}
}
