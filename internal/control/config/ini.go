package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// iniSection is one [section] of an INI file.
type iniSection struct {
	name string
	line int
	keys []iniKey // in file order
}

// iniKey is one "key = value" of a section.
type iniKey struct {
	name  string // lower case
	value string // before % interpolation
	line  int
}

// readINI reads an INI file as Python's configparser (which zeekctl uses
// for node.cfg) does with its defaults: "[name]" starts a section (the
// text between the first "[" and the last "]"); "key = value" or
// "key: value" sets a key (split at the first "=" or ":", key lower-cased,
// both trimmed); lines whose first non-blank character is "#" or ";" are
// comments; a line indented deeper than its key continues the value; a
// repeated section, or a key repeated in one section, is an error; keys of
// a [DEFAULT] section apply to every section.
func readINI(r io.Reader, name string) (sections []*iniSection, defaults *iniSection, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxCfgLine)
	var cur *iniSection
	var curKey *iniKey
	keyIndent := 0
	seen := map[string]int{}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		raw := strings.TrimRight(sc.Text(), "\r")
		text := strings.TrimSpace(raw)
		if strings.HasPrefix(text, "#") || strings.HasPrefix(text, ";") {
			continue
		}
		if text == "" {
			// A blank line ends nothing, but only deeper lines continue.
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if curKey != nil && indent > keyIndent {
			curKey.value += "\n" + text
			cur.keys[len(cur.keys)-1] = *curKey
			continue
		}
		if text[0] == '[' {
			end := strings.LastIndexByte(text, ']')
			if end < 2 {
				return nil, nil, errorf(name, lineNo, `write the section header as "[name]"`, "%q is not a section header", text)
			}
			secName := text[1:end]
			if first, dup := seen[secName]; dup {
				return nil, nil, errorf(name, lineNo, "give every node its own name", "section [%s] appears again (first on line %d)", secName, first)
			}
			seen[secName] = lineNo
			cur = &iniSection{name: secName, line: lineNo}
			curKey = nil
			if secName == "DEFAULT" {
				defaults = cur
			} else {
				sections = append(sections, cur)
			}
			continue
		}
		if cur == nil {
			return nil, nil, errorf(name, lineNo, `start the file with a section header such as "[worker-1]"`, "%q comes before any [section]", text)
		}
		i := strings.IndexAny(text, "=:")
		if i < 0 {
			return nil, nil, errorf(name, lineNo, `write "key = value"`, "%q is not a key = value line", text)
		}
		key := strings.ToLower(strings.TrimSpace(text[:i]))
		if key == "" {
			return nil, nil, errorf(name, lineNo, `write "key = value"`, "no key before %q", text[i:i+1])
		}
		for _, k := range cur.keys {
			if k.name == key {
				return nil, nil, errorf(name, lineNo, "keep one of the two", "%s is set again in [%s] (first on line %d)", key, cur.name, k.line)
			}
		}
		cur.keys = append(cur.keys, iniKey{name: key, value: strings.TrimSpace(text[i+1:]), line: lineNo})
		curKey = &cur.keys[len(cur.keys)-1]
		keyIndent = indent
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, nil, errorf(name, lineNo+1, "shorten it", "line longer than %d bytes", maxCfgLine)
		}
		return nil, nil, fmt.Errorf("config: reading %s: %w", name, err)
	}
	return sections, defaults, nil
}

// interpolate expands configparser's "%(key)s" references to other keys of
// the section (or [DEFAULT]) and "%%" in a value, as configparser does when
// zeekctl reads a value.
func interpolate(value string, lookup func(string) (string, bool), depth int) (string, error) {
	if !strings.Contains(value, "%") {
		return value, nil
	}
	if depth > 10 {
		return "", errors.New("%(...)s references nest too deeply")
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(value) && value[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if i+1 < len(value) && value[i+1] == '(' {
			end := strings.Index(value[i:], ")s")
			if end < 0 {
				return "", errors.New(`"%(" without ")s"`)
			}
			ref := strings.ToLower(value[i+2 : i+end])
			v, ok := lookup(ref)
			if !ok {
				return "", fmt.Errorf("%%(%s)s names no key of the section", ref)
			}
			v, err := interpolate(v, lookup, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += end + 1
			continue
		}
		return "", errors.New(`"%" must be followed by "%" or "("`)
	}
	return b.String(), nil
}
