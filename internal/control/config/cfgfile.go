package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// maxCfgLine bounds a line of heronctl.cfg or node.cfg.
const maxCfgLine = 64 << 10

// Settings are the global options: heronctl.cfg (or zeekctl.cfg) over the
// defaults of Options.
type Settings struct {
	// File is the file read, "" when there was none.
	File   string
	values map[string]*setting // by lower-case name
}

type setting struct {
	def  *OptionDef // nil for an unknown plugin option ("x.y")
	name string     // as listed in Options, or lower case for unknown
	raw  string     // before substitution
	text string     // after substitution
	b    bool
	n    int
	file string // where it was set; "" for a default
	line int
}

// Setting is one option and its value, for listing.
type Setting struct {
	// Name is the option's name as zeekctl spells it.
	Name string `json:"name"`
	// Value is the value: a bool, an int or a string.
	Value any `json:"value"`
	// Type is the option's type.
	Type OptionType `json:"type"`
	// File and Line say where it was set; empty for a default.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	// Heron tells whether heronctl acts on it (see OptionDef.Heron).
	Heron bool `json:"heron"`
}

// Builtins are the values ${Name} can refer to besides the options.
type Builtins struct {
	Prefix   string // the installation prefix (ZeekBase)
	User     string // the user running heronctl, for MailTo
	Hostname string // this host's name, for MailFrom
}

var (
	optionNameRE = regexp.MustCompile(`^[a-z0-9_.]+$`)
	substRE      = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9]*)(:([^}]+))?\}`)
	intervalRE   = regexp.MustCompile(`^([0-9]+) ?(day|hr|min)s?$`)
)

// ReadSettings reads heronctl.cfg (zeekctl.cfg syntax) from r; name is
// the file name for messages. Lines are "key = value" (split at the first
// "="), "#" starts a comment line, keys are not case-sensitive and the
// last setting of a key wins, as in zeekctl. Values may refer to other
// options and to ${Prefix}, ${User} and ${Hostname} as ${Name} or
// ${Name:default}. An option zeekctl does not know is ignored with a
// warning, as zeekctl does.
func ReadSettings(r io.Reader, name string, b Builtins) (*Settings, []Warning, error) {
	s := &Settings{File: name, values: map[string]*setting{}}
	var warns []Warning
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxCfgLine)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, nil, errorf(name, lineNo, `write "Option = value", or "#" before a comment`, "%q is not an option setting", line)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val = strings.TrimSpace(val)
		switch {
		case key == "":
			return nil, nil, errorf(name, lineNo, `write "Option = value"`, "no option name before \"=\"")
		case !optionNameRE.MatchString(key):
			return nil, nil, errorf(name, lineNo, "use only a-z, 0-9, \".\" and \"_\" in option names", "option name %q contains invalid characters", key)
		case key[0] >= '0' && key[0] <= '9':
			return nil, nil, errorf(name, lineNo, "rename the option", "option name %q cannot start with a number", key)
		}
		if len(val) >= 2 && (val[0] == '"' && val[len(val)-1] == '"' || val[0] == '\'' && val[len(val)-1] == '\'') {
			return nil, nil, errorf(name, lineNo, "remove the quotes", "the value of option %s cannot be wrapped in quotes", key)
		}
		if def := legacyIndex[key]; def != nil {
			return nil, nil, errorf(name, lineNo, "use "+def.Name+" instead", "option %s is no longer supported", def.Legacy)
		}
		def := optionIndex[key]
		if def == nil && !strings.Contains(key, ".") {
			warns = append(warns, warnf(name, lineNo, "check its spelling; heronctl config lists the options", "ignoring unknown option %s", key))
			continue
		}
		st := &setting{def: def, name: key, raw: val, file: name, line: lineNo}
		if def != nil {
			st.name = def.Name
		}
		s.values[key] = st
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, errorf(name, lineNo+1, "shorten it", "line longer than %d bytes", maxCfgLine)
		}
		return nil, nil, fmt.Errorf("config: reading %s: %w", name, err)
	}
	for i := range Options {
		def := &Options[i]
		key := strings.ToLower(def.Name)
		if s.values[key] == nil {
			s.values[key] = &setting{def: def, name: def.Name, raw: def.Default}
		}
	}
	w, err := s.resolve(b)
	warns = append(warns, w...)
	if err != nil {
		return nil, nil, err
	}
	return s, warns, nil
}

// resolve substitutes ${...} in every value and converts the typed ones.
func (s *Settings) resolve(b Builtins) ([]Warning, error) {
	builtins := map[string]string{"prefix": b.Prefix, "user": b.User, "hostname": b.Hostname}
	var warns []Warning
	state := map[string]int{} // 1: resolving, 2: done
	var subst func(st *setting) error
	subst = func(st *setting) error {
		key := strings.ToLower(st.name)
		switch state[key] {
		case 1:
			return errorf(st.file, st.line, "remove the loop", "option %s refers to itself through ${...}", st.name)
		case 2:
			return nil
		}
		state[key] = 1
		text := st.raw
		for n := 0; ; n++ {
			m := substRE.FindStringSubmatchIndex(text)
			if m == nil {
				break
			}
			if n > 1000 {
				return errorf(st.file, st.line, "simplify the value", "too many ${...} substitutions in option %s", st.name)
			}
			ref := strings.ToLower(text[m[2]:m[3]])
			var val string
			if o := s.values[ref]; o != nil {
				if err := subst(o); err != nil {
					return err
				}
				val = o.text
			} else if v, ok := builtins[ref]; ok {
				val = v
			} else if m[6] >= 0 {
				val = text[m[6]:m[7]]
			} else {
				warns = append(warns, warnf(st.file, st.line, "check the name, or give a default as ${Name:default}", "${%s} in option %s is not an option; it is replaced by nothing", text[m[2]:m[3]], st.name))
			}
			text = text[:m[0]] + val + text[m[1]:]
		}
		st.text = text
		state[key] = 2
		if st.def == nil {
			return nil
		}
		switch st.def.Type {
		case TypeBool:
			switch strings.ToLower(text) {
			case "1", "true":
				st.b = true
			case "0", "false":
				st.b = false
			default:
				return errorf(st.file, st.line, "use 1 or 0 (true or false)", "option %s has the value %q, which is not a bool", st.name, text)
			}
		case TypeInt:
			n, ok := pyInt(text)
			if !ok {
				return errorf(st.file, st.line, "use a whole number", "option %s has the value %q, which is not an integer", st.name, text)
			}
			st.n = n
		}
		return nil
	}
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := subst(s.values[k]); err != nil {
			return nil, err
		}
	}
	// zeekctl's checks of option values.
	exp := s.values["logexpireinterval"]
	if _, err := s.LogExpireMinutes(); err != nil {
		return nil, err
	}
	if m, _ := s.LogExpireMinutes(); m > 0 && m*60 < s.Int("LogRotationInterval") {
		return nil, errorf(exp.file, exp.line, "make LogExpireInterval at least as long as LogRotationInterval", "logs would expire (LogExpireInterval %s) before they are rotated (LogRotationInterval %d seconds)", exp.text, s.Int("LogRotationInterval"))
	}
	for _, name := range []string{"ZeekPort", "MetricsPort"} {
		if p := s.Int(name); p < 0 || p > 65535 {
			file, line := s.Source(name)
			return nil, errorf(file, line, "use a port number from 1 to 65535", "%s %d is not a port", name, p)
		}
	}
	return warns, nil
}

// pyInt parses an integer as Python's int() does: surrounding white
// space, an optional sign, decimal digits with single "_" between them.
func pyInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	t := s
	if t[0] == '+' || t[0] == '-' {
		t = t[1:]
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	return n, err == nil
}

// LogExpireMinutes returns LogExpireInterval in minutes: a bare number is
// days, else "N day", "N hr" or "N min" (an "s" and the space optional),
// as zeekctl reads it.
func (s *Settings) LogExpireMinutes() (int, error) {
	st := s.values["logexpireinterval"]
	if n, ok := pyInt(st.text); ok {
		return n * 24 * 60, nil
	}
	m := intervalRE.FindStringSubmatch(st.text)
	if m == nil {
		return 0, errorf(st.file, st.line, `use a number of days, or a number and "day", "hr" or "min" (e.g. "30 day")`, "LogExpireInterval %q is not an interval", st.text)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, errorf(st.file, st.line, "use a smaller number", "LogExpireInterval %q is out of range", st.text)
	}
	switch m[2] {
	case "day":
		return n * 24 * 60, nil
	case "hr":
		return n * 60, nil
	}
	return n, nil
}

// String returns the value of a string option (or the text of any
// option), "" for an unknown one.
func (s *Settings) String(name string) string {
	if st := s.values[strings.ToLower(name)]; st != nil {
		return st.text
	}
	return ""
}

// Int returns the value of an int option, 0 for an unknown one.
func (s *Settings) Int(name string) int {
	if st := s.values[strings.ToLower(name)]; st != nil {
		return st.n
	}
	return 0
}

// Bool returns the value of a bool option, false for an unknown one.
func (s *Settings) Bool(name string) bool {
	if st := s.values[strings.ToLower(name)]; st != nil {
		return st.b
	}
	return false
}

// Source returns the file and line that set an option; "" and 0 for a
// default.
func (s *Settings) Source(name string) (file string, line int) {
	if st := s.values[strings.ToLower(name)]; st != nil {
		return st.file, st.line
	}
	return "", 0
}

// List returns every option with its value, sorted by lower-case name as
// zeekctl's config command lists them.
func (s *Settings) List() []Setting {
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Setting, 0, len(keys))
	for _, k := range keys {
		st := s.values[k]
		item := Setting{Name: st.name, Value: st.text, Type: TypeString, File: st.file, Line: st.line}
		if st.def != nil {
			item.Type, item.Heron = st.def.Type, st.def.Heron
			switch st.def.Type {
			case TypeBool:
				item.Value = st.b
			case TypeInt:
				item.Value = st.n
			}
		}
		out = append(out, item)
	}
	return out
}
