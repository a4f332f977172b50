package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/deploy"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/pktsrc/afpacket"
	"github.com/heron-nsm/heron/internal/pktsrc/pcaplive"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/zeek"
)

// This file holds print, and how heronctl sees a node's scripts and
// options without asking the node: it evaluates the node's entry of the
// cluster layout as heron --node does (the layout's scripts and options,
// then the node's, applied to heron's option registry).

var printCommand = &command{
	name:    "print",
	args:    " ID [NODE...]",
	summary: "Show the value of an option on the nodes.",
	help: `Prints the value of the Zeek option ID as each node has it, as zeekctl's
print: "NODE   ID = VALUE". The value is worked out here, without asking the
nodes: heronctl takes the installed cluster layout (SpoolDir/installed-
scripts-do-not-touch/cluster-layout.json on this machine), or, when nothing
is installed here, the layout the configuration gives, and applies the
layout's scripts and options and the node's to heron's options from their
defaults, as heron --node does when it starts. An ID heron does not have
prints as <unknown id>, as Zeek's lookup_ID does. heron --help-options
lists the options.
`,
	run: runPrint,
}

func runPrint(e *env, c *command, args []string) int {
	x, rest, status, ok := openSession(e, c, args, nil)
	if !ok {
		return status
	}
	defer x.close()
	if len(rest) == 0 {
		return usageError(e, c, "give the option to print (heron --help-options lists them)")
	}
	id := rest[0]
	nodes, err := x.selectNodes(rest[1:])
	if err != nil {
		return usageError(e, c, "%v", err)
	}
	lay, from, err := x.nodesLayout()
	if err != nil {
		return fail(e, err)
	}
	if from == "" {
		fmt.Fprintln(e.stderr, "heronctl: note: nothing is installed on this machine; the values are those of the configuration (heronctl install installs it)")
	}
	type nodeValue struct {
		Node  string `json:"node"`
		Value string `json:"value"`
		Type  string `json:"type,omitempty"`
		Error string `json:"error,omitempty"`
	}
	out := []nodeValue{}
	var problems []string
	for _, n := range nodes {
		nv := nodeValue{Node: n.Name}
		v, err := evalNode(lay, n.Name)
		if err != nil {
			nv.Error = err.Error()
			problems = append(problems, err.Error())
		} else if o := v.reg.Lookup(id); o == nil {
			nv.Value = unknownID
		} else {
			nv.Value, nv.Type = zeekFmt(o), o.Type()
		}
		out = append(out, nv)
	}
	return x.finish(problems, map[string]any{"id": id, "layout": from, "nodes": out}, func(w io.Writer) {
		for _, nv := range out {
			if nv.Error != "" {
				fmt.Fprintf(w, "%12s   <error: %s>\n", nv.Node, nv.Error)
				continue
			}
			fmt.Fprintf(w, "%12s   %s = %s\n", nv.Node, id, nv.Value)
		}
	})
}

// unknownID is what Zeek's lookup_ID returns for a name it does not know.
const unknownID = "<unknown id>"

// zeekFmt prints an option's value as Zeek's fmt("%s") does, which
// zeekctl's print shows: a string without its quotes, anything else as
// the literal heron --help-options shows.
func zeekFmt(v options.Value) string {
	s := v.String()
	if v.Type() != "string" || len(s) < 2 || s[0] != '"' {
		return s
	}
	var b strings.Builder
	body := s[1 : len(s)-1]
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' && i+1 < len(body) {
			i++
			switch body[i] {
			case 'x':
				if i+2 < len(body) {
					var n byte
					fmt.Sscanf(body[i+1:i+3], "%02x", &n)
					b.WriteByte(n)
					i += 2
					continue
				}
			default:
				b.WriteByte(body[i])
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// nodesLayout returns the layout the nodes run with: the one installed on
// this machine (from names its file), or else the one the configuration
// gives (from is "").
func (c *cluster) nodesLayout() (l *layout.Layout, from string, err error) {
	path := deploy.LayoutPath(c.cl.Settings.String("SpoolDir"))
	l, err = layout.Read(path)
	if err == nil {
		return l, path, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return c.lay, "", nil
	}
	return nil, "", fmt.Errorf("print: the installed layout: %w", err)
}

// nodeView is a node as heron --node sets it up from its layout: the
// scripts it loads and its options.
type nodeView struct {
	named  []string     // the scripts named: the layout's, then the node's
	loaded *scripts.Set // with what they load, after Zeek's base scripts
	reg    *options.Registry
}

// evalNode sets up node name of l as heron --node does: heron's options
// at their defaults, the loaded scripts' port sets, then the layout's
// options and the node's applied in order. It uses options.Default (the
// analyzers' options), which it resets first: nodes are evaluated one at
// a time.
func evalNode(l *layout.Layout, name string) (*nodeView, error) {
	n, err := l.Node(name)
	if err != nil {
		return nil, fmt.Errorf("%s is not in the layout %s: run heronctl install", name, layoutName(l))
	}
	named := append(append([]string(nil), l.Scripts...), n.Scripts...)
	loaded, err := scripts.Load(false, named)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	cfg := node.DefaultConfig()
	reg := options.NewRegistry()
	cfg.Options(reg)
	afpacket.NewOptions().Register(reg)
	pcaplive.NewOptions().Register(reg)
	if err := options.Default.ResetAll(); err != nil {
		return nil, err
	}
	reg.Chain(options.Default)
	for pname, ports := range loaded.PortVariables() {
		v := ports
		reg.Register(pname, options.SetPortValue(&v), "")
	}
	var likely []zeek.Port
	reg.Register("likely_server_ports", options.SetPortValue(&likely), "")
	if n.Type == layout.Standalone && l.LogDir != "" {
		cfg.Log.LogDir = l.LogDir
	}
	for _, a := range append(append([]string(nil), l.Options...), n.Options...) {
		if err := reg.Apply(a); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, a, err)
		}
	}
	return &nodeView{named: named, loaded: loaded, reg: reg}, nil
}

func layoutName(l *layout.Layout) string {
	if l.File != "" {
		return l.File
	}
	return "of the configuration"
}
