package scripts

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed zeek-scripts.txt
var catalogData []byte

// packagesData lists the Zeek packages (zkg's site/packages) that Heron
// implements itself, such as ja3 and ja4.
//
//go:embed heron-packages.txt
var packagesData []byte

// Kind tells what a catalog entry is.
type Kind uint8

// Kinds of scripts.
const (
	// File is an ordinary script file, named without ".zeek".
	File Kind = iota + 1
	// Package is a directory with a __load__.zeek; the name is the directory.
	Package
	// Site is a script of the site directory (local.zeek). A site's own copy
	// replaces Zeek's template, so Heron records no @loads for it.
	Site
)

// String returns the word the data file uses for k.
func (k Kind) String() string {
	switch k {
	case File:
		return "file"
	case Package:
		return "pkg"
	case Site:
		return "site"
	}
	return "unknown"
}

func parseKind(s string) (Kind, bool) {
	switch s {
	case "file":
		return File, true
	case "pkg":
		return Package, true
	case "site":
		return Site, true
	}
	return 0, false
}

// Directive kinds of an edge.
const (
	edgeLoad   = 'L' // @load of a script
	edgeSigs   = 'G' // @load-sigs of a signature file
	edgePlugin = 'P' // @load-plugin of a plugin
	edgeUnload = 'U' // @unload of a script
)

// edge is one directive or port record of a script, in the order it
// appears in the file.
type edge struct {
	op     byte
	target string   // canonical script name, signature file path, plugin name, variable or analyzer
	conds  []string // enclosing @if conditions, all of which must hold
	pf     *portFact
	line   int // line in the script, while generating
}

// script is one catalog entry.
type script struct {
	name       string
	kind       Kind
	deprecated bool
	edges      []edge
}

// catalog is the parsed data file.
type catalog struct {
	commit  string
	scripts map[string]*script
	names   []string        // sorted canonical names
	bareDir map[string]bool // directories without __load__.zeek
	sigs    map[string]bool // signature files (path with ".sig")
}

var (
	catalogOnce sync.Once
	theCatalog  *catalog
	catalogErr  error
)

// embedded returns the catalog parsed from the embedded data file.
func embedded() (*catalog, error) {
	catalogOnce.Do(func() {
		data := append(append(append([]byte(nil), catalogData...), '\n'), packagesData...)
		theCatalog, catalogErr = parseCatalog(data)
	})
	return theCatalog, catalogErr
}

// ZeekCommit returns the Zeek commit that the embedded catalog was generated
// from, or "" when the data file does not say.
func ZeekCommit() string {
	c, err := embedded()
	if err != nil {
		return ""
	}
	return c.commit
}

// Names returns every canonical script name of the catalog, sorted. The
// slice is the caller's.
func Names() []string {
	c, err := embedded()
	if err != nil {
		return nil
	}
	return append([]string(nil), c.names...)
}

const commitPrefix = "# zeek-commit "

// parseCatalog reads the data file format written by Generate.
func parseCatalog(data []byte) (*catalog, error) {
	c := &catalog{
		scripts: make(map[string]*script),
		bareDir: make(map[string]bool),
		sigs:    make(map[string]bool),
	}
	var cur *script
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if text == "" {
			continue
		}
		if text[0] == '#' {
			if strings.HasPrefix(text, commitPrefix) {
				c.commit = strings.TrimSpace(text[len(commitPrefix):])
			}
			continue
		}
		f := strings.Split(text, "\t")
		bad := func(why string) error {
			return fmt.Errorf("scripts: catalog line %d: %s", line, why)
		}
		switch f[0] {
		case "S":
			if len(f) < 3 || f[1] == "" {
				return nil, bad("want S<tab>name<tab>kind")
			}
			k, ok := parseKind(f[2])
			if !ok {
				return nil, bad("unknown kind " + f[2])
			}
			if c.scripts[f[1]] != nil {
				return nil, bad("duplicate script " + f[1])
			}
			cur = &script{name: f[1], kind: k}
			for _, flag := range f[3:] {
				switch flag {
				case "deprecated":
					cur.deprecated = true
				default:
					return nil, bad("unknown flag " + flag)
				}
			}
			c.scripts[cur.name] = cur
			c.names = append(c.names, cur.name)
		case "L", "G", "P", "U", "X":
			if cur == nil {
				return nil, bad("directive before any script")
			}
			if len(f) < 2 || f[1] == "" {
				return nil, bad("directive without target")
			}
			e := edge{op: f[0][0], target: f[1]}
			if len(f) > 2 {
				e.conds = f[2:]
			}
			cur.edges = append(cur.edges, e)
			if e.op == edgeSigs {
				c.sigs[e.target] = true
			}
		case "V", "A", "K":
			if cur == nil {
				return nil, bad("port record before any script")
			}
			pf, conds, err := parseFact(f[0][0], f[1:])
			if err != nil {
				return nil, bad(err.Error())
			}
			e := edge{op: f[0][0], target: pf.variable, conds: conds, pf: pf}
			if e.op != edgeVar {
				e.target = pf.analyzer
				if !strings.HasPrefix(pf.analyzer, "ANALYZER_") || (e.op == edgePacket && !strings.HasPrefix(pf.parent, "ANALYZER_")) {
					return nil, bad("analyzer tag without ANALYZER_")
				}
			}
			for _, cond := range conds {
				if cond == "" {
					return nil, bad("empty condition")
				}
			}
			cur.edges = append(cur.edges, e)
		case "D":
			if len(f) != 2 || f[1] == "" {
				return nil, bad("want D<tab>dir")
			}
			c.bareDir[f[1]] = true
		default:
			return nil, bad(fmt.Sprintf("unknown record %q", f[0]))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scripts: reading catalog: %w", err)
	}
	declared := map[string]bool{}
	for _, s := range c.scripts {
		for _, e := range s.edges {
			if e.op == edgeVar && e.pf.op == "=" {
				declared[e.target] = true
			}
		}
	}
	for _, s := range c.scripts {
		for _, e := range s.edges {
			if (e.op == edgeLoad || e.op == edgeUnload) && c.scripts[e.target] == nil {
				return nil, fmt.Errorf("scripts: catalog: %s loads unknown script %s", s.name, e.target)
			}
			if e.pf == nil {
				continue
			}
			for _, v := range []string{e.pf.server.ref, e.pf.nonServer.ref} {
				if v != "" && !declared[v] {
					return nil, fmt.Errorf("scripts: catalog: %s registers ports of undeclared %s", s.name, v)
				}
			}
			if e.op == edgeVar && !declared[e.target] {
				return nil, fmt.Errorf("scripts: catalog: %s redefines undeclared %s", s.name, e.target)
			}
		}
	}
	for _, must := range []string{initBare, initFrameworks, initDefault} {
		if c.scripts[must] == nil {
			return nil, fmt.Errorf("scripts: catalog has no %s", must)
		}
	}
	sort.Strings(c.names)
	return c, nil
}

// Script names every run starts from.
const (
	initBare       = "base/init-bare"
	initFrameworks = "base/init-frameworks-and-bifs"
	initDefault    = "base/init-default"
)

// Zeek's search path below the scripts root, after "." (which Heron, running
// no script files, does not search).
var searchRoots = []string{"", "policy", "site"}

// errBareDir marks a directory without __load__.zeek found during lookup.
var errBareDir = errors.New("directory without __load__.zeek")

// lookupIn resolves cand (a cleaned relative path) inside one search
// directory the way Zeek's find_file_in_path and open_package do. It returns
// "" when nothing there matches, and errBareDir when cand is a directory
// without a package loader (Zeek stops there with an error).
func (c *catalog) lookupIn(cand string) (string, error) {
	// NAME.zeek first: NAME is a script file, or NAME ends in /__load__.
	if n, ok := c.fileNamed(cand); ok {
		return n, nil
	}
	// Then NAME itself: a file named with its ".zeek", or a directory.
	if base, ok := strings.CutSuffix(cand, ".zeek"); ok {
		if n, ok := c.fileNamed(base); ok {
			return n, nil
		}
	}
	if s := c.scripts[cand]; s != nil && s.kind == Package {
		return cand, nil
	}
	if c.bareDir[cand] {
		return "", errBareDir
	}
	return "", nil
}

// fileNamed reports the canonical name of the script file NAME.zeek, if it
// exists: a file script, or the __load__.zeek of a package.
func (c *catalog) fileNamed(name string) (string, bool) {
	if dir, ok := strings.CutSuffix(name, "/__load__"); ok {
		if s := c.scripts[dir]; s != nil && s.kind == Package {
			return dir, true
		}
		return "", false
	}
	if name == "__load__" {
		return "", false
	}
	if s := c.scripts[name]; s != nil && s.kind != Package {
		return name, true
	}
	return "", false
}
