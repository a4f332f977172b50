package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/heron-nsm/heron/internal/scripts"
)

// maxPolicyFile bounds the size of a site policy file.
const maxPolicyFile = 4 << 20

// maxPolicyDepth bounds how deep site policy files may @load each other.
const maxPolicyDepth = 32

// Policy is what site policy asks of a node: the Zeek scripts to load, the
// options to set and the signature files to read, in order.
type Policy struct {
	// Scripts are canonical Zeek script names ("policy/misc/stats"), each
	// once, in load order.
	Scripts []string
	// Redefs are the option settings, in order.
	Redefs []Redef
	// Signatures are the signature files of @load-sigs lines.
	Signatures []string
	// Files are the site policy files read.
	Files []string

	from map[string]Warning // where each script was named (file, line)
}

// Redef is one "redef ID = VALUE;" (or += or -=) of a site policy file.
type Redef struct {
	ID    string // the option, "Site::local_nets"
	Op    string // "=", "+=" or "-="
	Value string // the Zeek literal, white space collapsed
	File  string
	Line  int // the line the statement starts on
}

// Arg returns the redef as heron's command line takes it: "ID=VALUE",
// "ID+=VALUE" or "ID-=VALUE", with a string value given without its
// quotes (heron adds them, as zeek does).
func (r Redef) Arg(isString bool) string {
	v := r.Value
	if isString && len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return r.ID + r.Op + v
}

// policyReader resolves script names of SitePolicyScripts, aux_scripts
// and @load lines.
type policyReader struct {
	dirs  []string // SitePolicyPath
	warns []Warning
	seen  map[string]bool // site policy files already read
}

// resolve adds what name stands for to p: a site policy file (NAME or
// NAME.zeek in the directory of the file that loads it, then in
// SitePolicyPath; a directory's __load__.zeek), else a Zeek script. file
// and line say where the name was given, dir is the loading file's
// directory ("" for names from heronctl.cfg or node.cfg).
func (r *policyReader) resolve(p *Policy, name, file string, line int, dir string, depth int) error {
	if depth > maxPolicyDepth {
		return errorf(file, line, "remove the loop of @load lines", "site policy files @load each other more than %d deep", maxPolicyDepth)
	}
	if path := r.find(name, dir); path != "" {
		key := path
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
		if r.seen[key] {
			return nil // loaded once, as zeek does
		}
		r.seen[key] = true
		return r.readFile(p, path, depth+1)
	}
	canon, err := scripts.Resolve(name)
	if err != nil {
		fix := "create the file in SitePolicyPath (" + strings.Join(r.dirs, ":") + "), or name a Zeek script"
		var ne *scripts.NameError
		if errors.As(err, &ne) && ne.Suggestion != "" {
			fix = "did you mean " + ne.Suggestion + "?"
		}
		return errorf(file, line, fix, "%q is neither a site policy file nor a Zeek script", name)
	}
	if strings.HasPrefix(canon, "site/") {
		// Zeek's own site/local.zeek is a sample for sites to edit; a
		// site that has no file of its own gets nothing.
		r.warns = append(r.warns, warnf(file, line, "create it in "+strings.Join(r.dirs, ":")+" to load scripts and set options on every node",
			"site policy %s not found; nothing is loaded for it", name))
		return nil
	}
	for _, s := range p.Scripts {
		if s == canon {
			return nil
		}
	}
	p.Scripts = append(p.Scripts, canon)
	if p.from == nil {
		p.from = map[string]Warning{}
	}
	p.from[canon] = Warning{File: file, Line: line}
	return nil
}

// find returns the site policy file name stands for, or "".
func (r *policyReader) find(name, dir string) string {
	var dirs []string
	if filepath.IsAbs(name) {
		dirs = []string{""}
	} else {
		if dir != "" {
			dirs = append(dirs, dir)
		}
		dirs = append(dirs, r.dirs...)
	}
	for _, d := range dirs {
		base := filepath.Join(d, name)
		for _, cand := range []string{base, base + ".zeek", filepath.Join(base, "__load__.zeek")} {
			if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() {
				return filepath.Clean(cand)
			}
		}
	}
	return ""
}

// findSig returns the signature file of an @load-sigs line, or "".
func (r *policyReader) findSig(name, dir string) string {
	dirs := append([]string{dir}, r.dirs...)
	if filepath.IsAbs(name) {
		dirs = []string{""}
	}
	for _, d := range dirs {
		base := filepath.Join(d, name)
		for _, cand := range []string{base, base + ".sig"} {
			if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() {
				return cand
			}
		}
	}
	return ""
}

func (r *policyReader) readFile(p *Policy, path string, depth int) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: reading site policy: %w", err)
	}
	defer f.Close()
	p.Files = append(p.Files, path)
	return r.parse(p, io.LimitReader(f, maxPolicyFile+1), path, depth)
}

// parse reads a site policy file: "@load NAME", "@load-sigs FILE",
// "redef ID = VALUE;" (also += and -=, over several lines if need be) and
// "#" comments. Anything else is Zeek script code, which Heron does not
// run, and an error.
func (r *policyReader) parse(p *Policy, rd io.Reader, path string, depth int) error {
	dir := filepath.Dir(path)
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 4096), maxCfgLine)
	lineNo, size := 0, 0
	var stmt strings.Builder // a redef being read
	stmtLine := 0
	for sc.Scan() {
		lineNo++
		size += len(sc.Bytes()) + 1
		if size > maxPolicyFile {
			return errorf(path, lineNo, "split the file", "site policy file larger than %d bytes", maxPolicyFile)
		}
		text := strings.TrimSpace(stripComment(sc.Text()))
		if stmtLine > 0 {
			stmt.WriteByte(' ')
			stmt.WriteString(text)
			if statementEnds(stmt.String()) {
				if err := r.redef(p, stmt.String(), path, stmtLine); err != nil {
					return err
				}
				stmt.Reset()
				stmtLine = 0
			}
			continue
		}
		if text == "" {
			continue
		}
		word, rest := text, ""
		if i := strings.IndexAny(text, " \t"); i >= 0 {
			word, rest = text[:i], strings.TrimSpace(text[i:])
		}
		switch word {
		case "@load":
			if rest == "" || strings.ContainsAny(rest, " \t") {
				return errorf(path, lineNo, "write one script name per @load line", "%q is not an @load of one script", text)
			}
			if err := r.resolve(p, rest, path, lineNo, dir, depth); err != nil {
				return err
			}
		case "@load-sigs":
			sig := r.findSig(rest, dir)
			if rest == "" || sig == "" {
				return errorf(path, lineNo, "put the signature file beside the site policy, or remove the line", "signature file %q not found", rest)
			}
			p.Signatures = append(p.Signatures, sig)
		case "redef":
			stmt.WriteString(text)
			stmtLine = lineNo
			if statementEnds(text) {
				if err := r.redef(p, text, path, lineNo); err != nil {
					return err
				}
				stmt.Reset()
				stmtLine = 0
			}
		default:
			what := "Zeek script code"
			if strings.HasPrefix(word, "@") {
				what = "the directive " + word
			}
			return errorf(path, lineNo, "keep to @load, @load-sigs, redef of options and comments: Heron runs no Zeek script code", "site policy has %s, which Heron does not support", what)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return errorf(path, lineNo+1, "shorten it", "line longer than %d bytes", maxCfgLine)
		}
		return fmt.Errorf("config: reading %s: %w", path, err)
	}
	if stmtLine > 0 {
		return errorf(path, stmtLine, `end it with ";"`, "redef without its closing \";\"")
	}
	return nil
}

// stripComment removes a "#" comment that is not inside a string literal.
func stripComment(line string) string {
	inStr := false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case c == '#' && !inStr:
			return line[:i]
		}
	}
	return line
}

// statementEnds tells whether s ends with a ";" outside strings, braces,
// brackets and parentheses.
func statementEnds(s string) bool {
	depth, inStr := 0, false
	end := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[' || c == '(':
			depth++
		case c == '}' || c == ']' || c == ')':
			depth--
		case c == ';' && depth == 0:
			end = true
			continue
		}
		if c != ' ' && c != '\t' && c != ';' {
			end = false
		}
	}
	return end && !inStr
}

// redef parses one redef statement (with its ";").
func (r *policyReader) redef(p *Policy, stmt, path string, line int) error {
	s := strings.TrimSpace(strings.TrimPrefix(stmt, "redef"))
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";"))
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] == ':' || s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	id := s[:i]
	if id == "record" || id == "enum" {
		return errorf(path, line, "remove it: Heron's log records and enums are fixed", "redef %s changes a Zeek type, which Heron does not support", id)
	}
	rest := strings.TrimSpace(s[i:])
	var op string
	switch {
	case strings.HasPrefix(rest, "+="):
		op = "+="
	case strings.HasPrefix(rest, "-="):
		op = "-="
	case strings.HasPrefix(rest, "="):
		op = "="
	}
	value := strings.TrimSpace(rest[len(op):])
	if id == "" || op == "" || value == "" || strings.ContainsRune(value, ';') && !strings.Contains(value, `"`) {
		return errorf(path, line, `write "redef ID = VALUE;" (or += or -=)`, "%q is not a redef of an option", strings.TrimSpace(stmt))
	}
	p.Redefs = append(p.Redefs, Redef{ID: id, Op: op, Value: collapseSpace(value), File: path, Line: line})
	return nil
}

// collapseSpace turns runs of white space outside strings into one space.
func collapseSpace(s string) string {
	var b strings.Builder
	inStr, space := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !inStr && (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteByte(c)
		switch {
		case inStr && c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == '"':
			inStr = !inStr
		}
	}
	return b.String()
}
