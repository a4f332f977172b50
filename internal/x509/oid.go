package x509

import (
	"strconv"
	"strings"
)

// objectEntry is one row of OpenSSL's object table.
type objectEntry struct {
	der       string // DER content octets of the OID
	sn, ln    string // OpenSSL's short and long name
	orderBits int    // for named elliptic curves: bits of the group order
}

// objects indexes objectTable by DER content.
var objects = func() map[string]*objectEntry {
	m := make(map[string]*objectEntry, len(objectTable))
	for i := range objectTable {
		m[objectTable[i].der] = &objectTable[i]
	}
	return m
}()

// lookupOID returns OpenSSL's entry for an OID (DER content), or nil.
func lookupOID(der []byte) *objectEntry { return objects[string(der)] }

// validOID reports whether an OID's content is well formed as OpenSSL's
// decoder requires: not empty, and no subidentifier starting with 0x80
// (a non-minimal encoding), the last octet ending a subidentifier.
func validOID(der []byte) bool {
	if len(der) == 0 || der[len(der)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range der {
		if start && c == 0x80 {
			return false
		}
		start = c&0x80 == 0
	}
	return true
}

// dottedOID formats an OID's content in dotted decimal, as OpenSSL's
// OBJ_obj2txt does with numeric output.
func dottedOID(der []byte) string {
	var b strings.Builder
	var v uint64
	first := true
	big := false
	for _, c := range der {
		if v > 1<<56 {
			big = true
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			continue
		}
		if first {
			switch {
			case big || v >= 80:
				b.WriteString("2.")
				if big {
					b.WriteString("?")
				} else {
					b.WriteString(strconv.FormatUint(v-80, 10))
				}
			case v >= 40:
				b.WriteString("1.")
				b.WriteString(strconv.FormatUint(v-40, 10))
			default:
				b.WriteString("0.")
				b.WriteString(strconv.FormatUint(v, 10))
			}
			first = false
		} else {
			b.WriteByte('.')
			b.WriteString(strconv.FormatUint(v, 10))
		}
		v, big = 0, false
	}
	return b.String()
}

// oidText is OpenSSL's OBJ_obj2txt without numeric flag: the long name of
// a known object, else the dotted form.
func oidText(der []byte) string {
	if e := lookupOID(der); e != nil {
		return e.ln
	}
	return dottedOID(der)
}

// oidShort is the short name of a known object, else the dotted form (as
// X509_NAME_print_ex names attribute types).
func oidShort(der []byte) (string, bool) {
	if e := lookupOID(der); e != nil {
		return e.sn, true
	}
	return dottedOID(der), false
}
