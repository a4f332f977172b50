package rdp

import "github.com/heron-nsm/heron/internal/analyzer/binpac"

// This file parses one TPKT frame the way Zeek's RDP grammar
// (src/analyzer/protocol/rdp/rdp-protocol.pac) does: the same fields, the
// same bounds checks in the same order, the same events in the same
// order. Every function takes the bytes from its structure's start to
// the end of the enclosing structure, as binpac's generated code does.

// events receives what a frame holds, in Zeek's event order. Slices are
// borrowed for the call.
type events interface {
	// confirm is AnalyzerConfirmation.
	confirm()
	// connectRequest is rdp_connect_request; hasCookie is false when the
	// request has no "Cookie: mstshash=" (the cookie is then "").
	connectRequest(cookie []byte, hasCookie bool)
	// negotiationResponse is rdp_negotiation_response.
	negotiationResponse(protocol uint32)
	// negotiationFailure is rdp_negotiation_failure.
	negotiationFailure(code uint32)
	// beginEncryption is the connection's go_encrypted with
	// rdp_begin_encryption: the rest of the connection is encrypted with
	// method (0: RDP's own, 1: TLS, others: CredSSP).
	beginEncryption(method uint32)
	// gccServerCreateResponse is rdp_gcc_server_create_response.
	gccServerCreateResponse(result uint8)
	// clientCoreData is rdp_client_core_data.
	clientCoreData(cd *clientCore)
	// clientNetworkData is rdp_client_network_data (only with channels):
	// the channels' 8-byte names.
	clientNetworkData(names [][]byte)
	// serverSecurity is rdp_server_security.
	serverSecurity(method, level uint32)
	// serverCertificate is rdp_server_certificate.
	serverCertificate(certType uint32, permanent bool)
	// x509Cert hands over one certificate of an X.509 chain.
	x509Cert(der []byte)
	// netWeird is a weird without a connection (Zeek's reporter weird
	// from the ASN.1 helpers).
	netWeird(name, addl string)
}

// clientCore is the part of a Client Core Data block that rdp.log uses.
type clientCore struct {
	desktopWidth, desktopHeight uint16
	keyboardLayout              uint32
	clientBuild                 uint32
	clientName                  []byte // UTF-16LE, 32 bytes
	highColorDepth              uint16
	earlyCapabilityFlags        uint16
	digProductID                []byte // UTF-16LE, 64 bytes
}

// parser parses frames for one connection; it holds the state binpac's
// generated code keeps between them.
type parser struct {
	ev events
	// channels is reused for the channel names of a network data block.
	channels [][]byte
}

// frame parses one TPKT: b is the whole frame, header included (at
// least 4 bytes; longer when the header's length says so).
func (p *parser) frame(b []byte) error {
	// TPKT: version, reserved, length; the COTP follows.
	return p.cotp(b[4:])
}

// cotp parses the X.224 TPDU of a frame.
func (p *parser) cotp(b []byte) error {
	if len(b) < 2 {
		return binpac.OutOfBound("COTP:pdu", 2, len(b))
	}
	cotpLen := int(b[0])
	switch b[1] {
	case 0xd0:
		return p.connectConfirm(b[2:], cotpLen)
	case 0xe0:
		return p.connectRequest(b[2:], cotpLen)
	case 0xf0:
		return p.dtData(b[2:])
	}
	return nil
}

// connectConfirm parses an X.224 Connection Confirm (the server's
// negotiation response or failure).
func (p *parser) connectConfirm(b []byte, cotpLen int) error {
	if len(b) < 5 {
		return binpac.OutOfBound("Connect_Confirm:flags", 5, len(b))
	}
	// Whatever the length byte says is left after the fixed part is the
	// negotiation record.
	if 5+2-cotpLen-1 == 0 {
		return nil
	}
	r := b[5:]
	if len(r) < 8 {
		return binpac.OutOfBound("Connect_Confirm_Record", 8, len(r))
	}
	switch r[0] {
	case 2:
		return p.negotiationResponse(r[1:])
	case 3:
		return p.negotiationFailure(r[1:])
	}
	return binpac.InvalidCaseIndex("Connect_Confirm_Record", int64(r[0]))
}

func (p *parser) negotiationResponse(b []byte) error {
	if len(b) < 7 {
		return binpac.OutOfBound("RDP_Negotiation_Response", 7, len(b))
	}
	if le16(b[1:]) != 8 {
		return binpac.EnforceViolation("RDP_Negotiation_Response:length")
	}
	selected := le32(b[3:])
	if selected > 0 {
		p.ev.beginEncryption(selected)
	}
	p.ev.negotiationResponse(selected)
	return nil
}

func (p *parser) negotiationFailure(b []byte) error {
	if len(b) < 7 {
		return binpac.OutOfBound("RDP_Negotiation_Failure", 7, len(b))
	}
	p.ev.negotiationFailure(le32(b[3:]))
	return nil
}

// cookiePrefix starts the routing cookie of a Connection Request.
const cookiePrefix = "Cookie: mstshash="

// connectRequest parses an X.224 Connection Request: the optional cookie
// line, then the optional negotiation request.
func (p *parser) connectRequest(b []byte, cotpLen int) error {
	if len(b) < 5 {
		return binpac.OutOfBound("Connect_Request:flow_control", 5, len(b))
	}
	off := 5
	var cookie []byte
	hasCookie := false
	if hasPrefix(b[off:], cookiePrefix) {
		off += len(cookiePrefix)
		hasCookie = true
		// The value runs to the first CR, which must start CR LF.
		end := off
		for end < len(b) && b[end] != '\r' {
			end++
		}
		cookie = b[off:end]
		if !hasPrefix(b[end:], "\r\n") {
			return pacSource.Mismatch(85, `\x0d\x0a`, b[end:])
		}
		off = end + 2
	}
	// Zeek's grammar takes the bytes the length byte counts beyond the
	// fields read so far for a negotiation request.
	if off+2-cotpLen-1 != 0 {
		r := b[off:]
		if len(r) < 8 {
			return binpac.OutOfBound("RDP_Negotiation_Request", 8, len(r))
		}
		if le16(r[2:]) != 8 {
			return binpac.EnforceViolation("RDP_Negotiation_Request:length")
		}
	}
	p.ev.connectRequest(cookie, hasCookie)
	return nil
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// dtData parses an X.224 Data TPDU: MCS Connect Initial (client) or
// Connect Response (server).
func (p *parser) dtData(b []byte) error {
	if len(b) < 3 {
		return binpac.OutOfBound("DT_Data:application_type", 3, len(b))
	}
	switch b[2] {
	case 0x65:
		return p.clientHeader(b[3:])
	case 0x66:
		return p.serverHeader(b[3:])
	}
	return nil
}

// asn1Meta parses a BER tag and length and returns the header's size and
// the length.
func (p *parser) asn1Meta(b []byte) (size int, length uint64, err error) {
	if len(b) < 2 {
		return 0, 0, binpac.OutOfBound("ASN1EncodingMeta:len", 2, len(b))
	}
	l := b[1]
	more := 0
	if l&0x80 != 0 {
		more = int(l & 0x7f)
	}
	if len(b) < 2+more {
		return 0, 0, binpac.OutOfBound("ASN1EncodingMeta:more_len", 2+more, len(b))
	}
	if l&0x80 == 0 {
		return 2, uint64(l), nil
	}
	return 2 + more, p.bigEndian(b[2 : 2+more]), nil
}

// bigEndian is Zeek's binary_to_int64: more than 8 bytes give 0 and a
// weird.
func (p *parser) bigEndian(b []byte) uint64 {
	if len(b) > 8 {
		p.ev.netWeird("asn_binary_to_int64_shift_too_large", itoa(len(b)))
		return 0
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// asn1Encoding parses a BER element (header and content) and returns its
// size.
func (p *parser) asn1Encoding(b []byte) (int, error) {
	ms, length, err := p.asn1Meta(b)
	if err != nil {
		return 0, err
	}
	n := binpac.CInt(length)
	if ms+n > len(b) || n < 0 {
		return 0, binpac.OutOfBound("ASN1Encoding:content", ms+n, len(b))
	}
	return ms + n, nil
}

// skipMetaPad parses a BER header and skips the content it announces, as
// the MCS parameter sequences are skipped; where names the pad field.
func (p *parser) skipMetaPad(b []byte, off int, where string) (int, error) {
	ms, length, err := p.asn1Meta(b[off:])
	if err != nil {
		return 0, err
	}
	off += ms
	n := binpac.CInt(length)
	if off+n > len(b) || n < 0 {
		return 0, binpac.OutOfBound(where, off+n, len(b))
	}
	return off + n, nil
}

// clientHeader parses the MCS Connect Initial with the GCC Conference
// Create Request and the client's data blocks.
func (p *parser) clientHeader(b []byte) error {
	off := 0
	// type_length, calling and called domain selectors, upward flag.
	for range 4 {
		n, err := p.asn1Encoding(b[off:])
		if err != nil {
			return err
		}
		off += n
	}
	var err error
	for _, where := range [...]string{"Client_Header:targ_parameters_pad", "Client_Header:min_parameters_pad", "Client_Header:max_parameters_pad"} {
		if off, err = p.skipMetaPad(b, off, where); err != nil {
			return err
		}
	}
	if off+4 > len(b) {
		return binpac.OutOfBound("Client_Header:user_data_length", off+4, len(b))
	}
	off += 4
	// GCC connection data.
	c := b[off:]
	if len(c) < 2 {
		return binpac.OutOfBound("GCC_Client_Connection_Data:key_object_length", 2, len(c))
	}
	k := int(be16(c))
	if k > len(c)-2 {
		return binpac.OutOfBound("GCC_Client_Connection_Data:key_object", k, len(c)-2)
	}
	if len(c) < 2+k+2 {
		return binpac.OutOfBound("GCC_Client_Connection_Data:connect_data_connect_pdu", 2+k+2, len(c))
	}
	off += 2 + k + 2
	// GCC Conference Create Request.
	c = b[off:]
	if len(c) < 8 {
		return binpac.OutOfBound("GCC_Client_Create_Request:h221_nonstandard_length", 8, len(c))
	}
	if !hasPrefix(c[8:], "Duca") {
		return pacSource.Mismatch(196, "Duca", c[8:])
	}
	if len(c) < 14 {
		return binpac.OutOfBound("GCC_Client_Create_Request:user_data_value_length", 14, len(c))
	}
	off += 14
	return p.dataBlocks(b[off:])
}

// serverHeader parses the MCS Connect Response with the GCC Conference
// Create Response and the server's data blocks.
func (p *parser) serverHeader(b []byte) error {
	if len(b) < 3 {
		return binpac.OutOfBound("Server_Header:type_length", 3, len(b))
	}
	off := 3
	// connect_response_result and connect_response_called_id.
	for range 2 {
		n, err := p.asn1Encoding(b[off:])
		if err != nil {
			return err
		}
		off += n
	}
	var err error
	if off, err = p.skipMetaPad(b, off, "Server_Header:domain_parameters"); err != nil {
		return err
	}
	if off+4 > len(b) {
		return binpac.OutOfBound("Server_Header:user_data_length", off+4, len(b))
	}
	off += 4
	// GCC connection data.
	c := b[off:]
	if len(c) < 2 {
		return binpac.OutOfBound("GCC_Server_Connection_Data:key_object_length", 2, len(c))
	}
	k := int(be16(c))
	if k > len(c)-2 {
		return binpac.OutOfBound("GCC_Server_Connection_Data:key_object", k, len(c)-2)
	}
	if len(c) < 2+k+1 {
		return binpac.OutOfBound("GCC_Server_Connection_Data:connect_data_connect_pdu", 2+k+1, len(c))
	}
	off += 2 + k + 1
	// GCC Conference Create Response.
	c = b[off:]
	if len(c) < 9 {
		return binpac.OutOfBound("GCC_Server_Create_Response:h221_nonstandard_length", 9, len(c))
	}
	if !hasPrefix(c[9:], "McDn") {
		return pacSource.Mismatch(310, "McDn", c[9:])
	}
	if len(c) < 15 {
		return binpac.OutOfBound("GCC_Server_Create_Response:user_data_value_length", 15, len(c))
	}
	p.ev.confirm()
	p.ev.gccServerCreateResponse(c[5])
	off += 15
	return p.dataBlocks(b[off:])
}

// Data block types.
const (
	blockClientCore     = 0xc001
	blockClientSecurity = 0xc002
	blockClientNetwork  = 0xc003
	blockClientCluster  = 0xc004
	blockServerCore     = 0x0c01
	blockServerSecurity = 0x0c02
	blockServerNetwork  = 0x0c03
)

// dataBlocks parses the user data blocks up to the end of b.
func (p *parser) dataBlocks(b []byte) error {
	for len(b) > 0 {
		if len(b) < 4 {
			return binpac.OutOfBound("Data_Block:header", 4, len(b))
		}
		typ, length := le16(b), le16(b[2:])
		n := int(length) - 4
		if 4+n > len(b) || n < 0 {
			return binpac.OutOfBound("Data_Block:block", 4+n, len(b))
		}
		if err := p.block(typ, length, b[4:4+n]); err != nil {
			return err
		}
		b = b[4+n:]
	}
	return nil
}

func (p *parser) block(typ, length uint16, b []byte) error {
	switch typ {
	case blockClientCore:
		return p.clientCoreData(b)
	case blockClientSecurity:
		if len(b) < 8 {
			return binpac.OutOfBound("Client_Security_Data", 8, len(b))
		}
	case blockClientNetwork:
		return p.clientNetworkData(b)
	case blockClientCluster:
		if len(b) < 8 {
			return binpac.OutOfBound("Client_Cluster_Data", 8, len(b))
		}
	case blockServerCore:
		if len(b) < 4 {
			return binpac.OutOfBound("Server_Core_Data:version_minor", 4, len(b))
		}
		if length != 8 && len(b) < 8 {
			return binpac.OutOfBound("Server_Core_Data:client_requested_protocols", 8, len(b))
		}
	case blockServerSecurity:
		return p.serverSecurityData(b)
	case blockServerNetwork:
		if len(b) < 4 {
			return binpac.OutOfBound("Server_Network_Data", 4, len(b))
		}
	}
	return nil
}

func (p *parser) clientCoreData(b []byte) error {
	for _, c := range [...]struct {
		end   int
		field string
	}{
		{20, "client_build"}, {52, "client_name"}, {64, "keyboard_function_key"},
		{128, "ime_file_name"}, {142, "early_capability_flags"}, {206, "dig_product_id"},
	} {
		if len(b) < c.end {
			return binpac.OutOfBound("Client_Core_Data:"+c.field, c.end, len(b))
		}
	}
	cd := clientCore{
		desktopWidth:         le16(b[4:]),
		desktopHeight:        le16(b[6:]),
		keyboardLayout:       le32(b[12:]),
		clientBuild:          le32(b[16:]),
		clientName:           b[20:52],
		highColorDepth:       le16(b[136:]),
		earlyCapabilityFlags: le16(b[140:]),
		digProductID:         b[142:206],
	}
	p.ev.confirm()
	p.ev.clientCoreData(&cd)
	return nil
}

// maxChannels is the grammar's bound on requested channels.
const maxChannels = 1000

func (p *parser) clientNetworkData(b []byte) error {
	if len(b) < 4 {
		return binpac.OutOfBound("Client_Network_Data:channel_count", 4, len(b))
	}
	count := le32(b)
	if count > maxChannels {
		return binpac.EnforceViolation("Client_Network_Data:channel_count")
	}
	n := int(count)
	if n > len(b)-4 {
		return binpac.OutOfBound("Client_Network_Data:channel_def_array", n, len(b)-4)
	}
	names := p.channels[:0]
	d := b[4:]
	for range n {
		if len(d) < 8 {
			return binpac.OutOfBound("Client_Channel_Def:name", 8, len(d))
		}
		if len(d) < 12 {
			return binpac.OutOfBound("Client_Channel_Def:options", 12, len(d))
		}
		names = append(names, d[:8])
		d = d[12:]
	}
	p.channels = names
	if len(names) > 0 {
		p.ev.clientNetworkData(names)
	}
	clear(names)
	return nil
}

// maxDataLength is the grammar's bound on key and certificate material.
const maxDataLength = 262144

func (p *parser) serverSecurityData(b []byte) error {
	if len(b) < 16 {
		return binpac.OutOfBound("Server_Security_Data:server_cert_length", 16, len(b))
	}
	method, level := le32(b), le32(b[4:])
	randomLen, certLen := le32(b[8:]), le32(b[12:])
	if !(level == 0 && method == 0 && randomLen == 0 || randomLen == 0x20) {
		return binpac.EnforceViolation("Server_Security_Data:server_random_length")
	}
	if randomLen > maxDataLength {
		return binpac.EnforceViolation("Server_Security_Data:server_cert_length")
	}
	rl := int(randomLen)
	if 16+rl > len(b) {
		return binpac.OutOfBound("Server_Security_Data:server_random", 16+rl, len(b))
	}
	off := 16 + rl
	cl := binpac.CInt(uint64(certLen))
	if off+cl > len(b) || cl < 0 {
		return binpac.OutOfBound("Server_Security_Data:server_certificate", off+cl, len(b))
	}
	if err := p.serverCertificate(b[off : off+cl]); err != nil {
		return err
	}
	if method > 0 && level > 0 {
		p.ev.beginEncryption(0)
	}
	p.ev.confirm()
	p.ev.serverSecurity(method, level)
	return nil
}

func (p *parser) serverCertificate(b []byte) error {
	if len(b) < 4 {
		return binpac.OutOfBound("Server_Certificate:version", 4, len(b))
	}
	version := le32(b)
	certType := version & 0x7fffffff
	switch certType {
	case 1:
		if err := proprietaryCert(b[4:]); err != nil {
			return err
		}
	case 2:
		if err := p.x509Chain(b[4:]); err != nil {
			return err
		}
	default:
		return binpac.InvalidCaseIndex("Server_Certificate", int64(certType))
	}
	p.ev.serverCertificate(certType, version&0x80000000 == 0)
	return nil
}

// proprietaryCert checks the bounds of a proprietary server certificate.
func proprietaryCert(b []byte) error {
	if len(b) < 12 {
		return binpac.OutOfBound("Server_Proprietary_Cert:public_key_blob_length", 12, len(b))
	}
	kbl := int(le16(b[10:]))
	if 12+kbl > len(b) {
		return binpac.OutOfBound("Server_Proprietary_Cert:public_key_blob", 12+kbl, len(b))
	}
	k := b[12 : 12+kbl]
	if len(k) < 4 {
		return binpac.OutOfBound("Public_Key_Blob:magic", 4, len(k))
	}
	if len(k) < 16 {
		return binpac.OutOfBound("Public_Key_Blob:public_exponent", 16, len(k))
	}
	keyLen := le32(k[4:])
	if keyLen > maxDataLength {
		return binpac.EnforceViolation("Public_Key_Blob:key_length")
	}
	if 16+int(keyLen) > len(k) {
		return binpac.OutOfBound("Public_Key_Blob:modulus", 16+int(keyLen), len(k))
	}
	off := 12 + kbl
	if off+4 > len(b) {
		return binpac.OutOfBound("Server_Proprietary_Cert:signature_blob_length", off+4, len(b))
	}
	sbl := int(le16(b[off+2:]))
	if off+4+sbl > len(b) {
		return binpac.OutOfBound("Server_Proprietary_Cert:signature_blob", off+4+sbl, len(b))
	}
	return nil
}

// maxCerts is the grammar's bound on the certificates of a chain.
const maxCerts = 1000

func (p *parser) x509Chain(b []byte) error {
	if len(b) < 4 {
		return binpac.OutOfBound("X509:num_of_certs", 4, len(b))
	}
	num := le32(b)
	if num > maxCerts {
		return binpac.EnforceViolation("X509:num_of_certs")
	}
	if int(num) > len(b)-4 {
		return binpac.OutOfBound("X509:certs", int(num), len(b)-4)
	}
	d := b[4:]
	for range num {
		if len(d) < 4 {
			return binpac.OutOfBound("X509_Cert_Data:cert_len", 4, len(d))
		}
		cl := le32(d)
		if cl > maxDataLength {
			return binpac.EnforceViolation("X509_Cert_Data:cert_len")
		}
		if 4+int(cl) > len(d) {
			return binpac.OutOfBound("X509_Cert_Data:cert", 4+int(cl), len(d))
		}
		p.ev.x509Cert(d[4 : 4+cl])
		d = d[4+cl:]
	}
	return nil
}
