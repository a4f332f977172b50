package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/deploy"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/control/supervise"
)

// cluster is a loaded configuration with connections to its hosts,
// opened when first used.
type cluster struct {
	e        *env
	cl       *config.Cluster
	lay      *layout.Layout
	plans    map[string]*supervise.Plan
	hosts    []string
	heronctl string // where heronctl is installed on every host
	ctx      context.Context

	mu    sync.Mutex
	conns map[string]remote.Host
}

func loadCluster(e *env) (*cluster, error) {
	cl, err := config.Load(e.paths, e.builtins)
	if err != nil {
		return nil, err
	}
	lay, err := deploy.Layout(cl)
	if err != nil {
		return nil, err
	}
	return &cluster{
		e: e, cl: cl, lay: lay, plans: deploy.Plans(cl), hosts: deploy.Hosts(cl),
		heronctl: deploy.HeronctlPath(cl), ctx: context.Background(), conns: map[string]remote.Host{},
	}, nil
}

// dial is how heronctl reaches a host (a variable for tests).
var dial = func(ctx context.Context, host string, s *config.Settings) (remote.Host, error) {
	if remote.IsLocal(host) {
		return &remote.Local{HostName: host}, nil
	}
	cfg := remote.SSHConfig{User: s.String("SSHUser"), Port: s.Int("SSHPort"), KnownHosts: s.String("SSHKnownHosts")}
	if k := s.String("SSHKeyFile"); k != "" {
		cfg.KeyFiles = []string{k}
	}
	return remote.DialSSH(ctx, host, cfg)
}

// host returns the connection to a host.
func (c *cluster) host(name string) (remote.Host, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h := c.conns[name]; h != nil {
		return h, nil
	}
	h, err := dial(c.ctx, name, c.cl.Settings)
	if err != nil {
		return nil, err
	}
	c.conns[name] = h
	return h, nil
}

func (c *cluster) close() {
	for _, h := range c.conns {
		h.Close()
	}
}

// hostOp runs "heronctl _host OP --plan PLAN ARGS" on a host and decodes
// its JSON output into out.
func (c *cluster) hostOp(host, op string, out any, args ...string) error {
	h, err := c.host(host)
	if err != nil {
		return err
	}
	argv := append([]string{c.heronctl, "_host", op, "--plan", deploy.PlanPath(c.cl.Settings.String("SpoolDir"))}, args...)
	b, err := h.Run(c.ctx, argv, nil)
	if err != nil {
		var ee *remote.ExitError
		if errors.As(err, &ee) && (ee.Status == 127 || strings.Contains(ee.Stderr, "run heronctl install")) ||
			errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return &notInstalledError{host}
		}
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(ee.Stderr)
			msg = strings.TrimPrefix(msg, "heronctl: ")
			return fmt.Errorf("on %s: %s", host, msg)
		}
		return err
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("on %s: unexpected answer from heronctl _host %s: %w", host, op, err)
		}
	}
	return nil
}

// notInstalledError says that a host has no heronctl or no plan: nothing
// was installed, so nothing runs there.
type notInstalledError struct{ host string }

func (e *notInstalledError) Error() string {
	return fmt.Sprintf("heronctl is not installed on %s: run heronctl install (or deploy)", e.host)
}

// eachHost runs f for every host concurrently and returns the errors by
// host.
func (c *cluster) eachHost(hosts []string, f func(host string) error) map[string]error {
	errs := map[string]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(h); err != nil {
				mu.Lock()
				errs[h] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errs
}

// selectNodes picks the nodes named by args: node names, "all", or a
// type in singular or plural ("workers", "proxy"), as zeekctl takes them.
// No argument selects every node.
func (c *cluster) selectNodes(args []string) ([]*config.Node, error) {
	if len(args) == 0 {
		return c.cl.Nodes, nil
	}
	pick := map[string]bool{}
	for _, a := range args {
		typ := strings.TrimSuffix(strings.TrimSuffix(a, "s"), "ie")
		if a == "proxies" {
			typ = "proxy"
		}
		found := false
		for _, n := range c.cl.Nodes {
			if a == "all" || n.Name == a || n.Type == typ || n.Type == a {
				pick[n.Name], found = true, true
			}
		}
		if !found {
			names := make([]string, len(c.cl.Nodes))
			for i, n := range c.cl.Nodes {
				names[i] = n.Name
			}
			return nil, fmt.Errorf("unknown node %q (the nodes are %s; or give all, loggers, manager, proxies, workers)", a, strings.Join(names, ", "))
		}
	}
	var out []*config.Node
	for _, n := range c.cl.Nodes {
		if pick[n.Name] {
			out = append(out, n)
		}
	}
	return out, nil
}

// phaseNames are the start order's groups as start and stop print them.
var phaseNames = map[string]string{
	config.Standalone: "standalone", config.Logger: "logger", config.Manager: "manager",
	config.Proxy: "proxy", config.Worker: "workers",
}

// startOrder is the order in which start acts on the groups, zeekctl's.
var startOrder = []string{config.Standalone, config.Logger, config.Manager, config.Proxy, config.Worker}

// stopOrder is the order in which stop acts on the groups: zeekctl's
// (the reverse of startOrder) but with the loggers before the manager.
// The manager runs the cluster's NATS server, through which the loggers
// receive the last records and settle their files: a logger stopped
// after it could neither fetch nor archive, and would leave its logs in
// the live directory instead of archiving them.
var stopOrder = []string{config.Worker, config.Proxy, config.Logger, config.Manager, config.Standalone}

// byHost groups nodes of one type by host.
func byHost(nodes []*config.Node, typ string) (hosts []string, names map[string][]string) {
	names = map[string][]string{}
	for _, n := range nodes {
		if n.Type != typ {
			continue
		}
		if names[n.Host] == nil {
			hosts = append(hosts, n.Host)
		}
		names[n.Host] = append(names[n.Host], n.Name)
	}
	return hosts, names
}

// nodeResult is one node's line in the JSON output of start, stop and
// status.
type nodeResult struct {
	supervise.NodeState
	Error string `json:"error,omitempty"`
}

// phase says how startNodes and stopNodes differ when they go through the
// groups of nodes.
type phase struct {
	order  []string // the node types, in the order to act on them
	doing  string   // what the progress line says is happening: "starting"
	op     string   // the _host operation, which problems name: "start"
	args   []string // the operation's arguments before the node names
	absent bool     // whether a host without heronctl is fine (nothing runs there)
}

// inPhases runs p's operation on nodes one group at a time, telling say
// when a group begins, and all the hosts of a group at once. It returns
// the states of nodes that the hosts reported and a problem for each host
// that failed.
func (c *cluster) inPhases(nodes []*config.Node, say func(string), p phase) (map[string]supervise.NodeState, []string) {
	states := map[string]supervise.NodeState{}
	var problems []string
	for _, typ := range p.order {
		hosts, names := byHost(nodes, typ)
		if len(hosts) == 0 {
			continue
		}
		say(fmt.Sprintf("%s %s ...", p.doing, phaseNames[typ]))
		answers, errs := ask[supervise.State](c, hosts, p.op, func(h string) []string {
			return append(slices.Clone(p.args), names[h]...)
		})
		for _, h := range hosts {
			for _, n := range answers[h].Nodes {
				if contains(names[h], n.Name) {
					states[n.Name] = n
				}
			}
			var ni *notInstalledError
			if err := errs[h]; err != nil && !(p.absent && errors.As(err, &ni)) {
				problems = append(problems, fmt.Sprintf("cannot %s %s: %v", p.op, strings.Join(names[h], ", "), err))
			}
		}
	}
	return states, problems
}

// startNodes starts nodes phase by phase, telling say of each phase, and
// returns each node's state and the problems.
func (c *cluster) startNodes(nodes []*config.Node, say func(string)) (map[string]supervise.NodeState, []string) {
	states, problems := c.inPhases(nodes, say, phase{order: startOrder, doing: "starting", op: "start", args: []string{"--wait", "10"}})
	for _, n := range nodes {
		st, ok := states[n.Name]
		if !ok {
			continue
		}
		switch st.Status {
		case supervise.StatusRunning, supervise.StatusFinished:
		case supervise.StatusCrashed:
			problems = append(problems, fmt.Sprintf("%s terminated immediately after starting (%s); check output with \"heronctl diag %s\"", n.Name, st.LastExit, n.Name))
		default:
			problems = append(problems, fmt.Sprintf("%s did not start", n.Name))
		}
	}
	return states, problems
}

// stopNodes stops nodes phase by phase in the reverse order; a host
// where nothing is installed has nothing to stop.
func (c *cluster) stopNodes(nodes []*config.Node, say func(string)) (map[string]supervise.NodeState, []string) {
	return c.inPhases(nodes, say, phase{order: stopOrder, doing: "stopping", op: "stop", absent: true})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostsOf returns the hosts of nodes, in start order.
func hostsOf(nodes []*config.Node) []string {
	var out []string
	for _, n := range nodes {
		if !contains(out, n.Host) {
			out = append(out, n.Host)
		}
	}
	return out
}

// strftimeLayouts are the strftime directives that a Go time layout
// element does the same as, with that element.
var strftimeLayouts = map[byte]string{
	'd': "02", 'b': "Jan", 'm': "01", 'Y': "2006", 'y': "06",
	'H': "15", 'M': "04", 'S': "05", 'Z': "MST", 'z': "-0700",
}

// strftime formats t with the directives of TimeFmt that zeekctl's
// default and common settings use.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		if layout, ok := strftimeLayouts[format[i]]; ok {
			b.WriteString(t.Format(layout))
			continue
		}
		switch format[i] {
		case 's':
			fmt.Fprintf(&b, "%d", t.Unix())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(format[i])
		}
	}
	return b.String()
}

// executable is the running heronctl, which install copies to the hosts
// (a variable for tests).
var executable = os.Executable
