package mysql

import "github.com/heron-nsm/heron/internal/analyzer/binpac"

// This file parses MySQL packets the way Zeek's grammar
// (src/analyzer/protocol/mysql/mysql-protocol.pac) does: the connection's
// phase and expectations decide what a packet is, fields are read with
// the grammar's bounds checks in its order, and the state changes and
// events happen where the grammar has them.

// Connection phases.
const (
	connectionPhase = 0
	commandPhase    = 1
)

// What the client's next connection-phase packet is.
const (
	expectHandshake = 0
	expectAuthData  = 1
)

// What the server's next command-phase packet is.
const (
	noExpectation               = 0
	expectStatus                = 1
	expectColumnDefinition      = 2
	expectColumnDefinitionOrEOF = 3
	expectColumnCount           = 4
	expectEOFThenResultset      = 5
	expectResultset             = 6
	expectRestOfPacket          = 7
)

// Commands.
const (
	comSleep           = 0x00
	comQuit            = 0x01
	comInitDB          = 0x02
	comQuery           = 0x03
	comFieldList       = 0x04
	comCreateDB        = 0x05
	comDropDB          = 0x06
	comRefresh         = 0x07
	comShutdown        = 0x08
	comStatistics      = 0x09
	comProcessInfo     = 0x0a
	comConnect         = 0x0b
	comProcessKill     = 0x0c
	comDebug           = 0x0d
	comPing            = 0x0e
	comTime            = 0x0f
	comDelayedInsert   = 0x10
	comChangeUser      = 0x11
	comDaemon          = 0x1d
	comResetConnection = 0x1f
)

// Capability flags.
const (
	clientConnectWithDB   = 0x00000008
	clientSSL             = 0x00000800
	clientPluginAuth      = 0x00080000
	clientConnectAttrs    = 0x00100000
	clientDeprecateEOF    = 0x01000000
	clientZstd            = 0x04000000
	clientQueryAttributes = 0x08000000
)

// events receives what the packets say, in Zeek's event order. Slices
// are borrowed for the call.
type events interface {
	// confirm is AnalyzerConfirmation.
	confirm()
	// startTLS is the analyzer's StartTLS: the client asked for TLS.
	startTLS()
	// handshake is mysql_handshake.
	handshake(username []byte)
	// commandRequest is mysql_command_request.
	commandRequest(command uint8, arg []byte)
	// changeUser is mysql_change_user.
	changeUser(username []byte)
	// errorPacket is mysql_error.
	errorPacket(code uint16, msg []byte)
	// ok is mysql_ok.
	ok(rows uint32)
	// eof is mysql_eof.
	eof(intermediate bool)
}

// parser holds the connection state of Zeek's MySQL_Conn.
type parser struct {
	ev events

	version         uint8
	previousSeqID   uint8
	state           int
	expected        int
	connExpected    int
	colCount        uint32
	remainingCols   uint32
	resultsSeen     uint32
	deprecateEOF    bool
	serverQueryAttr bool
	clientQueryAttr bool
	clientCaps      uint32
	queryAttrIdx    int
}

func newParser(ev events) parser {
	return parser{ev: ev, expected: expectStatus}
}

// updateState is the grammar's update_state.
func (p *parser) updateState(s int) {
	p.state = s
	if s == commandPhase {
		p.connExpected = expectHandshake
	}
}

// packet parses one packet of one direction; b holds the header and the
// payload.
func (p *parser) packet(b []byte, orig bool) error {
	pktLen := uint32(len(b)) // the header's length plus 4
	seqID := b[3]
	body := b[headerLen:]
	if orig {
		if p.state == connectionPhase {
			return p.clientConnectionPhase(body)
		}
		return p.commandRequest(body, pktLen)
	}
	isInitial := seqID == 0 && p.previousSeqID != 255
	var err error
	if p.state == connectionPhase {
		if isInitial {
			err = p.initialHandshake(body)
		} else {
			err = p.serverConnectionPhase(body)
		}
	} else {
		err = p.commandResponse(body, pktLen)
	}
	if err == nil {
		p.previousSeqID = seqID
	}
	return err
}

// nulString matches the grammar's NUL_String: up to and including the
// first NUL. line is where the field is defined.
func nulString(b []byte, line int) (int, error) {
	for i, c := range b {
		if c == 0 {
			return i + 1, nil
		}
	}
	return 0, pacSource.Mismatch(line, `[^\0]*\0`, b)
}

// cstr is a NUL_String without its NUL (as Zeek's c_str() gives it).
func cstr(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}

// lenencInt parses a LengthEncodedIntegerLookahead for its first byte
// from b, and returns its size and the value as the grammar's to_int
// gives it (a C int).
func lenencInt(first byte, b []byte) (int, int, error) {
	switch first {
	case 0xfc:
		if len(b) < 2 {
			return 0, 0, binpac.OutOfBound("LengthEncodedIntegerLookahead:i2", 2, len(b))
		}
		return 2, int(le16(b)), nil
	case 0xfd:
		if len(b) < 3 {
			return 0, 0, binpac.OutOfBound("uint24le", 3, len(b))
		}
		return 3, int(le24(b)), nil
	case 0xfe:
		if len(b) < 8 {
			return 0, 0, binpac.OutOfBound("LengthEncodedIntegerLookahead:i4", 8, len(b))
		}
		return 8, binpac.CInt(le64(b)), nil
	case 0xfb, 0xff:
		return 0, 0, nil
	}
	return 0, int(first), nil
}

// lenencInteger parses a LengthEncodedInteger (its first byte included).
func lenencInteger(b []byte) (int, int, error) {
	if len(b) < 1 {
		return 0, 0, binpac.OutOfBound("LengthEncodedInteger:length", 1, len(b))
	}
	n, v, err := lenencInt(b[0], b[1:])
	return 1 + n, v, err
}

// lenencString parses a LengthEncodedString and returns its size and
// value.
func lenencString(b []byte) (int, []byte, error) {
	n, l, err := lenencInteger(b)
	if err != nil {
		return 0, nil, err
	}
	if n+l > len(b) || l < 0 {
		return 0, nil, binpac.OutOfBound("LengthEncodedString:val", n+l, len(b))
	}
	return n + l, b[n : n+l], nil
}

// lenencStringArg parses a LengthEncodedStringArg whose first byte was
// read already; b starts after it.
func lenencStringArg(first byte, b []byte) (int, error) {
	n, l, err := lenencInt(first, b)
	if err != nil {
		return 0, err
	}
	if n+l > len(b) || l < 0 {
		return 0, binpac.OutOfBound("LengthEncodedStringArg:val", n+l, len(b))
	}
	return n + l, nil
}

// The server's connection phase.

func (p *parser) initialHandshake(b []byte) error {
	if len(b) < 1 {
		return binpac.OutOfBound("Initial_Handshake_Packet:version", 1, len(b))
	}
	version := b[0]
	var err error
	switch version {
	case 10:
		err = p.handshakeV10(b[1:])
	case 9:
		err = handshakeV9(b[1:])
	default:
		err = p.errPacket(b[1:])
	}
	if err != nil {
		return err
	}
	p.version = version
	return nil
}

func (p *parser) handshakeV10(b []byte) error {
	off, err := nulString(b, 339)
	if err != nil {
		return err
	}
	if off+4 > len(b) {
		return binpac.OutOfBound("Handshake_v10:connection_id", off+4, len(b))
	}
	if off+12 > len(b) {
		return binpac.OutOfBound("Handshake_v10:auth_plugin_data_part_1", off+12, len(b))
	}
	p1 := off + 12
	if p1+19 > len(b) {
		return binpac.OutOfBound("Handshake_v10:reserved", p1+19, len(b))
	}
	caps2 := uint32(le16(b[p1+6:])) << 16
	authLen := int(b[p1+8])
	if authLen != 0 && authLen < 21 {
		return binpac.EnforceViolation("Handshake_v10:auth_plugin_data_len")
	}
	part2 := 13
	if authLen > 21 {
		part2 = authLen - 8
	}
	if p1+19+part2 > len(b) {
		return binpac.OutOfBound("Handshake_v10:auth_plugin_data_part_2", p1+19+part2, len(b))
	}
	if caps2&clientPluginAuth != 0 {
		if _, err := nulString(b[p1+19+part2:], 351); err != nil {
			return err
		}
	}
	p.serverQueryAttr = caps2&clientQueryAttributes != 0
	return nil
}

func handshakeV9(b []byte) error {
	off, err := nulString(b, 366)
	if err != nil {
		return err
	}
	if off+4 > len(b) {
		return binpac.OutOfBound("Handshake_v9:connection_id", off+4, len(b))
	}
	_, err = nulString(b[off+4:], 368)
	return err
}

func (p *parser) serverConnectionPhase(b []byte) error {
	if len(b) < 1 {
		return binpac.OutOfBound("Server_Connection_Phase_Packets:pkt_type", 1, len(b))
	}
	switch b[0] {
	case 0x00:
		return p.okPacket(b[1:])
	case 0x01:
		return nil // AuthMoreData
	case 0xfe:
		// AuthSwitchRequest.
		if _, err := nulString(b[1:], 677); err != nil {
			return err
		}
		p.connExpected = expectAuthData
		p.expected = expectStatus
		return nil
	case 0xff:
		return p.errPacket(b[1:])
	}
	return binpac.InvalidCaseIndex("Server_Connection_Phase_Packets", int64(b[0]))
}

// The client's connection phase.

func (p *parser) clientConnectionPhase(b []byte) error {
	if p.connExpected == expectAuthData {
		return nil // AuthMoreData
	}
	switch p.version {
	case 10:
		return p.handshakeResponseV10(b)
	case 9:
		return p.handshakeResponseV9(b)
	}
	return binpac.InvalidCaseIndex("Handshake_Response_Packet", int64(p.version))
}

func (p *parser) handshakeResponseV10(b []byte) error {
	if len(b) < 32 {
		return binpac.OutOfBound("Handshake_Response_Packet_v10:pad", 32, len(b))
	}
	caps := le32(b)
	var username []byte
	if caps&clientSSL == 0 {
		var err error
		if username, err = p.handshakePlain(b[32:], caps); err != nil {
			return err
		}
	}
	p.deprecateEOF = caps&clientDeprecateEOF != 0
	p.clientQueryAttr = caps&clientQueryAttributes != 0
	p.clientCaps = caps
	p.ev.confirm()
	if caps&clientSSL != 0 {
		p.ev.startTLS()
		return nil
	}
	p.ev.handshake(username)
	return nil
}

// handshakePlain parses the credentials part of a handshake response and
// returns the user name.
func (p *parser) handshakePlain(b []byte, caps uint32) ([]byte, error) {
	off, err := nulString(b, 394)
	if err != nil {
		return nil, err
	}
	username := cstr(b[:off])
	n, _, err := lenencString(b[off:])
	if err != nil {
		return nil, err
	}
	off += n
	if caps&clientConnectWithDB != 0 {
		n, err := nulString(b[off:], 411)
		if err != nil {
			return nil, err
		}
		off += n
	}
	if caps&clientPluginAuth != 0 {
		// An optional NUL_String: never fails.
		if n, err := nulString(b[off:], 415); err == nil {
			off += n
		}
	}
	if caps&clientConnectAttrs != 0 {
		n, err := connectionAttributes(b[off:])
		if err != nil {
			return nil, err
		}
		off += n
	}
	if caps&clientZstd != 0 && off+1 > len(b) {
		return nil, binpac.OutOfBound("Handshake_Plain_v10:zstd_compression_level", off+1, len(b))
	}
	if caps&clientPluginAuth != 0 {
		p.connExpected = expectAuthData
	}
	return username, nil
}

// connectionAttributes parses a Handshake_Connection_Attributes and
// returns its size.
func connectionAttributes(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, binpac.OutOfBound("Handshake_Connection_Attributes:length", 1, len(b))
	}
	size := int(b[0]) + 1
	if size > len(b) {
		return 0, binpac.OutOfBound("Handshake_Connection_Attributes", size, len(b))
	}
	a := b[1:size]
	for len(a) > 0 {
		n, _, err := lenencString(a)
		if err != nil {
			return 0, err
		}
		m, _, err := lenencString(a[n:])
		if err != nil {
			return 0, err
		}
		a = a[n+m:]
	}
	return size, nil
}

func (p *parser) handshakeResponseV9(b []byte) error {
	if len(b) < 5 {
		return binpac.OutOfBound("Handshake_Response_Packet_v9:max_pkt_size", 5, len(b))
	}
	caps := le16(b)
	off := 5
	n, err := nulString(b[off:], 451)
	if err != nil {
		return err
	}
	username := cstr(b[off : off+n])
	off += n
	if n, err = nulString(b[off:], 452); err != nil {
		return err
	}
	off += n
	if caps&clientConnectWithDB != 0 {
		if _, err = nulString(b[off:], 454); err != nil {
			return err
		}
	}
	p.ev.confirm()
	p.ev.handshake(username)
	return nil
}

// The command phase.

func (p *parser) commandRequest(b []byte, pktLen uint32) error {
	if len(b) < 1 {
		return binpac.OutOfBound("Command_Request_Packet:command", 1, len(b))
	}
	command := b[0]
	off := 1
	if command == comQuery && p.clientQueryAttr && p.serverQueryAttr {
		n, err := p.queryAttributes(b[off:])
		if err != nil {
			return err
		}
		off += n
	}
	var changeUser, newUser []byte
	if command == comChangeUser {
		n, user, err := p.changeUserPacket(b[off:], pktLen)
		if err != nil {
			return err
		}
		changeUser, newUser = b[off:off+n], user
		off += n
	}
	p.expectFromCommand(command)
	arg := b[off:]
	if command == comChangeUser {
		arg = changeUser
	}
	p.ev.commandRequest(command, arg)
	if command == comChangeUser {
		p.ev.changeUser(newUser)
	}
	return nil
}

// expectFromCommand is the grammar's set_next_expected_from_command.
func (p *parser) expectFromCommand(cmd uint8) {
	switch cmd {
	case comSleep, comQuit, comInitDB, comCreateDB, comDropDB, comRefresh, comShutdown, comConnect,
		comProcessKill, comDebug, comPing, comTime, comDelayedInsert, comDaemon, comResetConnection:
		p.expected = expectStatus
	case comQuery, comProcessInfo:
		p.expected = expectColumnCount
	case comFieldList:
		p.expected = expectColumnDefinitionOrEOF
	case comStatistics:
		p.expected = expectRestOfPacket
	case comChangeUser:
		p.updateState(connectionPhase)
	default:
		p.expected = noExpectation
	}
}

// changeUserPacket parses a COM_CHANGE_USER after its command byte and
// returns its size and the new user name.
func (p *parser) changeUserPacket(b []byte, pktLen uint32) (int, []byte, error) {
	off, err := nulString(b, 539)
	if err != nil {
		return 0, nil, err
	}
	username := cstr(b[:off])
	if off+1 > len(b) {
		return 0, nil, binpac.OutOfBound("Change_User_Packet:auth_plugin_data_len", off+1, len(b))
	}
	n := int(b[off])
	if off+1+n > len(b) {
		return 0, nil, binpac.OutOfBound("Change_User_Packet:auth_plugin_data", off+1+n, len(b))
	}
	off += 1 + n
	if n, err = nulString(b[off:], 542); err != nil {
		return 0, nil, err
	}
	off += n
	if off+2 > len(b) {
		return 0, nil, binpac.OutOfBound("Change_User_Packet:charset", off+2, len(b))
	}
	off += 2
	// The grammar compares the offset with the packet's length plus 4.
	more := uint32(off) < pktLen
	if more && p.clientCaps&clientPluginAuth != 0 {
		n, err := nulString(b[off:], 546)
		if err != nil {
			return 0, nil, err
		}
		off += n
	}
	if more && p.clientCaps&clientConnectAttrs != 0 {
		n, err := connectionAttributes(b[off:])
		if err != nil {
			return 0, nil, err
		}
		off += n
	}
	return off, username, nil
}

// queryAttributes parses the query attributes of a COM_QUERY and returns
// their size.
func (p *parser) queryAttributes(b []byte) (int, error) {
	n, count, err := lenencInteger(b)
	if err != nil {
		return 0, err
	}
	m, _, err := lenencInteger(b[n:])
	if err != nil {
		return 0, err
	}
	off := n + m
	p.queryAttrIdx = 0
	if count <= 0 {
		return off, nil
	}
	k, err := p.attributes(b[off:], count)
	return off + k, err
}

// attributes parses the null bitmap, types, names and values of count
// query attributes.
func (p *parser) attributes(b []byte, count int) (int, error) {
	bm := int(int32(count+7)) / 8
	if bm > len(b) || bm < 0 {
		return 0, binpac.OutOfBound("Attributes:null_bitmap", bm, len(b))
	}
	bitmap := b[:bm]
	if bm+1 > len(b) {
		return 0, binpac.OutOfBound("Attributes:send_types_to_server", bm+1, len(b))
	}
	if b[bm] != 1 {
		return 0, binpac.EnforceViolation("Attributes:send_types_to_server")
	}
	off := bm + 1
	if count > len(b)-off {
		return 0, binpac.OutOfBound("Attributes:names", count, len(b)-off)
	}
	types := make([]uint8, count)
	for i := range count {
		t := b[off:]
		if len(t) < 2 {
			return 0, binpac.OutOfBound("AttributeTypeAndName:unsigned_flag", 2, len(t))
		}
		types[i] = t[0]
		n, _, err := lenencString(t[2:])
		if err != nil {
			return 0, err
		}
		off += 2 + n
	}
	for p.queryAttrIdx < count && off < len(b) {
		i := p.queryAttrIdx
		if bitmap[i/8]>>(i%8)&1 == 0 {
			n, err := binaryValue(types[i], b[off:])
			if err != nil {
				return 0, err
			}
			off += n
		}
		p.queryAttrIdx++
	}
	return off, nil
}

// binaryValue parses one value of the binary protocol and returns its
// size.
func binaryValue(typ uint8, b []byte) (int, error) {
	fixed := func(n int, field string) (int, error) {
		if len(b) < n {
			return 0, binpac.OutOfBound("BinaryValue:"+field, n, len(b))
		}
		return n, nil
	}
	switch typ {
	case 0x00:
		n, _, err := lenencInteger(b)
		return n, err
	case 0x01:
		return fixed(1, "tiny_val")
	case 0x02:
		return fixed(2, "short_val")
	case 0x03:
		return fixed(4, "long_val")
	case 0x04:
		return fixed(4, "float_val")
	case 0x05:
		return fixed(8, "double_val")
	case 0x06:
		return 0, nil
	case 0x07, 0x0a, 0x0c, 0x11:
		return binaryDate(b)
	case 0x08:
		return fixed(8, "longlong_val")
	case 0x09:
		return fixed(4, "int24_val")
	case 0x0b:
		return binaryTime(b)
	case 0x0d:
		return fixed(2, "year_val")
	case 0x0f, 0x10, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff:
		n, _, err := lenencString(b)
		return n, err
	}
	return 0, binpac.InvalidCaseIndex("BinaryValue", int64(typ))
}

func binaryDate(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, binpac.OutOfBound("BinaryDate:len", 1, len(b))
	}
	l := b[0]
	if l != 0 && l != 4 && l != 7 && l != 11 {
		return 0, binpac.EnforceViolation("BinaryDate:len")
	}
	off := 1
	if l > 0 {
		if len(b)-off < 4 {
			return 0, binpac.OutOfBound("Date", 4, len(b)-off)
		}
		off += 4
	}
	if l > 4 {
		if len(b)-off < 3 {
			return 0, binpac.OutOfBound("Time", 3, len(b)-off)
		}
		off += 3
	}
	if l > 7 {
		if off+4 > len(b) {
			return 0, binpac.OutOfBound("BinaryDate:micros", off+4, len(b))
		}
		off += 4
	}
	return off, nil
}

func binaryTime(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, binpac.OutOfBound("BinaryTime:len", 1, len(b))
	}
	l := b[0]
	if l != 0 && l != 8 && l != 12 {
		return 0, binpac.EnforceViolation("BinaryTime:len")
	}
	off := 1
	if l > 0 {
		d := b[off:]
		if len(d) < 8 {
			return 0, binpac.OutOfBound("DurationTime", 8, len(d))
		}
		if d[0] != 0 && d[0] != 1 {
			return 0, binpac.EnforceViolation("DurationTime:is_negative")
		}
		off += 8
	}
	if l > 8 {
		if off+4 > len(b) {
			return 0, binpac.OutOfBound("BinaryTime:micros", off+4, len(b))
		}
		off += 4
	}
	return off, nil
}

// The server's command phase.

func (p *parser) commandResponse(b []byte, pktLen uint32) error {
	switch p.expected {
	case expectColumnCount:
		return p.columnCount(b)
	case expectColumnDefinition:
		if len(b) < 1 {
			return binpac.OutOfBound("ColumnDefinition:dummy", 1, len(b))
		}
		if err := columnDefinition41(b[0], b[1:]); err != nil {
			return err
		}
		p.remainingCols--
		if p.remainingCols > 0 {
			p.expected = expectColumnDefinition
		} else {
			p.expected = expectEOFThenResultset
		}
	case expectColumnDefinitionOrEOF:
		if len(b) < 1 {
			return binpac.OutOfBound("ColumnDefinitionOrEOF:marker", 1, len(b))
		}
		if b[0] == 0xfe {
			return p.eofOrOK(b[1:], pktLen)
		}
		return columnDefinition41(b[0], b[1:])
	case expectResultset:
		return p.resultset(b, pktLen)
	case expectStatus:
		return p.status(b)
	case expectEOFThenResultset:
		var err error
		if p.deprecateEOF {
			err = p.resultset(b, pktLen)
		} else {
			err = p.eofWithMarker(b)
		}
		if err != nil {
			return err
		}
		p.resultsSeen = 0
		if !p.deprecateEOF {
			p.expected = expectResultset
		}
	}
	return nil
}

func (p *parser) columnCount(b []byte) error {
	if len(b) < 1 {
		return binpac.OutOfBound("ColumnCountMeta:byte", 1, len(b))
	}
	switch b[0] {
	case 0x00:
		return p.okPacket(b[1:])
	case 0xff:
		return p.errPacket(b[1:])
	}
	_, n, err := lenencInt(b[0], b[1:])
	if err != nil {
		return err
	}
	p.colCount = uint32(n)
	p.remainingCols = uint32(n)
	p.expected = expectColumnDefinition
	return nil
}

// columnDefinition41 parses a column definition whose first byte was
// read already; b starts after it.
func columnDefinition41(first byte, b []byte) error {
	off, err := lenencStringArg(first, b)
	if err != nil {
		return err
	}
	for range 5 { // schema, table, org_table, name, org_name
		n, _, err := lenencString(b[off:])
		if err != nil {
			return err
		}
		off += n
	}
	n, _, err := lenencInteger(b[off:])
	if err != nil {
		return err
	}
	off += n
	if off+12 > len(b) {
		return binpac.OutOfBound("ColumnDefinition41:filler", off+12, len(b))
	}
	return nil
}

// eofOrOK is the grammar's EOFOrOK: an OK packet when EOF is deprecated
// or the packet is too long for an EOF packet.
func (p *parser) eofOrOK(b []byte, pktLen uint32) error {
	if p.deprecateEOF || pktLen > 13 {
		return p.okPacket(b)
	}
	return p.eofPacket(b, false)
}

func (p *parser) resultset(b []byte, pktLen uint32) error {
	if len(b) < 1 {
		return binpac.OutOfBound("Resultset:marker", 1, len(b))
	}
	isEOF := b[0] == 0xfe
	if isEOF {
		if err := p.eofOrOK(b[1:], pktLen); err != nil {
			return err
		}
	} else if err := p.resultsetRow(b[0], b[1:]); err != nil {
		return err
	}
	p.resultsSeen++
	if isEOF {
		p.expected = noExpectation
	} else {
		p.expected = expectResultset
	}
	return nil
}

func (p *parser) resultsetRow(first byte, b []byte) error {
	off, err := lenencStringArg(first, b)
	if err != nil {
		return err
	}
	fields := int(int32(p.colCount - 1))
	if fields < 0 {
		return binpac.OutOfBound("ResultsetRow:fields", fields, len(b))
	}
	if fields > len(b)-off {
		return binpac.OutOfBound("ResultsetRow:fields", fields, len(b)-off)
	}
	for range fields {
		n, _, err := lenencString(b[off:])
		if err != nil {
			return err
		}
		off += n
	}
	return nil
}

func (p *parser) status(b []byte) error {
	if len(b) < 1 {
		return binpac.OutOfBound("Command_Response_Status:pkt_type", 1, len(b))
	}
	switch b[0] {
	case 0x00:
		return p.okPacket(b[1:])
	case 0xfe:
		return p.eofPacket(b[1:], false)
	case 0xff:
		return p.errPacket(b[1:])
	}
	return nil
}

func (p *parser) okPacket(b []byte) error {
	_, rows, err := lenencInteger(b)
	if err != nil {
		return err
	}
	p.updateState(commandPhase)
	p.ev.ok(uint32(rows))
	return nil
}

func (p *parser) errPacket(b []byte) error {
	if len(b) < 2 {
		return binpac.OutOfBound("ERR_Packet:code", 2, len(b))
	}
	if len(b) < 8 {
		return binpac.OutOfBound("ERR_Packet:state", 8, len(b))
	}
	p.updateState(commandPhase)
	p.ev.errorPacket(le16(b), b[8:])
	return nil
}

func (p *parser) eofPacket(b []byte, intermediate bool) error {
	if len(b) < 4 {
		return binpac.OutOfBound("EOF_Packet", 4, len(b))
	}
	p.ev.eof(intermediate)
	return nil
}

func (p *parser) eofWithMarker(b []byte) error {
	if len(b) < 5 {
		return binpac.OutOfBound("EOF_Packet_With_Marker", 5, len(b))
	}
	if err := p.eofPacket(b[1:], true); err != nil {
		return err
	}
	p.updateState(commandPhase)
	return nil
}
