package mysql

import "github.com/heron-nsm/heron/internal/analyzer/binpac"

// Capacity rules of binpac's flow buffer (binpac_buffer.cc): it grows to
// at least minCapacity, at least doubling, and fails past maxCapacity;
// once a message is done, a buffer of contractThreshold bytes or more
// shrinks back.
const (
	minCapacity       = 512
	maxCapacity       = 10 * 1024 * 1024
	contractThreshold = 2 * 1024 * 1024
)

// headerLen is the size of a packet header: 3-byte length, sequence id.
const headerLen = 4

// packetFlow cuts one direction into MySQL packets the way binpac's flow
// buffer does for the grammar's MySQL_PDU: a 4-byte header, then the
// payload its length announces. A packet that arrives in one delivery is
// parsed in place; others are assembled in buf, whose growth follows
// binpac's buffer (so that a packet too large for it fails where Zeek's
// fails, and memory stays under binpac's 10 MiB). After a parse failure
// the rest of the delivery is dropped and the next one starts a packet.
type packetFlow struct {
	buf  []byte
	need int // the packet's size with header once known; 0 before
	capa int // the capacity binpac's buffer would have
}

func packetLen(hdr []byte) int { return int(le24(hdr)) + headerLen }

// reserve grows the simulated capacity for n buffered bytes.
func (f *packetFlow) reserve(n int) error {
	if f.capa >= n {
		return nil
	}
	l := max(n, minCapacity, 2*f.capa)
	if l > maxCapacity {
		return binpac.ExpandPastMax(l, maxCapacity)
	}
	f.capa = l
	return nil
}

// reset forgets the packet in progress (a message done, or binpac's
// DiscardData after a failure).
func (f *packetFlow) reset() {
	f.buf, f.need = f.buf[:0], 0
	if f.capa >= contractThreshold {
		f.capa = minCapacity
		f.buf = nil
	}
}

// deliver takes the next bytes of the direction and parses every packet
// they complete: parse gets the whole packet, header included.
func (f *packetFlow) deliver(data []byte, parse func(pkt []byte) error) error {
	for len(data) > 0 {
		if len(f.buf) == 0 && len(data) >= headerLen {
			if n := packetLen(data); len(data) >= n {
				err := parse(data[:n])
				f.reset()
				if err != nil {
					return err
				}
				data = data[n:]
				continue
			}
		}
		total := headerLen
		if f.need > 0 {
			total = f.need
		} else if len(f.buf) == 0 {
			// binpac takes the whole rest of the delivery when it
			// cannot complete the packet.
			total = len(data)
			if len(data) >= headerLen {
				total = packetLen(data)
			}
		}
		k := min(total-len(f.buf), len(data))
		if err := f.reserve(len(f.buf) + k); err != nil {
			f.reset()
			return err
		}
		f.buf = append(f.buf, data[:k]...)
		data = data[k:]
		if f.need == 0 && len(f.buf) >= headerLen {
			f.need = packetLen(f.buf)
		}
		if f.need == 0 || len(f.buf) < f.need {
			continue
		}
		err := parse(f.buf)
		f.reset()
		if err != nil {
			return err
		}
	}
	return nil
}
