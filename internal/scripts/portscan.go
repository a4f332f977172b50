package scripts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/zeek"
)

// The generator's reader of port registrations. It finds, in one script's
// tokens, the calls of Analyzer::register_for_ports and
// PacketAnalyzer::register_for_ports and the top-level declarations and
// redefs of variables, so that Generate can record the port sets those
// calls add to likely_server_ports. Anything outside the narrow shapes Zeek's
// scripts use is an error, so that a change in Zeek's scripts stops the
// generator instead of silently dropping ports.

// likelyServerPorts is the name of Zeek's global set (base/init-bare.zeek).
const likelyServerPorts = "likely_server_ports"

// scriptDecl is a top-level const/global/option declaration or a redef.
type scriptDecl struct {
	name        string  // as written
	module      string  // module in effect
	redef       bool    // a redef rather than a declaration
	op          string  // "=", "+=", "-=", or "" when there is no initializer
	value       []token // the initializer expression
	first, last int     // lines of the statement
	closed      bool    // the statement ends with ";" or an attribute
}

// scriptCall is a register_for_ports call.
type scriptCall struct {
	ns          string // "Analyzer" or "PacketAnalyzer"
	module      string // module in effect at the call
	args        [][]token
	first, last int
}

// scriptFacts is what scanFacts finds in one script.
type scriptFacts struct {
	decls []scriptDecl
	calls []scriptCall
}

// brace is one open "{" while scanning.
type brace struct {
	export bool   // the braces of an export block, which do not nest code
	body   string // the event, function or hook whose body this opens, or ""
}

// scanFacts reads one script's tokens.
func scanFacts(toks []token) (*scriptFacts, error) {
	f := &scriptFacts{}
	var stack []brace
	codeDepth := 0
	module := "GLOBAL"
	pending, pendingSet := "", false
	at := func(i int) *token {
		if i < 0 || i >= len(toks) {
			return nil
		}
		return &toks[i]
	}
	is := func(i int, k tokKind, text string) bool {
		t := at(i)
		return t != nil && t.kind == k && t.text == text
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.kind == tPunct {
			switch t.text {
			case "{":
				b := brace{}
				if codeDepth == 0 && is(i-1, tIdent, "export") {
					b.export = true
				} else {
					if codeDepth == 0 && pendingSet {
						b.body = pending
					}
					codeDepth++
				}
				pendingSet = false
				stack = append(stack, b)
			case "}":
				if len(stack) == 0 {
					return nil, fmt.Errorf("line %d: unbalanced }", t.line)
				}
				if !stack[len(stack)-1].export {
					codeDepth--
				}
				stack = stack[:len(stack)-1]
			case ";":
				if codeDepth == 0 {
					pendingSet = false
				}
			}
			continue
		}
		if t.kind != tIdent {
			continue
		}
		if codeDepth == 0 {
			switch t.text {
			case "module":
				if n := at(i + 1); n != nil && n.kind == tIdent && is(i+2, tPunct, ";") {
					module = n.text
				}
			case "event", "function", "hook":
				if n := at(i + 1); n != nil && n.kind == tIdent && is(i+2, tPunct, "(") {
					pending, pendingSet = lastPart(n.text), true
				}
			case "const", "global", "option", "redef":
				if is(i-1, tPunct, "&") {
					break // the &redef attribute
				}
				if d := parseDecl(toks, i, module); d != nil {
					f.decls = append(f.decls, *d)
				}
			}
		}
		if lastPart(t.text) != "register_for_ports" || !is(i+1, tPunct, "(") || is(i-1, tIdent, "function") {
			continue
		}
		c := scriptCall{module: module, first: t.line}
		switch {
		case t.text == "Analyzer::register_for_ports", t.text == "PacketAnalyzer::register_for_ports":
			c.ns = strings.TrimSuffix(t.text, "::register_for_ports")
		case t.text == "register_for_ports" && (module == "Analyzer" || module == "PacketAnalyzer"):
			c.ns = module
		default:
			return nil, fmt.Errorf("line %d: call of %s, which is not Zeek's Analyzer or PacketAnalyzer function", t.line, t.text)
		}
		args, end, ok := splitArgs(toks, i+1)
		if !ok {
			return nil, fmt.Errorf("line %d: unterminated %s call", t.line, t.text)
		}
		c.args, c.last = args, toks[end].line
		// Only a plain statement directly in a zeek_init handler runs
		// unconditionally before the first packet.
		p := at(i - 1)
		plain := p != nil && p.kind == tPunct && (p.text == "{" || p.text == ";" || p.text == "}") && is(end+1, tPunct, ";")
		inInit := codeDepth == 1 && len(stack) > 0 && stack[len(stack)-1].body == "zeek_init"
		if !plain || !inInit {
			return nil, fmt.Errorf("line %d: %s is not a plain statement of a zeek_init handler", t.line, t.text)
		}
		f.calls = append(f.calls, c)
		i = end
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("unbalanced {: %d left open at the end", len(stack))
	}
	return f, nil
}

// lastPart returns the part of a qualified name after its last "::".
func lastPart(name string) string {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		return name[i+2:]
	}
	return name
}

// parseDecl reads the declaration or redef whose keyword is toks[i]. It
// returns nil for statements that declare no variable (redef enum, redef
// record, a keyword without a name).
func parseDecl(toks []token, i int, module string) *scriptDecl {
	kw := toks[i]
	if i+1 >= len(toks) || toks[i+1].kind != tIdent {
		return nil
	}
	name := toks[i+1].text
	if kw.text == "redef" && (name == "enum" || name == "record") {
		return nil
	}
	d := &scriptDecl{name: name, module: module, redef: kw.text == "redef", first: kw.line, last: kw.line}
	depth := 0
	j := i + 2
	// The type, up to the operator or the end of the statement.
	for ; j < len(toks); j++ {
		t := toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
			continue
		case ")", "]", "}":
			depth--
			if depth < 0 {
				return d
			}
			continue
		}
		if depth != 0 {
			continue
		}
		switch t.text {
		case "=", "+=", "-=":
			d.op = t.text
		case ";", "&":
			d.last, d.closed = t.line, true
			return d
		default:
			continue
		}
		break
	}
	if d.op == "" {
		return d
	}
	start := j + 1
	for j = start; j < len(toks); j++ {
		t := toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth < 0 {
				return d
			}
		case ";", "&":
			if depth == 0 {
				d.value = toks[start:j]
				d.last, d.closed = t.line, true
				return d
			}
		}
	}
	return d
}

// splitArgs splits the argument list that opens at toks[open] ("(") at its
// top-level commas. It returns the index of the closing ")".
func splitArgs(toks []token, open int) (args [][]token, end int, ok bool) {
	depth := 0
	start := open + 1
	for j := open; j < len(toks); j++ {
		t := toks[j]
		if t.kind != tPunct {
			continue
		}
		switch t.text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				if j > start || len(args) > 0 {
					args = append(args, toks[start:j])
				}
				return args, j, true
			}
			if depth < 0 {
				return nil, 0, false
			}
		case ",":
			if depth == 1 {
				args = append(args, toks[start:j])
				start = j + 1
			}
		}
	}
	return nil, 0, false
}

// parsePortExpr reads a port-set expression: a set literal "{ 21/tcp, ... }",
// a constructor "set(21/tcp, ...)" or "set()", or the name of a variable.
func parsePortExpr(toks []token) (ref string, ports []zeek.Port, err error) {
	n := len(toks)
	switch {
	case n == 1 && toks[0].kind == tIdent && toks[0].text != "set":
		return toks[0].text, nil, nil
	case n >= 2 && toks[0].kind == tPunct && toks[0].text == "{" && toks[n-1].kind == tPunct && toks[n-1].text == "}":
		ports, err = portElems(toks[1 : n-1])
		return "", ports, err
	case n >= 3 && toks[0].kind == tIdent && toks[0].text == "set" && toks[1].kind == tPunct && toks[1].text == "(" &&
		toks[n-1].kind == tPunct && toks[n-1].text == ")":
		ports, err = portElems(toks[2 : n-1])
		return "", ports, err
	}
	return "", nil, fmt.Errorf("%q is not a set of port literals or a variable", joinTokens(toks))
}

// portElems reads "21/tcp, 22/tcp" with an optional trailing comma.
func portElems(toks []token) ([]zeek.Port, error) {
	ports := []zeek.Port{}
	for k, t := range toks {
		if k%2 == 1 {
			if t.kind != tPunct || t.text != "," {
				return nil, fmt.Errorf("want a comma between ports, have %q", t.text)
			}
			continue
		}
		if t.kind != tPort {
			return nil, fmt.Errorf("%q is not a port literal", t.text)
		}
		p, err := parsePort(t.text)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// joinTokens renders tokens for error messages.
func joinTokens(toks []token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	s := strings.Join(parts, " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// portFacts turns the facts of every script into port records (V, A and K
// edges) with the @if conditions in force at each statement. texts holds
// each script's source, files its path for messages.
func portFacts(c *catalog, texts map[string]string, files map[string]string) error {
	facts := make(map[string]*scriptFacts, len(texts))
	declared := map[string][]string{} // qualified name -> declaring scripts
	for _, name := range c.names {
		f, err := scanFacts(lexZeek(texts[name]))
		if err != nil {
			return fmt.Errorf("scripts: %s: %w", files[name], err)
		}
		facts[name] = f
		for _, d := range f.decls {
			if !d.redef {
				q := qualify(d.name, d.module)
				declared[q] = append(declared[q], name)
			}
		}
	}
	resolve := func(name, module string) string {
		if strings.Contains(name, "::") {
			return strings.TrimPrefix(name, "GLOBAL::")
		}
		if module != "GLOBAL" && declared[module+"::"+name] != nil {
			return module + "::" + name
		}
		return name
	}
	// The variables that matter: the global set and every variable a
	// registration names.
	needed := map[string]string{likelyServerPorts: "base/init-bare"} // variable -> a script using it
	type callRec struct {
		script string
		call   scriptCall
		pf     *portFact
	}
	var calls []callRec
	for _, name := range c.names {
		for _, call := range facts[name].calls {
			pf, err := callFact(call, func(ref string) string { return resolve(ref, call.module) })
			if err != nil {
				return fmt.Errorf("scripts: %s: line %d: %w", files[name], call.first, err)
			}
			for _, a := range []portArg{pf.server, pf.nonServer} {
				if a.ref != "" && needed[a.ref] == "" {
					needed[a.ref] = files[name]
				}
			}
			calls = append(calls, callRec{name, call, pf})
		}
	}
	for v, user := range needed {
		switch d := declared[v]; len(d) {
		case 0:
			if v == likelyServerPorts {
				break // a test tree without init-bare; a redef of it fails below
			}
			return fmt.Errorf("scripts: %s: port set %s is not declared in any script", user, v)
		case 1:
		default:
			return fmt.Errorf("scripts: port set %s is declared in %s", v, strings.Join(d, " and "))
		}
	}
	condsOf := map[string][][]string{}
	conds := func(script string, first, last int) ([]string, error) {
		lc, ok := condsOf[script]
		if !ok {
			var err error
			if lc, err = lineConds(texts[script]); err != nil {
				return nil, err
			}
			condsOf[script] = lc
		}
		at := func(l int) []string {
			if l-1 < len(lc) {
				return lc[l-1]
			}
			return nil
		}
		cs := at(first)
		for l := first + 1; l <= last; l++ {
			if !slices.Equal(at(l), cs) {
				return nil, fmt.Errorf("line %d: an @if boundary inside a statement", l)
			}
		}
		return append([]string(nil), cs...), nil
	}
	for _, name := range c.names {
		s := c.scripts[name]
		for _, d := range facts[name].decls {
			v := qualify(d.name, d.module)
			if d.redef {
				v = resolve(d.name, d.module)
			}
			if needed[v] == "" {
				continue
			}
			at := fmt.Sprintf("scripts: %s: line %d", files[name], d.first)
			if !d.closed {
				return fmt.Errorf("%s: unterminated statement for %s", at, v)
			}
			if len(declared[v]) == 0 {
				return fmt.Errorf("%s: redef of %s, which no script declares", at, v)
			}
			pf := &portFact{variable: v, op: d.op, ports: []zeek.Port{}}
			switch {
			case d.op == "" && d.redef:
				return fmt.Errorf("%s: redef of %s without a value", at, v)
			case d.op == "":
				pf.op = "="
			default:
				ref, ports, err := parsePortExpr(d.value)
				if err != nil {
					return fmt.Errorf("%s: %s: %w", at, v, err)
				}
				if ref != "" {
					return fmt.Errorf("%s: %s is set from the variable %s, which Heron does not follow", at, v, ref)
				}
				if !d.redef && d.op != "=" {
					return fmt.Errorf("%s: declaration of %s with %s", at, v, d.op)
				}
				pf.ports = ports
			}
			cs, err := conds(name, d.first, d.last)
			if err != nil {
				return fmt.Errorf("scripts: %s: %w", files[name], err)
			}
			s.edges = append(s.edges, edge{op: edgeVar, target: v, conds: cs, pf: pf, line: d.first})
		}
	}
	for _, cr := range calls {
		cs, err := conds(cr.script, cr.call.first, cr.call.last)
		if err != nil {
			return fmt.Errorf("scripts: %s: %w", files[cr.script], err)
		}
		op := byte(edgeAnalyzer)
		if cr.call.ns == "PacketAnalyzer" {
			op = edgePacket
		}
		s := c.scripts[cr.script]
		s.edges = append(s.edges, edge{op: op, target: cr.pf.analyzer, conds: cs, pf: cr.pf, line: cr.call.first})
	}
	for _, name := range c.names {
		sortEdgesByLine(c.scripts[name].edges)
	}
	return nil
}

// qualify names a declared variable the way Zeek does: module::name unless
// the module is GLOBAL or the name is already qualified.
func qualify(name, module string) string {
	if strings.Contains(name, "::") {
		return strings.TrimPrefix(name, "GLOBAL::")
	}
	if module == "GLOBAL" {
		return name
	}
	return module + "::" + name
}

// callFact reads the arguments of one register_for_ports call. resolve
// qualifies a variable name as seen from the call's module.
func callFact(c scriptCall, resolve func(string) string) (*portFact, error) {
	pf := &portFact{}
	args := c.args
	if c.ns == "PacketAnalyzer" {
		if len(args) != 3 && len(args) != 4 {
			return nil, fmt.Errorf("register_for_ports of PacketAnalyzer takes 3 or 4 arguments, not %d", len(args))
		}
		var err error
		if pf.parent, err = tagArg(args[0], c.ns); err != nil {
			return nil, err
		}
		args = args[1:]
	} else if len(args) != 2 && len(args) != 3 {
		return nil, fmt.Errorf("register_for_ports of Analyzer takes 2 or 3 arguments, not %d", len(args))
	}
	var err error
	if pf.analyzer, err = tagArg(args[0], c.ns); err != nil {
		return nil, err
	}
	pf.nonServer.ports = []zeek.Port{}
	for k, a := range args[1:] {
		ref, ports, err := parsePortExpr(a)
		if err != nil {
			return nil, err
		}
		arg := portArg{ports: ports}
		if ref != "" {
			arg = portArg{ref: resolve(ref)}
		}
		if k == 0 {
			pf.server = arg
		} else {
			pf.nonServer = arg
		}
	}
	return pf, nil
}

// tagArg reads an analyzer tag argument such as Analyzer::ANALYZER_FTP and
// returns the enum name without its module (ANALYZER_FTP).
func tagArg(toks []token, ns string) (string, error) {
	if len(toks) == 1 && toks[0].kind == tIdent {
		if name, ok := strings.CutPrefix(toks[0].text, ns+"::"); ok && strings.HasPrefix(name, "ANALYZER_") && !strings.Contains(name, "::") {
			return name, nil
		}
	}
	return "", fmt.Errorf("%q is not an %s::ANALYZER_* tag", joinTokens(toks), ns)
}
