package transport

import (
	"strings"
)

// The first token of each subject family, after the cluster name.
const (
	// PrefixHeartbeat: hb.<node>, a node's heartbeat.
	PrefixHeartbeat = "hb"
	// PrefixLog: log.<path>.<node>, a node's log batches (JetStream).
	PrefixLog = "log"
	// PrefixNode: node.<node>.<topic…>, what a node tells the others.
	PrefixNode = "node"
	// PrefixTo: to.<node>.<topic…>, messages addressed to one node.
	PrefixTo = "to"
	// PrefixManager: manager.<topic…>, the manager's broadcasts.
	PrefixManager = "manager"
)

// Token returns s as one subject token. Letters, digits, '-' and '_' stay
// as they are; every other byte (and so '.', '*', '>', spaces, '~')
// becomes '~' and two lower-case hex digits: "worker.1" → "worker~2e1".
// The mapping is one to one, so distinct names give distinct tokens.
func Token(s string) string {
	plain := s != ""
	for i := 0; i < len(s) && plain; i++ {
		plain = tokenByte(s[i])
	}
	if plain {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 8)
	if s == "" {
		return "~"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if tokenByte(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// Untoken reverses Token. It returns false for a token Token cannot have
// made (such as "~70", an escaped letter), so that every name has one
// token only.
func Untoken(t string) (string, bool) {
	if t == "~" {
		return "", true
	}
	if !strings.Contains(t, "~") {
		for i := 0; i < len(t); i++ {
			if !tokenByte(t[i]) {
				return "", false
			}
		}
		return t, t != ""
	}
	b := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '~' {
			if !tokenByte(c) {
				return "", false
			}
			b = append(b, c)
			continue
		}
		if i+2 >= len(t) {
			return "", false
		}
		hi, ok1 := unhex(t[i+1])
		lo, ok2 := unhex(t[i+2])
		if !ok1 || !ok2 || tokenByte(hi<<4|lo) {
			return "", false // not hex, or an escape Token does not make
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), true
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// To returns the subject of messages for node about topic:
// "to.<node>.<topic>".
func To(node, topic string) string {
	return PrefixTo + "." + Token(node) + "." + topic
}

// HeartbeatSubject returns "hb.<node>".
func HeartbeatSubject(node string) string { return PrefixHeartbeat + "." + Token(node) }

// LogSubject returns "log.<path>.<node>", the subject of node's batches of
// the log path.
func LogSubject(path, node string) string {
	return PrefixLog + "." + Token(path) + "." + Token(node)
}

// fromOf returns the node a subject (relative to the cluster) comes from
// or goes to: the second token of hb, node, to and log subjects (the third
// for log), or "" for other subjects.
func fromOf(subject string) string {
	first, rest, ok := strings.Cut(subject, ".")
	if !ok {
		return ""
	}
	tok, rest, _ := strings.Cut(rest, ".")
	switch first {
	case PrefixHeartbeat, PrefixNode:
	case PrefixLog:
		tok, _, _ = strings.Cut(rest, ".")
	default:
		return ""
	}
	n, ok := Untoken(tok)
	if !ok {
		return ""
	}
	return n
}
