package mysql

import "github.com/heron-nsm/heron/internal/zeek"

// Info is a mysql.log record (Zeek's MySQL::Info): one command (or the
// login) and the server's answer to it.
type Info struct {
	// TS is when the command was seen.
	TS zeek.Time `zeek:"ts"`
	// UID is the connection's uid.
	UID string `zeek:"uid"`
	// ID holds the connection's endpoints.
	ID zeek.ConnID `zeek:"id"`
	// Cmd is the command ("login" for the handshake).
	Cmd string `zeek:"cmd"`
	// Arg is the command's argument (the user name for a login).
	Arg string `zeek:"arg"`
	// Success says whether the server reported success.
	Success zeek.Opt[bool] `zeek:"success"`
	// Rows is the number of affected rows, if any.
	Rows zeek.Opt[uint64] `zeek:"rows"`
	// Response is the server's error message, if any.
	Response zeek.Opt[string] `zeek:"response"`
}
