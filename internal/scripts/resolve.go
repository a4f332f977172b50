package scripts

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrUnknownScript is wrapped by every error that says a name is not a Zeek
// script Heron knows.
var ErrUnknownScript = errors.New("not a Zeek script")

// Problems a NameError reports.
const (
	// NoSuchScript: nothing on Zeek's search path has that name.
	NoSuchScript = iota + 1
	// BareDirectory: the name is a directory without __load__.zeek.
	BareDirectory
	// FilePath: the name is a path to a script file outside Zeek's scripts
	// (absolute, "~" or "../"), which Heron cannot run.
	FilePath
)

// NameError is the error Resolve returns for a name that is not a Zeek
// script. It unwraps to ErrUnknownScript.
type NameError struct {
	// Name is the name as the user gave it.
	Name string
	// Problem is NoSuchScript, BareDirectory or FilePath.
	Problem int
	// Dir is the directory found, for BareDirectory.
	Dir string
	// Suggestion is a close real script name, or "".
	Suggestion string
}

// Error returns one line for the user.
func (e *NameError) Error() string {
	var b strings.Builder
	switch e.Problem {
	case BareDirectory:
		fmt.Fprintf(&b, "scripts: %q is the directory %s, which has no __load__.zeek to load", e.Name, e.Dir)
	case FilePath:
		fmt.Fprintf(&b, "scripts: %q is a path to a script file; heron runs no script files, only Zeek's own scripts named as zeek names them (e.g. base/protocols/conn)", e.Name)
	default:
		fmt.Fprintf(&b, "scripts: no Zeek script named %q", e.Name)
	}
	if e.Suggestion != "" {
		fmt.Fprintf(&b, " (did you mean %s?)", e.Suggestion)
	}
	return b.String()
}

// Unwrap returns ErrUnknownScript.
func (e *NameError) Unwrap() error { return ErrUnknownScript }

// Resolve returns the canonical name of a script named in any form zeek
// accepts on its command line: "base/protocols/conn", "base/protocols/conn/",
// "base/protocols/conn/main.zeek", "base/protocols/conn/__load__.zeek",
// policy scripts with or without "policy/" ("protocols/conn/vlan-logging"),
// "local" for the site script, and a path into an installed Zeek's
// share/zeek/ directory. A leading "./" is dropped: Heron has no scripts of
// its own in the working directory, so the name is looked up from Zeek's
// scripts root. Errors are *NameError.
func Resolve(name string) (string, error) {
	c, err := embedded()
	if err != nil {
		return "", err
	}
	return c.resolve(name)
}

func (c *catalog) resolve(name string) (string, error) {
	clean, ok := cleanName(name)
	if !ok {
		return "", &NameError{Name: name, Problem: FilePath}
	}
	if clean == "" {
		return "", &NameError{Name: name, Problem: NoSuchScript}
	}
	for _, root := range searchRoots {
		cand := clean
		if root != "" {
			cand = root + "/" + clean
		}
		n, err := c.lookupIn(cand)
		if err != nil {
			return "", &NameError{Name: name, Problem: BareDirectory, Dir: cand, Suggestion: c.suggest(clean)}
		}
		if n != "" {
			return n, nil
		}
	}
	return "", &NameError{Name: name, Problem: NoSuchScript, Suggestion: c.suggest(clean)}
}

// cleanName normalizes a user's script name to a relative path below Zeek's
// search roots. It reports false for a path that points outside them.
func cleanName(name string) (string, bool) {
	if name == "" {
		return "", true
	}
	if strings.HasPrefix(name, "~") {
		return "", false
	}
	if strings.HasPrefix(name, "/") {
		// An installed Zeek keeps its scripts in <prefix>/share/zeek/.
		const marker = "/share/zeek/"
		i := strings.LastIndex(name, marker)
		if i < 0 {
			return "", false
		}
		name = name[i+len(marker):]
	}
	for strings.HasPrefix(name, "./") {
		name = strings.TrimLeft(name[2:], "/")
	}
	if name == "." || name == "" {
		return "", true
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", false
	}
	if clean == "." {
		return "", true
	}
	return clean, true
}

// suggest returns a script name close to the cleaned user name clean, or "".
func (c *catalog) suggest(clean string) string {
	q := strings.TrimSuffix(clean, ".zeek")
	q = strings.TrimSuffix(q, "/__load__")
	if q == "" {
		return ""
	}
	// "protocols/conn" for base/protocols/conn: a base script named as if
	// it were a policy one.
	if n, err := c.lookupIn("base/" + q); err == nil && n != "" {
		return n
	}
	limit := 1 + len(q)/5
	if limit > 4 {
		limit = 4
	}
	best, bestD := "", limit+1
	try := func(form string) {
		if d := editDistance(q, form, limit); d < bestD {
			best, bestD = form, d
		}
	}
	for _, n := range c.names {
		try(n)
		if short, ok := strings.CutPrefix(n, "policy/"); ok {
			try(short)
		}
		if short, ok := strings.CutPrefix(n, "site/"); ok {
			try(short)
		}
	}
	return best
}

// editDistance returns the Levenshtein distance between a and b, or a value
// greater than max when it exceeds max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := prev[j-1] + cost
			if x := prev[j] + 1; x < v {
				v = x
			}
			if x := cur[j-1] + 1; x < v {
				v = x
			}
			cur[j] = v
			if v < rowMin {
				rowMin = v
			}
		}
		if rowMin > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
