package mysql

import (
	"strconv"

	"github.com/heron-nsm/heron/internal/zeek"
)

// script is the logic of Zeek's base/protocols/mysql/main.zeek for one
// connection: a record per command, written when the server answers it,
// when the next command comes, or when the connection ends.
type script struct {
	h    host
	info *Info // c$mysql
}

func (s *script) newInfo(cmd, arg string) *Info {
	return &Info{TS: s.h.now(), UID: s.h.uid(), ID: s.h.connID(), Cmd: cmd, Arg: arg}
}

// write logs the pending record and forgets it.
func (s *script) write() {
	if s.info != nil {
		s.h.writeLog(s.info)
		s.info = nil
	}
}

// handshake is mysql_handshake: the login, unless a record is pending.
func (s *script) handshake(username []byte) {
	if s.info == nil {
		s.info = s.newInfo("login", string(username))
	}
}

// commandName is MySQL::commands with its default.
func commandName(c uint8) string {
	if n, ok := commandNames[c]; ok {
		return n
	}
	return "unknown-" + strconv.Itoa(int(c))
}

// commandRequest is mysql_command_request: the pending record is logged
// and a new one starts (one trailing NUL of the argument dropped); a quit
// gets no answer and is logged at once.
func (s *script) commandRequest(command uint8, arg []byte) {
	s.write()
	if n := len(arg); n > 0 && arg[n-1] == 0 {
		arg = arg[:n-1]
	}
	s.info = s.newInfo(commandName(command), string(arg))
	if s.info.Cmd == "quit" {
		s.write()
	}
}

// changeUser is mysql_change_user.
func (s *script) changeUser(username []byte) {
	if s.info != nil {
		s.info.Arg = string(username)
	}
}

// errorPacket is mysql_error.
func (s *script) errorPacket(msg []byte) {
	if s.info != nil {
		s.info.Success = zeek.Some(false)
		s.info.Response = zeek.Some(string(msg))
		s.write()
	}
}

// ok is mysql_ok.
func (s *script) ok(rows uint32) {
	if s.info != nil {
		s.info.Success = zeek.Some(true)
		s.info.Rows = zeek.Some(uint64(rows))
		s.write()
	}
}

// eof is mysql_eof: the end of a result set answers the command.
func (s *script) eof(intermediate bool) {
	if intermediate || s.info == nil {
		return
	}
	if !s.info.Success.Set {
		s.info.Success = zeek.Some(true)
	}
	if !s.info.Rows.Set {
		s.info.Rows = zeek.Some(uint64(0))
	}
	s.write()
}

// finalize is the connection removal hook.
func (s *script) finalize() { s.write() }
