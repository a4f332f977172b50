// Package osslref asks the system's OpenSSL library what Zeek's X.509
// analyzer would compute, for tests and for generating the object table.
// Its code is built only with the opensslgen build tag (it needs cgo and the
// OpenSSL headers, package libssl-dev):
//
//	go test -tags opensslgen ./internal/x509/ -run OpenSSL
//
// The C code of osslref.go calls the same OpenSSL functions, with the same
// flags, that Zeek's X509::ParseCertificate calls; it is the oracle the
// pure-Go decoder is compared with.
package osslref
