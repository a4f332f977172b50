// Package x509 decodes X.509 certificates the way Zeek's X509 file
// analyzer does and builds Zeek's x509.log record from them.
//
// Zeek hands certificates to OpenSSL and prints what OpenSSL prints, so
// this package reproduces OpenSSL's behaviour rather than RFC 5280's
// ideal: which encodings decode at all (a certificate OpenSSL rejects is
// the weird x509_cert_parse_error and no log record), subject and issuer
// as X509_NAME_print_ex writes them with XN_FLAG_RFC2253, serial numbers
// as i2a_ASN1_INTEGER writes them, algorithm names from OpenSSL's object
// table (objects_table.go, generated from OpenSSL 3.0), key sizes as
// EVP_PKEY_bits reports them, and validity times through Zeek's own
// converter with its quirks and weirds. The decoder is a small DER walker
// of its own; crypto/x509 is not used because it neither accepts nor
// prints what OpenSSL does.
//
// The pieces Zeek's scripts add on top are here too: the x509.log record
// (Info), the known-certificate table that keeps x509.log from repeating
// a certificate within a day (base/files/x509/main.zeek), the
// certificate cache that spares re-decoding certificates seen often
// (certificate-event-cache.zeek), and x509_check_cert_hostname for
// ssl.log's sni_matches_cert.
//
// Decode only reads its input; nothing it returns aliases it.
package x509
