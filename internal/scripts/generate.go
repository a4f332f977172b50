package scripts

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// edgeExternal records an @load of a script that exists only in a built or
// deployed Zeek (the generated base/bif/* declarations of built-in functions,
// the cluster-layout file zeekctl writes). Such scripts declare nothing Heron
// needs; the edge is kept as data and not followed.
const edgeExternal = 'X'

// external reports whether an unresolvable @load target is one of the
// scripts that a Zeek source tree does not contain by design.
func external(target string) bool {
	return target == "base/bif" || strings.HasPrefix(target, "base/bif/") || target == "cluster-layout"
}

// Generate reads a Zeek scripts/ directory (fsys is rooted at it) and
// returns the catalog data file: every script's canonical name and kind,
// and its @load, @load-sigs, @load-plugin and @unload directives resolved to
// canonical names, in file order, with the @if/@ifdef/@ifndef conditions
// that enclose them. commit names the Zeek commit for the header. The
// result holds no script text beyond names and those conditions.
func Generate(fsys fs.FS, commit string) ([]byte, error) {
	c := &catalog{
		scripts: make(map[string]*script),
		bareDir: make(map[string]bool),
		sigs:    make(map[string]bool),
	}
	files := map[string]string{} // canonical name -> file path
	var dirs []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." {
				dirs = append(dirs, p)
			}
			return nil
		}
		var name string
		switch {
		case strings.HasSuffix(p, ".zeek"):
			name = strings.TrimSuffix(p, ".zeek")
		case strings.HasSuffix(p, ".zeek.in"):
			// A template that the build turns into NAME.zeek.
			name = strings.TrimSuffix(p, ".zeek.in")
		case strings.HasSuffix(p, ".sig"):
			c.sigs[p] = true
			return nil
		default:
			return nil
		}
		kind := File
		if dir, ok := strings.CutSuffix(name, "/__load__"); ok {
			name, kind = dir, Package
		} else if name == "__load__" {
			return fmt.Errorf("scripts: %s: a package loader at the scripts root", p)
		}
		if strings.HasPrefix(name, "site/") {
			kind = Site
		}
		if prev, dup := files[name]; dup {
			return fmt.Errorf("scripts: %s and %s both have the name %s", prev, p, name)
		}
		files[name] = p
		c.scripts[name] = &script{name: name, kind: kind}
		c.names = append(c.names, name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scripts: reading scripts tree: %w", err)
	}
	for _, d := range dirs {
		if s := c.scripts[d]; s == nil {
			c.bareDir[d] = true
		}
	}
	sort.Strings(c.names)

	texts := make(map[string]string, len(c.names))
	for _, name := range c.names {
		s := c.scripts[name]
		text, err := fs.ReadFile(fsys, files[name])
		if err != nil {
			return nil, fmt.Errorf("scripts: %w", err)
		}
		texts[name] = string(text)
		dir := path.Dir(files[name])
		if err := c.scanDirectives(s, dir, text); err != nil {
			return nil, fmt.Errorf("scripts: %s: %w", files[name], err)
		}
	}
	if err := portFacts(c, texts, files); err != nil {
		return nil, err
	}
	for _, name := range c.names {
		if s := c.scripts[name]; s.kind == Site {
			// The site's own local.zeek replaces the template.
			s.edges = nil
		}
	}

	var out bytes.Buffer
	out.WriteString("# Zeek script catalog: the name of every script in Zeek's scripts/ tree and the\n")
	out.WriteString("# directives that link them, resolved to canonical names. Facts only; no script text.\n")
	if commit == "" {
		commit = "unknown"
	}
	out.WriteString(commitPrefix + commit + "\n")
	out.WriteString("# Regenerate: go run ./tools/gen-zeek-scripts -commit $(git -C ZEEK rev-parse HEAD) \\\n")
	out.WriteString("#     -o internal/scripts/zeek-scripts.txt ZEEK/scripts\n")
	out.WriteString("# Records (tab-separated): S name kind [deprecated] starts a script (kind file, pkg or site;\n")
	out.WriteString("# a pkg is a directory with __load__.zeek, site scripts keep no edges); then in file order\n")
	out.WriteString("# L script (@load), G file.sig (@load-sigs), P plugin (@load-plugin), U script (@unload),\n")
	out.WriteString("# X name (@load of a script only a built Zeek has: base/bif/*, cluster-layout),\n")
	out.WriteString("# V name op ports (a port-set variable declared, op \"=\", or redef'd: =, += or -=),\n")
	out.WriteString("# A tag server nonserver (Analyzer::register_for_ports at zeek_init), K parent child\n")
	out.WriteString("# server nonserver (PacketAnalyzer::register_for_ports), where ports are \"-\" or a list\n")
	out.WriteString("# like 21/tcp,2811/tcp and an argument is such a list or $variable; each record is\n")
	out.WriteString("# followed by the enclosing @if conditions (\"!\" marks an @else branch).\n")
	out.WriteString("# D dir is a directory without __load__.zeek.\n")
	for _, name := range c.names {
		s := c.scripts[name]
		out.WriteString("S\t" + name + "\t" + s.kind.String())
		if s.deprecated {
			out.WriteString("\tdeprecated")
		}
		out.WriteByte('\n')
		for _, e := range s.edges {
			out.WriteByte(e.op)
			if e.pf != nil {
				out.WriteString("\t" + formatFact(e.op, e.pf))
			} else {
				out.WriteString("\t" + e.target)
			}
			for _, cond := range e.conds {
				out.WriteString("\t" + cond)
			}
			out.WriteByte('\n')
		}
	}
	bare := make([]string, 0, len(c.bareDir))
	for d := range c.bareDir {
		bare = append(bare, d)
	}
	sort.Strings(bare)
	for _, d := range bare {
		out.WriteString("D\t" + d + "\n")
	}
	return out.Bytes(), nil
}

// scanDirectives reads the directives of one script's text. dir is the
// script file's directory (relative @loads start there).
func (c *catalog) scanDirectives(s *script, dir string, text []byte) error {
	lc, err := lineConds(string(text))
	if err != nil {
		return err
	}
	for lineNo, line := range strings.Split(string(text), "\n") {
		word, rest, ok := directive(line)
		if !ok {
			continue
		}
		at := func(err error) error { return fmt.Errorf("line %d: %w", lineNo+1, err) }
		switch word {
		case "@deprecated":
			s.deprecated = true
		case "@load", "@load-sigs", "@load-plugin", "@unload":
			target := firstField(rest)
			if target == "" {
				return at(fmt.Errorf("%s without a name", word))
			}
			e := edge{target: target, conds: append([]string(nil), lc[lineNo]...), line: lineNo + 1}
			switch word {
			case "@load", "@unload":
				e.op = edgeLoad
				if word == "@unload" {
					e.op = edgeUnload
				}
				n, err := c.resolveLoad(dir, target)
				if err != nil {
					return at(err)
				}
				if n == "" {
					if !external(target) {
						return at(fmt.Errorf("%s %s: no such script", word, target))
					}
					e.op = edgeExternal
				} else {
					e.target = n
				}
			case "@load-sigs":
				e.op = edgeSigs
				n := c.resolveSigs(dir, target)
				if n == "" {
					return at(fmt.Errorf("@load-sigs %s: no such signature file", target))
				}
				e.target = n
			case "@load-plugin":
				e.op = edgePlugin
			}
			s.edges = append(s.edges, e)
		}
	}
	return nil
}

// directive splits a line that holds an @-directive into the directive word
// and the rest; ok is false for other lines.
func directive(line string) (word, rest string, ok bool) {
	line = strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(line, "@") {
		return "", "", false
	}
	word = line
	if i := strings.IndexAny(line, " \t("); i >= 0 {
		word, rest = line[:i], line[i:]
	}
	return word, strings.TrimRight(rest, " \t\r"), true
}

// lineConds returns, for each line of a script (index 0 is line 1), the
// @if/@ifdef/@ifndef conditions that enclose it, outermost first, with "!"
// marking an @else branch. Lines share slices; callers copy what they keep.
func lineConds(text string) ([][]string, error) {
	lines := strings.Split(text, "\n")
	out := make([][]string, len(lines))
	var conds []string
	for lineNo, line := range lines {
		out[lineNo] = conds
		word, rest, ok := directive(line)
		if !ok {
			continue
		}
		at := func(err error) error { return fmt.Errorf("line %d: %w", lineNo+1, err) }
		// Each change makes a new slice, so earlier lines keep theirs.
		switch word {
		case "@if", "@ifdef", "@ifndef":
			cond, err := condition(word[1:], rest)
			if err != nil {
				return nil, at(err)
			}
			conds = append(slices.Clip(conds), cond)
		case "@else":
			if len(conds) == 0 {
				return nil, at(fmt.Errorf("@else without @if"))
			}
			top := conds[len(conds)-1]
			if neg, ok := strings.CutPrefix(top, "!"); ok {
				top = neg
			} else {
				top = "!" + top
			}
			conds = append(slices.Clone(conds[:len(conds)-1]), top)
		case "@endif":
			if len(conds) == 0 {
				return nil, at(fmt.Errorf("@endif without @if"))
			}
			conds = slices.Clip(conds[:len(conds)-1])
		}
	}
	if len(conds) != 0 {
		return nil, fmt.Errorf("unterminated @if")
	}
	return out, nil
}

// sortEdgesByLine puts a script's directives and port records in file
// order. Directives and statements never share a line.
func sortEdgesByLine(es []edge) {
	slices.SortStableFunc(es, func(a, b edge) int { return a.line - b.line })
}

// firstField returns the first whitespace-separated word of s (Zeek's
// scanner reads @load's argument as a run of non-blank characters).
func firstField(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// condition normalizes the argument of @if, @ifdef or @ifndef: the comment
// is dropped, one pair of enclosing parentheses removed and blanks collapsed.
func condition(directive, rest string) (string, error) {
	if i := strings.IndexByte(rest, '#'); i >= 0 && !strings.Contains(rest[:i], "\"") {
		rest = rest[:i]
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") && enclosed(rest) {
		rest = strings.TrimSpace(rest[1 : len(rest)-1])
	}
	if rest == "" {
		return "", fmt.Errorf("@%s without a condition", directive)
	}
	return directive + " " + strings.Join(strings.Fields(rest), " "), nil
}

// enclosed reports whether the parenthesis that opens s closes at its end.
func enclosed(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i == len(s)-1
			}
		}
	}
	return false
}

// resolveLoad resolves an @load argument found in a script in dir, as
// Zeek's find_relative_script_file does. It returns "" when nothing matches.
func (c *catalog) resolveLoad(dir, target string) (string, error) {
	if strings.HasPrefix(target, "/") {
		return "", fmt.Errorf("@load %s: absolute path", target)
	}
	if strings.HasPrefix(target, ".") {
		n, err := c.lookupIn(path.Join(dir, target))
		if err != nil {
			return "", fmt.Errorf("@load %s: %w", target, err)
		}
		return n, nil
	}
	for _, root := range searchRoots {
		n, err := c.lookupIn(path.Join(root, target))
		if err != nil {
			return "", fmt.Errorf("@load %s: %w", target, err)
		}
		if n != "" {
			return n, nil
		}
	}
	return "", nil
}

// resolveSigs resolves an @load-sigs argument: NAME.sig first, then NAME,
// relative to dir for names starting with ".", else along the search path.
func (c *catalog) resolveSigs(dir, target string) string {
	roots := searchRoots
	if strings.HasPrefix(target, ".") {
		roots = []string{dir}
	}
	for _, root := range roots {
		cand := path.Join(root, target)
		if c.sigs[cand+".sig"] {
			return cand + ".sig"
		}
		if c.sigs[cand] {
			return cand
		}
	}
	return ""
}
