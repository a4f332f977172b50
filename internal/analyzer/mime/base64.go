package mime

import "strconv"

var base64Table = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	t['='] = 0
	return t
}()

// Base64 is Zeek's lenient, resumable base64 decoder (Base64Converter):
// characters outside the alphabet are skipped, '=' counts as padding
// (and as a zero digit), groups after padding are dropped, and an
// incomplete last group is completed with zero bits. The first problem of
// a decoder is reported to Illegal (Zeek raises the weird
// base64_illegal_encoding with that text); later ones only count.
type Base64 struct {
	// Illegal receives the decoder's first complaint; nil: none.
	Illegal func(msg string)

	group        [4]byte
	n            int
	padding      int
	afterPadding bool
	errored      int
}

// Errored reports whether the decoder complained.
func (d *Base64) Errored() bool { return d.errored > 0 }

func (d *Base64) complain(msg string) {
	d.errored++
	if d.errored == 1 && d.Illegal != nil {
		d.Illegal(msg)
	}
}

// Decode decodes src and appends the bytes to dst.
func (d *Base64) Decode(dst, src []byte) []byte {
	for i := 0; ; i++ {
		if d.n == 4 {
			if d.afterPadding {
				d.complain("extra base64 groups after '=' padding are ignored")
				d.n = 0
				i-- // the byte at i has not been looked at
				continue
			}
			v := uint32(d.group[0]&0x3f)<<18 | uint32(d.group[1]&0x3f)<<12 |
				uint32(d.group[2]&0x3f)<<6 | uint32(d.group[3]&0x3f)
			out := [3]byte{byte(v >> 16), byte(v >> 8), byte(v)}
			dst = append(dst, out[:max(0, 3-d.padding)]...)
			if d.padding > 0 {
				d.afterPadding = true
			}
			d.n, d.padding = 0, 0
		}
		if i >= len(src) {
			return dst
		}
		c := src[i]
		if c == '=' {
			d.padding++
		}
		if k := base64Table[c]; k >= 0 {
			d.group[d.n] = byte(k)
			d.n++
		} else {
			d.complain("character " + strconv.Itoa(int(c)) + " ignored by Base64 decoding")
		}
	}
}

// Done completes a partial last group with zero bits (reporting it to
// Illegal every time) and appends what it yields to dst.
func (d *Base64) Done(dst []byte) []byte {
	if d.n == 0 {
		return dst
	}
	if d.Illegal != nil {
		// Zeek reports this one every time, outside the error count.
		d.Illegal("incomplete base64 group, padding with " + strconv.Itoa((4-d.n)*6) + " bits of 0")
	}
	return d.Decode(dst, []byte("===")[:4-d.n])
}

// DecodeBase64 decodes a whole string as Zeek's decode_base64 does: it
// returns the decoded bytes, or ok=false when the decoder complained
// (illegal is told why, once).
func DecodeBase64(s []byte, illegal func(msg string)) (out []byte, ok bool) {
	d := Base64{Illegal: illegal}
	out = d.Decode(nil, s)
	if d.Errored() {
		return nil, false
	}
	return d.Done(out), true
}
