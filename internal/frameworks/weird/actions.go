package weird

// Action is what the weird framework does with a weird (Weird::Action).
type Action uint8

// Actions, as Zeek's Weird::Action enum.
const (
	ActionUnspecified Action = iota
	ActionIgnore
	ActionLog
	ActionLogOnce
	ActionLogPerConn
	ActionLogPerOrig
	ActionNotice
	ActionNoticeOnce
	ActionNoticePerConn
	ActionNoticePerOrig
)

var actionNames = map[string]Action{
	"ACTION_UNSPECIFIED":     ActionUnspecified,
	"ACTION_IGNORE":          ActionIgnore,
	"ACTION_LOG":             ActionLog,
	"ACTION_LOG_ONCE":        ActionLogOnce,
	"ACTION_LOG_PER_CONN":    ActionLogPerConn,
	"ACTION_LOG_PER_ORIG":    ActionLogPerOrig,
	"ACTION_NOTICE":          ActionNotice,
	"ACTION_NOTICE_ONCE":     ActionNoticeOnce,
	"ACTION_NOTICE_PER_CONN": ActionNoticePerConn,
	"ACTION_NOTICE_PER_ORIG": ActionNoticePerOrig,
}

// ParseAction returns the Action named as in Zeek ("Weird::ACTION_LOG" or
// "ACTION_LOG").
func ParseAction(s string) (Action, bool) {
	if len(s) > 7 && s[:7] == "Weird::" {
		s = s[7:]
	}
	a, ok := actionNames[s]
	return a, ok
}

func (a Action) limiting() bool {
	switch a {
	case ActionLogOnce, ActionLogPerConn, ActionLogPerOrig, ActionNoticeOnce, ActionNoticePerConn, ActionNoticePerOrig:
		return true
	}
	return false
}

func (a Action) notice() bool {
	switch a {
	case ActionNotice, ActionNoticePerConn, ActionNoticePerOrig, ActionNoticeOnce:
		return true
	}
	return false
}

// DefaultActions returns the actions base/frameworks/notice/weird.zeek
// assigns to particular weirds; every other weird is ActionLog.
func DefaultActions() map[string]Action {
	m := make(map[string]Action, len(defaultActions))
	for k, v := range defaultActions {
		m[k] = v
	}
	return m
}

var defaultActions = map[string]Action{
	"unsolicited_SYN_response":                    ActionIgnore,
	"bad_ICMP_checksum":                           ActionLogPerOrig,
	"bad_RPC":                                     ActionLogPerOrig,
	"bad_TCP_checksum":                            ActionLogPerOrig,
	"bad_UDP_checksum":                            ActionLogPerOrig,
	"connection_originator_SYN_ack":               ActionLogPerOrig,
	"DNS_label_forward_compress_offset":           ActionLogPerOrig,
	"DNS_label_len_gt_name_len":                   ActionLogPerOrig,
	"DNS_label_len_gt_pkt":                        ActionLogPerOrig,
	"DNS_label_too_long":                          ActionLogPerOrig,
	"excess_RPC":                                  ActionLogPerOrig,
	"FIN_after_reset":                             ActionIgnore,
	"FIN_storm":                                   ActionNoticePerOrig,
	"FTP_max_command_length_exceeded":             ActionLogPerConn,
	"FTP_too_many_pending_commands":               ActionLogPerConn,
	"FTP_user_too_long":                           ActionLogPerConn,
	"FTP_reply_msg_too_long":                      ActionLogPerConn,
	"FTP_arg_too_long":                            ActionLogPerConn,
	"FTP_password_too_long":                       ActionLogPerConn,
	"originator_RPC_reply":                        ActionLogPerOrig,
	"partial_RPC":                                 ActionLogPerOrig,
	"responder_RPC_call":                          ActionLogPerOrig,
	"simultaneous_open":                           ActionLogPerConn,
	"smtp_mail_transaction_invalid":               ActionLogPerConn,
	"smtp_excessive_invalid_mail_transactions":    ActionLogPerConn,
	"spontaneous_FIN":                             ActionIgnore,
	"spontaneous_RST":                             ActionIgnore,
	"smb_tree_connect_andx_response_without_tree": ActionLogPerConn,
	"successful_RPC_reply_to_invalid_request":     ActionNoticePerOrig,
	"SYN_after_partial":                           ActionNoticePerOrig,
	"SYN_with_data":                               ActionLogPerOrig,
	"UDP_datagram_length_mismatch":                ActionLogPerOrig,
	"excessively_small_fragment":                  ActionLogPerOrig,
	"fragment_inconsistency":                      ActionLogPerOrig,
	"fragment_overlap":                            ActionLogPerOrig,
	"fragment_size_inconsistency":                 ActionLogPerOrig,
	"bad_IP_checksum":                             ActionLogPerOrig,
	"SSH_max_packet_length_exceeded":              ActionLogPerOrig,
	"SSH_max_string_length_exceeded":              ActionLogPerOrig,
}
