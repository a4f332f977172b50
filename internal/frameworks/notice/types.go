package notice

import (
	"slices"
	"strings"
	"sync"
)

// Type is a notice type: a value of Zeek's Notice::Type enum, written as
// Zeek prints it, with its module ("Weird::Activity",
// "Signatures::Sensitive_Signature"; types declared outside any module
// have no prefix). notice.log writes it in the note column.
type Type string

// String returns the type's name.
func (t Type) String() string { return string(t) }

// Tally is the one notice type the framework itself declares
// (Notice::Tally, a count of how often a notice occurred).
var Tally = RegisterType("Notice::Tally")

// WeirdActivity is the type of the notices the weird framework raises for
// weirds with a notice action (Weird::Activity, declared in
// base/frameworks/notice/weird.zeek).
var WeirdActivity = RegisterType("Weird::Activity")

var registry struct {
	sync.RWMutex
	types map[Type]bool
}

// RegisterType registers a notice type by name and returns it, as a Zeek
// script does with "redef enum Notice::Type += { ... }". Registering a
// name twice returns the same type. Packages register their types in
// package-level variables, so that every type is known before options
// naming types (Notice::ignored_types, …) are parsed. It panics on a name
// that is not a Zeek identifier (letters, digits, '_' and "::"
// separators), which is a programming error.
func RegisterType(name string) Type {
	if !isIdent(name) {
		panic("notice: bad notice type name " + `"` + name + `"`)
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.types == nil {
		registry.types = map[Type]bool{}
	}
	registry.types[Type(name)] = true
	return Type(name)
}

// LookupType returns the registered type of that name.
func LookupType(name string) (Type, bool) {
	registry.RLock()
	defer registry.RUnlock()
	if registry.types[Type(name)] {
		return Type(name), true
	}
	return "", false
}

// Types returns the registered types, sorted by name.
func Types() []Type {
	registry.RLock()
	out := make([]Type, 0, len(registry.types))
	for t := range registry.types {
		out = append(out, t)
	}
	registry.RUnlock()
	slices.Sort(out)
	return out
}

// isIdent reports whether s is a possibly module-qualified Zeek
// identifier: parts of letters, digits and '_', not starting with a digit,
// joined by "::".
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for part := range strings.SplitSeq(s, "::") {
		if part == "" || (part[0] >= '0' && part[0] <= '9') {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
		}
	}
	return true
}

// Action is something done with a notice: a value of Zeek's Notice::Action
// enum, written as Zeek prints it ("Notice::ACTION_LOG"). The set of
// actions is open, as the enum is in Zeek: policy code may define more.
type Action string

// String returns the action's name.
func (a Action) String() string { return string(a) }

// The actions of base/frameworks/notice (main.zeek and actions/*.zeek).
const (
	// ActionNone is Notice::ACTION_NONE: nothing to do.
	ActionNone Action = "Notice::ACTION_NONE"
	// ActionLog is Notice::ACTION_LOG: write the notice to notice.log.
	// The framework's own policy adds it to every notice that is not
	// ignored.
	ActionLog Action = "Notice::ACTION_LOG"
	// ActionEmail is Notice::ACTION_EMAIL: mail the notice to
	// Config.MailDest.
	ActionEmail Action = "Notice::ACTION_EMAIL"
	// ActionAlarm is Notice::ACTION_ALARM: also write the notice to
	// notice_alarm.log.
	ActionAlarm Action = "Notice::ACTION_ALARM"
	// ActionDrop is Notice::ACTION_DROP: block the source (left to
	// NetControl-like policy code; the framework only records it).
	ActionDrop Action = "Notice::ACTION_DROP"
	// ActionEmailAdmin is Notice::ACTION_EMAIL_ADMIN: mail the
	// administrators of the notice's addresses (Config.AdminEmails).
	ActionEmailAdmin Action = "Notice::ACTION_EMAIL_ADMIN"
	// ActionPage is Notice::ACTION_PAGE: mail Config.MailPageDest.
	ActionPage Action = "Notice::ACTION_PAGE"
	// ActionAddGeodata is Notice::ACTION_ADD_GEODATA: look up the remote
	// host's location (Heron has no GeoIP database: the action is recorded
	// and remote_location stays unset).
	ActionAddGeodata Action = "Notice::ACTION_ADD_GEODATA"
)

// ParseAction returns the action named as in Zeek, with or without its
// module ("Notice::ACTION_ALARM" or "ACTION_ALARM"). Any identifier of the
// form ACTION_* is accepted, since policy code may add actions.
func ParseAction(s string) (Action, bool) {
	s = strings.TrimPrefix(s, "Notice::")
	if !strings.HasPrefix(s, "ACTION_") || len(s) == len("ACTION_") || !isIdent(s) || strings.Contains(s, "::") {
		return "", false
	}
	return Action("Notice::" + s), true
}
