package x509

import "time"

// asn1Time converts a UTCTime or GeneralizedTime the way Zeek's
// X509Common::GetTimeFromAsn1 does, including its leniency (digits are
// not checked, out-of-range fields roll over as with timegm) and its
// peculiar arithmetic for explicit UTC offsets. On a malformed value it
// returns 0 and the name of the weird Zeek reports.
func asn1Time(tag byte, s []byte) (sec int64, weird string) {
	var buf [26]byte
	n := 0
	rem := len(s)
	switch tag {
	case tagUTCTime:
		if rem < 11 || rem > 17 {
			return 0, "x509_utc_length"
		}
		if s[rem-1] != 'Z' {
			return 0, "x509_utc_format"
		}
		if s[0] < '5' {
			buf[0], buf[1] = '2', '0'
		} else {
			buf[0], buf[1] = '1', '9'
		}
		n = 2 + copy(buf[2:], s[:10])
		s, rem = s[10:], rem-10
	case tagGeneralizedTime:
		if rem < 12 || rem > 23 {
			return 0, "x509_gen_time_length"
		}
		n = copy(buf[:], s[:12])
		s, rem = s[12:], rem-12
	default:
		return 0, "x509_invalid_time_type"
	}
	switch {
	case rem == 0 || s[0] == 'Z' || s[0] == '-' || s[0] == '+':
		buf[n], buf[n+1] = '0', '0'
	case rem >= 2:
		buf[n], buf[n+1] = s[0], s[1]
		s, rem = s[2:], rem-2
		if rem > 0 && s[0] == '.' {
			s, rem = s[1:], rem-1
			for rem > 0 && s[0] >= '0' && s[0] <= '9' {
				s, rem = s[1:], rem-1
			}
		}
	default:
		return 0, "x509_time_add_char"
	}
	var offset int64
	if rem != 0 && s[0] != 'Z' {
		if rem < 5 {
			return 0, "x509_time_offset_underflow"
		}
		if s[0] != '+' && s[0] != '-' {
			return 0, "x509_time_offset_type"
		}
		// Zeek's formula, kept as it is: it is what Zeek logs.
		offset = digit(s[1])*10 + digit(s[2])*60 + digit(s[3])*10 + digit(s[4])
		if s[0] == '-' {
			offset = -offset
		}
	}
	two := func(i int) int64 { return digit(buf[i])*10 + digit(buf[i+1]) }
	year := digit(buf[0])*1000 + digit(buf[1])*100 + digit(buf[2])*10 + digit(buf[3])
	if year > 1900 {
		year -= 1900
	}
	t := time.Date(int(1900+year), time.Month(two(4)), int(two(6)), int(two(8)), int(two(10)), int(two(12)), 0, time.UTC).Unix()
	if t == 0 {
		return 0, ""
	}
	return t + offset, ""
}

// digit is a character minus '0' with C's signed char arithmetic.
func digit(c byte) int64 { return int64(int8(c)) - '0' }
