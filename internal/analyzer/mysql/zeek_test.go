package mysql_test

import (
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

// zeekCases are the traces compared: default-mode runs of the shared
// corpus, and Zeek's own MySQL btests.
var zeekCases = []zeekcase.Case{
	{Trace: "mysql/caching_sha2_password-after-auth-switch.pcapng", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/caching_sha2_password.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/change-user-error.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/change-user-success.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/encrypted.pcap", C: true, Files: []string{"ssl.log", "x509.log", "conn.log"}},
	{Trace: "mysql/mysql-9.0.0-query-attributes.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/mysql-show-engine-innodb-status-no-password.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/mysql.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/mysql8-navicat-login-failed.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/plain-amazon-rds.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/query-attr.pcap", C: true, Files: []string{"mysql.log", "conn.log"}},
	{Trace: "mysql/tls-12-amazon-rds.pcap", C: true, Files: []string{"ssl.log", "x509.log", "conn.log"}},
	{Btest: "scripts.base.protocols.mysql.auth", Trace: "mysql/auth.pcap", Bare: true,
		Loads: []string{"base/protocols/mysql"}, Files: []string{"mysql.log"}},
	{Btest: "scripts.base.protocols.mysql.many-query-attr", Trace: "mysql/many-query-attrs.pcap", Bare: true, C: true,
		Loads: []string{"base/protocols/mysql"}, Files: []string{"mysql.log"}},
	{Btest: "scripts.base.protocols.mysql.selects_with_new_proto", Trace: "mysql/selects_with_new_proto.pcap", Bare: true,
		Loads: []string{"base/protocols/mysql"}, Files: []string{"mysql.log"}},
	{Btest: "scripts.base.protocols.mysql.wireshark", Trace: "mysql/mysql.pcap", Bare: true,
		Loads: []string{"base/protocols/mysql"}, Files: []string{"mysql.log"}},
}

// TestZeekLogs runs the node over each trace and compares its logs with
// Zeek's, record by record as multisets (uids, and the times btest
// baselines mask, aside; of conn.log only the endpoints and the service).
func TestZeekLogs(t *testing.T) {
	zeekcase.RunCases(t, zeekCases, zeekcase.ConnServiceOnly)
}
