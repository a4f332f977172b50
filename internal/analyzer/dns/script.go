package dns

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// scriptConfig holds the options of Zeek's DNS script.
type scriptConfig struct {
	multicast      []netip.Prefix // DNS::multicast_subnets
	maxPendingMsgs int            // DNS::max_pending_msgs
	maxPendingIDs  int            // DNS::max_pending_query_ids
}

// txn is a dns.log record being filled (Zeek's c$dns): a query, its
// reply, or both.
type txn struct {
	ts      zeek.Time
	id      zeek.ConnID
	uid     string
	proto   zeek.Proto
	transID uint16

	rtt      float64
	hasRTT   bool
	query    []byte // kept when the txn is reused
	hasQuery bool

	hasQ      bool // qclass and qtype (from the query)
	qclass    uint16
	qtype     uint16
	qtypeName string

	hasRcode bool
	rcode    uint16

	aa, tc, rd, ra bool
	z              uint8
	rejected       bool
	opcode         uint8
	opcodeName     string

	// The answers, rendered one after the other into text (ending at
	// ends[i]), with their TTLs. The buffers are kept when a txn is
	// reused; records get copies.
	text []byte
	ends []int
	ttls []uint32

	sawQuery, sawReply bool
}

// reset clears t for reuse, keeping its buffers.
func (t *txn) reset() {
	query, text, ends, ttls := t.query[:0], t.text[:0], t.ends[:0], t.ttls[:0]
	*t = txn{query: query, text: text, ends: ends, ttls: ttls}
}

func (t *txn) setQuery(q []byte) {
	t.query = append(t.query[:0], q...)
	t.hasQuery = true
}

// fill fills r with t's log record. The query and the answers are
// copied out of t into one new string; scratch is a buffer for that.
func (t *txn) fill(r *Info, scratch *[]byte) {
	*r = Info{
		TS:         t.ts,
		UID:        t.uid,
		ID:         t.id,
		Proto:      t.proto,
		TransID:    zeek.Some(uint64(t.transID)),
		AA:         t.aa,
		TC:         t.tc,
		RD:         t.rd,
		RA:         t.ra,
		Z:          uint64(t.z),
		Rejected:   t.rejected,
		Opcode:     zeek.Some(uint64(t.opcode)),
		OpcodeName: zeek.Some(t.opcodeName),
	}
	if t.hasRTT {
		r.RTT = zeek.Some(t.rtt)
	}
	n := len(t.ends)
	var all string
	if t.hasQuery || n > 0 {
		b := append(append((*scratch)[:0], t.query...), t.text...)
		all = string(b)
		*scratch = b
	}
	if t.hasQuery {
		r.Query = zeek.Some(all[:len(t.query)])
	}
	if t.hasQ {
		r.QClass = zeek.Some(uint64(t.qclass))
		r.QClassName = zeek.Some(className(t.qclass))
		r.QType = zeek.Some(uint64(t.qtype))
		r.QTypeName = zeek.Some(t.qtypeName)
	}
	if t.hasRcode {
		r.RCode = zeek.Some(uint64(t.rcode))
		r.RCodeName = zeek.Some(rcodeName(t.rcode))
	}
	if n > 0 {
		text := all[len(t.query):]
		answers := make([]string, n)
		ttls := make([]zeek.Interval, n)
		start := 0
		for i, end := range t.ends {
			answers[i] = text[start:end]
			ttls[i] = zeek.Interval(t.ttls[i]) * zeek.Second
			start = end
		}
		r.Answers = zeek.Some(answers)
		r.TTLs = zeek.Some(ttls)
	}
}

// pendingQueue holds the unmatched messages of one transaction id, oldest
// first.
type pendingQueue struct {
	id   uint16
	msgs []*txn
}

// pendingTable is Zeek's DNS::PendingMessages: unmatched messages by
// transaction id. Zeek iterates its tables in hash order; this one keeps
// the order in which ids arrived.
type pendingTable struct{ queues []pendingQueue }

func (pt *pendingTable) find(id uint16) int {
	for i := range pt.queues {
		if pt.queues[i].id == id {
			return i
		}
	}
	return -1
}

// holds reports whether t is pending.
func (pt *pendingTable) holds(t *txn) bool {
	for i := range pt.queues {
		for _, x := range pt.queues[i].msgs {
			if x == t {
				return true
			}
		}
	}
	return false
}

// pop removes and returns the oldest message of queue i.
func (pt *pendingTable) pop(i int) *txn {
	q := &pt.queues[i]
	t := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	if len(q.msgs) == 0 {
		pt.queues = append(pt.queues[:i], pt.queues[i+1:]...)
	}
	return t
}

// script is base/protocols/dns/main.zeek for one connection: it pairs
// queries with replies and writes dns.log.
type script struct {
	h   host
	cfg *scriptConfig

	cur      *txn // c$dns: the record the current message fills
	hasState bool // c$dns_state exists (the connection had a tracked message)

	pendingQuery   *txn // the fast path: one unmatched query
	pendingQueries pendingTable
	pendingReplies pendingTable

	free    []*txn // written transactions for reuse
	rec     Info   // the record being written
	scratch []byte

	grown int // answer bytes added since the pending records were last measured
}

// maxFree bounds the transactions kept for reuse, maxKeptText the
// answer buffer each keeps.
const (
	maxFree     = 4
	maxKeptText = 16 << 10
)

// Heron's bound on the answer text unmatched records hold per connection
// (Zeek has none): past it they are written out at once, as Zeek writes
// them when its pending queues overflow, with the weird
// DNS_pending_memory_limit. Replies rendered from compressed names can be
// hundreds of times larger than their messages; only such input comes
// near the bound.
const (
	maxHeldBytes = 8 << 20
	measureEvery = 64 << 10
)

// tracked reports whether main.zeek follows messages with this opcode:
// queries, dynamic updates and notifies.
func tracked(op uint8) bool { return op == opQuery || op == opDynamicUpdate || op == opNotify }

func (s *script) newTxn(id uint16) *txn {
	var t *txn
	if n := len(s.free); n > 0 {
		t = s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
	} else {
		t = new(txn)
	}
	t.ts, t.id, t.uid, t.transID = s.h.now(), s.h.connID(), s.h.uid(), id
	t.proto = zeek.ProtoUDP
	if s.h.tcp() {
		t.proto = zeek.ProtoTCP
	}
	return t
}

// write writes t's record.
func (s *script) write(t *txn) {
	t.fill(&s.rec, &s.scratch)
	s.h.write(&s.rec)
	s.rec = Info{}
}

// recycle keeps a written transaction for reuse unless something still
// refers to it (Zeek would write it again then).
func (s *script) recycle(t *txn) {
	if len(s.free) >= maxFree || t == s.pendingQuery || s.pendingQueries.holds(t) || s.pendingReplies.holds(t) {
		return
	}
	if cap(t.text) > maxKeptText {
		t.text = nil // do not hold on to an outsized reply's buffer
	}
	t.reset()
	s.free = append(s.free, t)
}

// logQueue writes a queue's messages.
func (s *script) logQueue(q *pendingQueue) {
	for _, t := range q.msgs {
		s.write(t)
	}
}

// enqueue is enqueue_new_msg, with Zeek's limits: too many ids pending
// and every pending message is written out; too many of one id and that
// id's are.
func (s *script) enqueue(pt *pendingTable, id uint16, t *txn) {
	i := pt.find(id)
	if i < 0 {
		if len(pt.queues) > s.cfg.maxPendingIDs {
			for j := range pt.queues {
				s.logQueue(&pt.queues[j])
				pt.queues[j] = pendingQueue{}
			}
			pt.queues = pt.queues[:0]
		}
		pt.queues = append(pt.queues, pendingQueue{id: id})
		i = len(pt.queues) - 1
	} else if len(pt.queues[i].msgs) > s.cfg.maxPendingMsgs {
		s.logQueue(&pt.queues[i])
		pt.queues[i].msgs = nil
	}
	pt.queues[i].msgs = append(pt.queues[i].msgs, t)
}

func (s *script) multicastResp() bool {
	a := s.h.respAddr().Unmap()
	for _, p := range s.cfg.multicast {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// message is main.zeek's dns_message handler and its set_session hook.
func (s *script) message(m *msgHeader) {
	if !tracked(m.opcode) {
		return
	}
	s.hasState = true
	isQuery := !m.qr
	switch {
	case s.multicastResp():
		// Replies to multicast queries come on other connections: log
		// every message by itself.
		s.cur = s.newTxn(m.id)
		s.cur.sawQuery, s.cur.sawReply = true, true
	case isQuery:
		if i := s.pendingReplies.find(m.id); i >= 0 {
			s.cur = s.pendingReplies.pop(i)
			break
		}
		s.cur = s.newTxn(m.id)
		if s.pendingQuery == nil {
			s.pendingQuery = s.cur
		} else {
			s.enqueue(&s.pendingQueries, m.id, s.cur)
		}
	default:
		if pq := s.pendingQuery; pq != nil && pq.transID == m.id {
			s.cur = pq
			s.pendingQuery = nil
			// Refill the fast path, preferring a query with the same id,
			// so that queued queries keep their order.
			if i := s.pendingQueries.find(m.id); i >= 0 {
				s.pendingQuery = s.pendingQueries.pop(i)
			} else if len(s.pendingQueries.queues) > 0 {
				s.pendingQuery = s.pendingQueries.pop(0)
			}
		} else if i := s.pendingQueries.find(m.id); i >= 0 {
			s.cur = s.pendingQueries.pop(i)
		} else {
			s.cur = s.newTxn(m.id)
			s.enqueue(&s.pendingReplies, m.id, s.cur)
		}
	}
	t := s.cur
	if !isQuery {
		t.hasRcode, t.rcode = true, m.rcode
		if m.rcode != 0 && m.qdcount == 0 {
			t.rejected = true
		}
	}
	t.opcode = m.opcode
	t.opcodeName = opcodeName(m.opcode, m.netbios)
}

// question is main.zeek's dns_request and dns_rejected handlers.
func (s *script) question(m *msgHeader, name []byte, qtype, qclass uint16) {
	switch {
	case !m.qr:
		if !tracked(m.opcode) || s.cur == nil {
			return
		}
		t := s.cur
		t.rd, t.tc, t.z = m.rd, m.tc, m.z
		t.hasQ, t.qclass, t.qtype = true, qclass, qtype
		t.qtypeName = queryTypeName(qtype)
		if s.h.respPort() == netbiosPort && !s.h.tcp() {
			var buf [16]byte
			if dec := decodeNetbiosName(name, &buf); len(dec) > 0 {
				t.setQuery(dec)
			} else {
				t.setQuery(name)
			}
			if t.qtypeName == "SRV" {
				// NetBIOS node status took SRV's number first.
				t.qtypeName = "NBSTAT"
			}
			return
		}
		t.setQuery(name)
	case m.ancount == 0 && m.nscount == 0 && m.arcount == 0:
		if s.cur != nil {
			s.cur.rejected = true
		}
	}
}

// record is main.zeek's handlers of the record events: each renders
// the record and passes it to the do_reply hook.
func (s *script) record(m *msgHeader, a *answer, rd *rdata) {
	if a == nil || !tracked(m.opcode) || !m.qr {
		return
	}
	switch a.section {
	case secAnswer, secPrereq, secUpdate:
	default:
		return
	}
	t := s.cur
	if t == nil {
		return
	}
	start := len(t.text)
	text, ok := render(t.text, m, a, rd)
	if !ok {
		return // no handler in main.zeek
	}
	t.text = text
	s.doReply(m, a, start)
}

// doReply is the DNS::do_reply hook (the caller has checked the opcode,
// the QR bit and the section); the reply's text is s.cur.text[start:].
func (s *script) doReply(m *msgHeader, a *answer, start int) {
	t := s.cur
	if !t.hasQuery {
		t.setQuery(a.name)
	}
	t.aa, t.ra = m.aa, m.ra
	if !t.hasRTT {
		// A reply seen in the same instant as its record's start means
		// no query was seen: no RTT then.
		if rtt := s.h.now().Float() - t.ts.Float(); rtt != 0 {
			t.rtt, t.hasRTT = rtt, true
		}
	}
	reply := t.text[start:]
	if len(reply) == 0 {
		return
	}
	if m.opcode == opDynamicUpdate && a.section == secUpdate && !bytes.HasPrefix(reply, []byte("del:")) {
		const add = "add: "
		t.text = append(t.text, add...)
		copy(t.text[start+len(add):], t.text[start:len(t.text)-len(add)])
		copy(t.text[start:], add)
	}
	t.ends = append(t.ends, len(t.text))
	t.ttls = append(t.ttls, a.ttl)
	if s.grown += len(t.text) - start; s.grown > measureEvery {
		s.grown = 0
		s.bound()
	}
}

// held returns the answer text the pending records other than the
// current one hold.
func (s *script) held() int {
	n := 0
	count := func(t *txn) {
		if t != s.cur {
			n += len(t.text) + len(t.query)
		}
	}
	if s.pendingQuery != nil {
		count(s.pendingQuery)
	}
	for _, pt := range []*pendingTable{&s.pendingQueries, &s.pendingReplies} {
		for i := range pt.queues {
			for _, t := range pt.queues[i].msgs {
				count(t)
			}
		}
	}
	return n
}

// bound writes out the pending records (all but the current one) when
// they hold more than maxHeldBytes.
func (s *script) bound() {
	n := s.held()
	if n <= maxHeldBytes {
		return
	}
	s.h.weird("DNS_pending_memory_limit", strconv.Itoa(n))
	if s.pendingQuery != nil && s.pendingQuery != s.cur {
		s.write(s.pendingQuery)
		s.pendingQuery = nil
	}
	for _, pt := range []*pendingTable{&s.pendingQueries, &s.pendingReplies} {
		k := 0
		for i := range pt.queues {
			q := &pt.queues[i]
			keep := q.msgs[:0]
			for _, t := range q.msgs {
				if t == s.cur {
					keep = append(keep, t)
				} else {
					s.write(t)
				}
			}
			if len(keep) > 0 {
				q.msgs = keep
				pt.queues[k] = *q
				k++
			}
		}
		clear(pt.queues[k:])
		pt.queues = pt.queues[:k]
	}
}

// end is main.zeek's two dns_end handlers: mark the side seen, and write
// the record once both sides are.
func (s *script) end(m *msgHeader) {
	t := s.cur
	if t == nil {
		return
	}
	if m.qr {
		t.sawReply = true
	} else {
		t.sawQuery = true
	}
	if t.sawQuery && t.sawReply {
		s.write(t)
		s.cur = nil
		s.recycle(t)
	}
}

// finalize is DNS::finalize_dns at the connection's end: every unmatched
// query and reply is written.
func (s *script) finalize() {
	if !s.hasState {
		return
	}
	if s.pendingQuery != nil {
		s.write(s.pendingQuery)
		s.pendingQuery = nil
	}
	for _, pt := range []*pendingTable{&s.pendingQueries, &s.pendingReplies} {
		for i := range pt.queues {
			s.logQueue(&pt.queues[i])
		}
		pt.queues = nil
	}
	s.cur = nil
}

// render appends to dst the answers entry main.zeek makes of a record
// event; false for the events it has no handler for.
func render(dst []byte, m *msgHeader, a *answer, rd *rdata) ([]byte, bool) {
	update := m.opcode == opDynamicUpdate && !m.netbios
	switch rd.kind {
	case rdUnknown:
		dst = append(dst, "<unknown type="...)
		dst = strconv.AppendUint(dst, uint64(a.qtype), 10)
		return append(dst, '>'), true
	case rdA, rdAAAA, rdA6:
		if update {
			switch rd.kind {
			case rdA:
				dst = append(dst, "A "...)
			case rdAAAA:
				dst = append(dst, "AAAA "...)
			default:
				dst = append(dst, "A6 "...)
			}
			dst = append(append(dst, a.name...), ' ')
		}
		return zeek.AppendAddr(dst, rd.addr), true
	case rdTXT, rdSPF:
		tag := "TXT "
		if rd.kind == rdSPF {
			tag = "SPF "
		}
		for i, str := range rd.strs {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, tag...)
			dst = strconv.AppendInt(dst, int64(len(str)), 10)
			dst = append(dst, ' ')
			dst = append(dst, str...)
		}
		return dst, true
	case rdNS, rdCNAME, rdPTR, rdMX, rdSRV, rdSOA:
		return append(dst, rd.name...), true
	case rdWKS:
		return dst, true
	case rdNAPTR:
		n := &rd.naptr
		dst = append(dst, "NAPTR "...)
		dst = strconv.AppendUint(dst, uint64(n.order), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendUint(dst, uint64(n.preference), 10)
		dst = append(dst, ' ')
		dst = append(append(dst, n.flags...), ' ')
		dst = append(append(dst, n.service...), ' ')
		dst = append(dst, n.regexp...)
		if len(rd.name) > 0 {
			if len(n.regexp) > 0 {
				dst = append(dst, ' ')
			}
			dst = append(dst, rd.name...)
		}
		return dst, true
	case rdRRSIG:
		dst = append(dst, "RRSIG "...)
		dst = strconv.AppendUint(dst, uint64(rd.rrsig.typeCovered), 10)
		dst = append(dst, ' ')
		if len(rd.name) == 0 {
			return append(dst, "<Root>"...), true
		}
		return append(dst, rd.name...), true
	case rdDNSKEY:
		return strconv.AppendUint(append(dst, "DNSKEY "...), uint64(rd.dnskey.algorithm), 10), true
	case rdNSEC:
		dst = append(append(dst, "NSEC "...), a.name...)
		return append(append(dst, ' '), rd.name...), true
	case rdNSEC3:
		return append(dst, "NSEC3"...), true
	case rdNSEC3PARAM:
		return append(dst, "NSEC3PARAM"...), true
	case rdDS:
		dst = strconv.AppendUint(append(dst, "DS "...), uint64(rd.ds.algorithm), 10)
		return strconv.AppendUint(append(dst, ' '), uint64(rd.ds.digestType), 10), true
	case rdBINDS:
		return append(dst, "BIND9 signing signal"...), true
	case rdSSHFP:
		return hex.AppendEncode(append(dst, "SSHFP: "...), rd.sshfp.fingerprint), true
	case rdLOC:
		l := &rd.loc
		dst = strconv.AppendUint(append(dst, "LOC:  "...), uint64(l.size), 10)
		dst = strconv.AppendUint(append(dst, ' '), uint64(l.horizPre), 10)
		return strconv.AppendUint(append(dst, ' '), uint64(l.vertPre), 10), true
	case rdUpdatePrereq:
		dst = append(dst, "pre: "...)
		switch {
		case a.qclass == classNone && a.qtype == typeAny:
			dst = append(dst, "NameNotInUse "...)
		case a.qclass == classAny && a.qtype == typeAny:
			dst = append(dst, "NameInUse "...)
		case a.qclass == classNone:
			dst = append(append(dst, "NoRRSet "...), queryTypeName(a.qtype)...)
			dst = append(dst, ' ')
		default:
			dst = append(append(dst, "RRSetExists "...), queryTypeName(a.qtype)...)
			dst = append(dst, ' ')
		}
		return append(dst, a.name...), true
	case rdUpdateDelete:
		dst = append(dst, "del: "...)
		switch {
		case a.qclass == classAny && a.qtype == typeAny:
			return append(append(dst, "RRSet * "...), a.name...), true
		case a.qclass == classNone:
			dst = append(append(dst, "RR "...), queryTypeName(a.qtype)...)
			return append(append(dst, ' '), a.name...), true
		}
		return append(append(dst, "RRSet "...), queryTypeName(a.qtype)...), true
	}
	return dst, false
}

// decodeNetbiosName is Zeek's decode_netbios_name: the 32-letter
// first-level encoding of a NetBIOS name (RFC 1001 section 14.1) decoded,
// without the type suffix and trailing blanks; empty when name is not
// such an encoding. The result is a slice of buf.
func decodeNetbiosName(name []byte, buf *[16]byte) []byte {
	if len(name) != 32 {
		return nil
	}
	n := 0
	for i := range 16 {
		c0, c1 := upper(name[2*i]), upper(name[2*i+1])
		if c0 < 'A' || c0 > 'P' || c1 < 'A' || c1 > 'P' {
			return nil
		}
		b := (c0-'A')<<4 + (c1 - 'A')
		buf[i] = b
		if isAlnum(b) || isPunct(b) || b == ' ' || b < 3 {
			n++
		} else {
			break
		}
	}
	if n == 16 {
		n = 15 // the last byte is the name's type
	}
	for n > 0 && (buf[n-1] == ' ' || buf[n-1] == 0) {
		n--
	}
	return buf[:n]
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 32
	}
	return c
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isPunct is C's ispunct: printable ASCII that is neither alphanumeric
// nor a space.
func isPunct(c byte) bool { return c > ' ' && c < 0x7f && !isAlnum(c) }
