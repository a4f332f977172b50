package ftp

import "github.com/heron-nsm/heron/internal/zeek"

// Info is an ftp.log record (Zeek's FTP::Info): one command with its
// reply, in the session's state at the time it was logged.
type Info struct {
	// TS is when the command was sent.
	TS zeek.Time `zeek:"ts"`
	// UID is the control connection's uid.
	UID string `zeek:"uid"`
	// ID holds the control connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// User is the session's user name ("<unknown>" before USER).
	User string `zeek:"user"`
	// Password is the session's password, "<hidden>" unless the user is
	// a guest or FTP::default_capture_password is set.
	Password zeek.Opt[string] `zeek:"password"`
	// Command is the command.
	Command zeek.Opt[string] `zeek:"command"`
	// Arg is the command's argument; for file commands the URL of the
	// file ("ftp://host/path").
	Arg zeek.Opt[string] `zeek:"arg"`
	// MIMEType is the type of the file transferred.
	MIMEType zeek.Opt[string] `zeek:"mime_type"`
	// FileSize is the size of the file, from the server's reply.
	FileSize zeek.Opt[uint64] `zeek:"file_size"`
	// ReplyCode is the server's reply code.
	ReplyCode zeek.Opt[uint64] `zeek:"reply_code"`
	// ReplyMsg is the server's reply text.
	ReplyMsg zeek.Opt[string] `zeek:"reply_msg"`
	// DataChannel is the data connection the command announced.
	DataChannel zeek.Opt[DataChannel] `zeek:"data_channel"`
	// FUID is the id of the file transferred.
	FUID zeek.Opt[string] `zeek:"fuid"`
}

// DataChannel is an expected data connection (Zeek's
// FTP::ExpectedDataChannel).
type DataChannel struct {
	// Passive is true for PASV/EPSV, false for PORT/EPRT.
	Passive bool `zeek:"passive"`
	// OrigH is the host that will open the data connection.
	OrigH zeek.Addr `zeek:"orig_h"`
	// RespH is the host that will accept it.
	RespH zeek.Addr `zeek:"resp_h"`
	// RespP is the port it will be accepted on.
	RespP zeek.Port `zeek:"resp_p"`
}
