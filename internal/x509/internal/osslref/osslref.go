//go:build opensslgen

package osslref

/*
#cgo LDFLAGS: -lcrypto
#include <stdlib.h>
#include <string.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>

static int num_nids(void) { return 4000; }

static int obj_info(int nid, char *sn, char *ln, char *oid, int n) {
	ASN1_OBJECT *o = OBJ_nid2obj(nid);
	if (o == NULL) return 0;
	const char *s = OBJ_nid2sn(nid), *l = OBJ_nid2ln(nid);
	sn[0] = ln[0] = oid[0] = 0;
	if (s) { strncpy(sn, s, n-1); sn[n-1] = 0; }
	if (l) { strncpy(ln, l, n-1); ln[n-1] = 0; }
	if (OBJ_obj2txt(oid, n, o, 1) <= 0) oid[0] = 0;
	return 1;
}

static int oid_to_nid(const char *txt) {
	ASN1_OBJECT *o = OBJ_txt2obj(txt, 1);
	if (o == NULL) return -1;
	int nid = OBJ_obj2nid(o);
	ASN1_OBJECT_free(o);
	return nid;
}

static int curve_order_bits(int nid) {
	EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
	if (g == NULL) return -1;
	int b = EC_GROUP_order_bits(g);
	EC_GROUP_free(g);
	return b;
}

// cert_fields fills out[] with Zeek's certificate strings, separated by
// '\x1f', and returns 1, or 0 when d2i_X509 fails.
static int cert_fields(const unsigned char *der, long len, char *out, int outlen) {
	const unsigned char *p = der;
	X509 *c = d2i_X509(NULL, &p, len);
	if (c == NULL) return 0;
	char buf[2048];
	BIO *bio = BIO_new(BIO_s_mem());
	int n;
	out[0] = 0;
#define ADD(s, l) do { int _l = (l); if (_l < 0) _l = 0; strncat(out, (s), _l < outlen - (int)strlen(out) - 2 ? _l : 0); strcat(out, "\x1f"); } while (0)
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(X509_get_version(c) + 1));
	ADD(buf, strlen(buf));
	memset(buf, 0, sizeof buf);
	i2a_ASN1_INTEGER(bio, X509_get_serialNumber(c));
	n = BIO_read(bio, buf, sizeof buf);
	ADD(buf, n);
	(void)BIO_reset(bio);
	memset(buf, 0, sizeof buf);
	X509_NAME_print_ex(bio, X509_get_subject_name(c), 0, XN_FLAG_RFC2253);
	n = BIO_gets(bio, buf, sizeof buf);
	ADD(buf, n);
	(void)BIO_reset(bio);
	memset(buf, 0, sizeof buf);
	X509_NAME_print_ex(bio, X509_get_issuer_name(c), 0, XN_FLAG_RFC2253);
	n = BIO_gets(bio, buf, sizeof buf);
	ADD(buf, n);
	(void)BIO_reset(bio);
	// last CN
	X509_NAME *subj = X509_get_subject_name(c);
	int pos = -1;
	for (;;) { int j = X509_NAME_get_index_by_NID(subj, NID_commonName, pos); if (j == -1) break; pos = j; }
	memset(buf, 0, sizeof buf);
	if (pos != -1) {
		ASN1_STRING_print(bio, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, pos)));
		n = BIO_gets(bio, buf, sizeof buf);
		(void)BIO_reset(bio);
		ADD("+", 1);
		ADD(buf, n);
	} else {
		ADD("-", 1);
		ADD("", 0);
	}
	ASN1_OBJECT *alg;
	const unsigned char *pk;
	int pklen;
	X509_PUBKEY_get0_param(&alg, &pk, &pklen, NULL, X509_get_X509_PUBKEY(c));
	memset(buf, 0, sizeof buf);
	if (!i2t_ASN1_OBJECT(buf, 255, alg)) buf[0] = 0;
	ADD(buf, strlen(buf));
	memset(buf, 0, sizeof buf);
	if (!i2t_ASN1_OBJECT(buf, 255, OBJ_nid2obj(X509_get_signature_nid(c)))) buf[0] = 0;
	ADD(buf, strlen(buf));
	EVP_PKEY *pkey;
	if (OBJ_obj2nid(alg) == NID_md5WithRSAEncryption)
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &pk, pklen);
	else
		pkey = X509_extract_key(c);
	const char *ktype = "", *exp = "", *curve = "";
	char *expbuf = NULL;
	static char curvebuf[256];
	char lenbuf[32] = "";
	if (pkey != NULL) {
		int id = EVP_PKEY_base_id(pkey);
		if (id == EVP_PKEY_DSA) ktype = "dsa";
		else if (id == EVP_PKEY_RSA) {
			ktype = "rsa";
			BIGNUM *e = NULL;
			EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
			expbuf = BN_bn2dec(e);
			BN_free(e);
			if (expbuf) exp = expbuf;
		} else if (id == EVP_PKEY_EC) {
			ktype = "ecdsa";
			if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curvebuf, 255, NULL))
				curve = curvebuf;
		} else {
			const char *t = EVP_PKEY_get0_type_name(pkey);
			if (t) ktype = t;
		}
		int bits = EVP_PKEY_bits(pkey);
		if (bits > 0) snprintf(lenbuf, sizeof lenbuf, "%d", bits);
		EVP_PKEY_free(pkey);
	}
	ADD(ktype, strlen(ktype));
	ADD(lenbuf, strlen(lenbuf));
	ADD(exp, strlen(exp));
	ADD(curve, strlen(curve));
	if (expbuf) OPENSSL_free(expbuf);
	// not before / after as raw strings with their type
	const ASN1_TIME *t1 = X509_get0_notBefore(c), *t2 = X509_get0_notAfter(c);
	for (int w = 0; w < 2; w++) {
		const ASN1_TIME *tt = w == 0 ? t1 : t2;
		int o = snprintf(buf, sizeof buf, "%d:", ASN1_STRING_type(tt));
		for (int q = 0; q < ASN1_STRING_length(tt) && o + 3 < (int)sizeof buf; q++)
			o += snprintf(buf + o, 3, "%02x", ASN1_STRING_get0_data(tt)[q]);
		ADD(buf, o);
	}
	// fingerprint input: i2d of the certificate, hex
	unsigned char *d = NULL;
	int dl = i2d_X509(c, &d);
	if (dl > 0) {
		unsigned char md[32];
		unsigned int mdl = 0;
		EVP_Digest(d, dl, md, &mdl, EVP_sha256(), NULL);
		OPENSSL_free(d);
		for (unsigned int i = 0; i < mdl; i++) snprintf(buf + 2*i, 3, "%02x", md[i]);
		ADD(buf, 2*mdl);
	} else ADD("", 0);
	// extensions: basic constraints and SAN
	int next = X509_get_ext_count(c);
	for (int k = 0; k < next; k++) {
		X509_EXTENSION *ex = X509_get_ext(c, k);
		if (!ex) continue;
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ex));
		if (nid == NID_basic_constraints) {
			BASIC_CONSTRAINTS *bc = X509V3_EXT_d2i(ex);
			if (!bc) { ADD("bc!", 3); continue; }
			if (bc->pathlen) snprintf(buf, sizeof buf, "bc:%d:%ld", bc->ca ? 1 : 0, (long)(int)ASN1_INTEGER_get(bc->pathlen));
			else snprintf(buf, sizeof buf, "bc:%d:-", bc->ca ? 1 : 0);
			ADD(buf, strlen(buf));
			BASIC_CONSTRAINTS_free(bc);
		} else if (nid == NID_subject_alt_name) {
			GENERAL_NAMES *gn = X509V3_EXT_d2i(ex);
			if (!gn) { ADD("san!", 4); continue; }
			ADD("san", 3);
			for (int i = 0; i < sk_GENERAL_NAME_num(gn); i++) {
				GENERAL_NAME *g = sk_GENERAL_NAME_value(gn, i);
				if (g->type == GEN_DNS || g->type == GEN_URI || g->type == GEN_EMAIL) {
					if (ASN1_STRING_type(g->d.ia5) != V_ASN1_IA5STRING) { ADD("nonstring", 9); continue; }
					const char *k = g->type == GEN_DNS ? "dns=" : g->type == GEN_URI ? "uri=" : "email=";
					int l = ASN1_STRING_length(g->d.ia5);
					const unsigned char *v = ASN1_STRING_get0_data(g->d.ia5);
					int o = snprintf(buf, sizeof buf, "%s", k);
					for (int q = 0; q < l && o + 3 < (int)sizeof buf; q++) o += snprintf(buf + o, 3, "%02x", v[q]);
					ADD(buf, o);
				} else if (g->type == GEN_IPADD) {
					int l = ASN1_STRING_length(g->d.ip);
					const unsigned char *a = ASN1_STRING_get0_data(g->d.ip);
					if (l == 4) { snprintf(buf, sizeof buf, "ip=%d.%d.%d.%d", a[0], a[1], a[2], a[3]); ADD(buf, strlen(buf)); }
					else if (l == 16) {
						strcpy(buf, "ip6=");
						for (int q = 0; q < 16; q++) snprintf(buf + 4 + 2*q, 3, "%02x", a[q]);
						ADD(buf, strlen(buf));
					} else { snprintf(buf, sizeof buf, "iplen=%d", l); ADD(buf, strlen(buf)); }
				} else ADD("other", 5);
			}
			GENERAL_NAMES_free(gn);
		}
	}
	BIO_free(bio);
	X509_free(c);
	return 1;
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Object is one OpenSSL object: numeric id, short and long name, OID.
type Object struct {
	NID            int
	SN, LN, OID    string
	OIDResolvesNID int // OBJ_obj2nid(OBJ_txt2obj(OID)); -1 when OID is empty
}

// Objects lists every object OpenSSL knows.
func Objects() []Object {
	var out []Object
	buf := make([]byte, 3*512)
	sn := (*C.char)(unsafe.Pointer(&buf[0]))
	ln := (*C.char)(unsafe.Pointer(&buf[512]))
	oid := (*C.char)(unsafe.Pointer(&buf[1024]))
	for nid := 0; nid < int(C.num_nids()); nid++ {
		if C.obj_info(C.int(nid), sn, ln, oid, 512) == 0 {
			continue
		}
		o := Object{NID: nid, SN: C.GoString(sn), LN: C.GoString(ln), OID: C.GoString(oid), OIDResolvesNID: -1}
		if o.OID != "" {
			cs := C.CString(o.OID)
			o.OIDResolvesNID = int(C.oid_to_nid(cs))
			C.free(unsafe.Pointer(cs))
		}
		out = append(out, o)
	}
	return out
}

// CurveOrderBits returns the bit length of a named curve's group order,
// or -1 when OpenSSL has no such curve.
func CurveOrderBits(nid int) int { return int(C.curve_order_bits(C.int(nid))) }

// Fields is what Zeek's X509 analyzer takes from a certificate, as
// OpenSSL computes it.
type Fields struct {
	Version, Serial, Subject, Issuer string
	HasCN                            bool
	CN                               string
	KeyAlg, SigAlg                   string
	KeyType, KeyLength               string // "" when unset
	Exponent, Curve                  string // "" when unset
	NotBefore, NotAfter              string // "type:content"
	Fingerprint                      string
	Ext                              []string // "bc:ca:pathlen", "bc!", "san", "dns=…", …
}

// Cert decodes der with OpenSSL; ok is false when d2i_X509 fails.
func Cert(der []byte) (f Fields, ok bool) {
	if len(der) == 0 {
		return f, false
	}
	out := make([]byte, 1<<17)
	cd := C.CBytes(der)
	defer C.free(cd)
	if C.cert_fields((*C.uchar)(cd), C.long(len(der)), (*C.char)(unsafe.Pointer(&out[0])), C.int(len(out))) == 0 {
		return f, false
	}
	s := C.GoString((*C.char)(unsafe.Pointer(&out[0])))
	p := strings.Split(s, "\x1f")
	if len(p) < 15 {
		return f, false
	}
	f = Fields{Version: p[0], Serial: p[1], Subject: p[2], Issuer: p[3], HasCN: p[4] == "+", CN: p[5],
		KeyAlg: p[6], SigAlg: p[7], KeyType: p[8], KeyLength: p[9], Exponent: p[10], Curve: p[11],
		NotBefore: p[12], NotAfter: p[13], Fingerprint: p[14]}
	for _, e := range p[15:] {
		if e != "" {
			f.Ext = append(f.Ext, e)
		}
	}
	return f, true
}
