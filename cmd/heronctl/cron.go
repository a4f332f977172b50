package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
	"github.com/heron-nsm/heron/internal/control/disk"
	"github.com/heron-nsm/heron/internal/control/mail"
	"github.com/heron-nsm/heron/internal/control/remote"
	"github.com/heron-nsm/heron/internal/control/supervise"
	"github.com/heron-nsm/heron/internal/logging/rotate"
)

var cronCommand = &command{
	name:    "cron",
	args:    " [enable|disable|?] [--no-watch]",
	summary: "Do the periodic housekeeping once, or turn it on or off.",
	help: `Without arguments, does zeekctl's housekeeping once, for a crontab entry
such as "*/5 * * * * heronctl cron":
  - restarts the nodes of a host whose supervisor has died (the supervisor
    itself restarts crashed nodes within seconds) and reports crashed
    nodes; --no-watch leaves this out;
  - notes hosts that stop or start answering (mailed with MailHostUpDown);
  - with StatsLogEnable, appends the nodes' process statistics and the
    interfaces' packet rates to StatsLog, in zeekctl's format ("TIME NODE
    parent KEY VALUE", "TIME NODE interface KEY VALUE"), and moves them to
    StatsDir/stats.log with StatsDir/meta.dat; with MailReceivingPackets it
    reports an interface that stops (or starts again) seeing packets;
  - with MinDiskSpace, reports file systems with less free space than that
    percentage, once until they recover;
  - removes archived logs older than LogExpireInterval (except KeepLogs'
    patterns) on the hosts that write logs, crash reports older than
    CrashExpireInterval days on every host, and StatsDir/stats.log entries
    older than StatsLogExpireInterval days;
  - runs CronCmd.
What it reports is mailed to MailTo ("cron: " and the first line as the
subject) and printed only when it cannot be mailed. "cron disable" turns
the housekeeping off until "cron enable"; "cron ?" shows which it is.
The state is kept in SpoolDir/cron-state.json.
`,
	run: runCron,
}

// cronState is what cron remembers between runs.
type cronState struct {
	// Disabled is set by "cron disable".
	Disabled bool `json:"disabled,omitempty"`
	// Hosts says which hosts answered at the last run.
	Hosts map[string]bool `json:"hosts,omitempty"`
	// Disk holds the file systems of each host at the last run.
	Disk map[string][]disk.Usage `json:"disk,omitempty"`
	// LastPkts holds the packets of each "host/interface" at the last run.
	LastPkts map[string]float64 `json:"last_pkts,omitempty"`
}

func cronStatePath(s *config.Settings) string {
	return filepath.Join(s.String("SpoolDir"), "cron-state.json")
}

func readCronState(s *config.Settings) (*cronState, error) {
	st := &cronState{}
	b, err := os.ReadFile(cronStatePath(s))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cron: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("cron: %s: %w (remove the file to start afresh)", cronStatePath(s), err)
	}
	return st, nil
}

func writeCronState(s *config.Settings, st *cronState) error {
	p := cronStatePath(s)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("cron: %w", err)
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cron: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("cron: %w", err)
	}
	return nil
}

// cronInterval is how long cron measures the interfaces' packet rates
// (zeekctl: 5 s; a variable for tests).
var cronInterval = 5 * time.Second

// cronResult is what one housekeeping run did.
type cronResult struct {
	Enabled   bool                       `json:"enabled"`
	Ran       bool                       `json:"ran"`
	Crashed   []string                   `json:"crashed"`
	Restarted []string                   `json:"restarted"`
	HostsDown []string                   `json:"hosts_down"`
	Stats     []string                   `json:"stats"`
	Alarms    []string                   `json:"disk_alarms"`
	Expired   map[string]expireResult    `json:"expired"`
	Disk      map[string][]disk.Usage    `json:"disk"`
	Output    string                     `json:"output"`
	Mailed    bool                       `json:"mailed"`
	states    map[string]supervise.State // by host
}

func runCron(e *env, c *command, args []string) int {
	x, rest, status, ok := openSession(e, c, args, []string{"--no-watch"})
	if !ok {
		return status
	}
	defer x.close()
	s := x.cl.Settings
	if len(rest) > 1 || len(rest) == 1 && x.flags["--no-watch"] {
		return usageError(e, c, "give one of enable, disable, ? or --no-watch")
	}
	st, err := readCronState(s)
	if err != nil {
		return fail(e, err)
	}
	if len(rest) == 1 {
		switch rest[0] {
		case "enable", "disable":
			st.Disabled = rest[0] == "disable"
			if err := writeCronState(s, st); err != nil {
				return fail(e, err)
			}
		case "?":
		default:
			return usageError(e, c, "invalid cron argument %q (give enable, disable or ?)", rest[0])
		}
		word := "enabled"
		if st.Disabled {
			word = "disabled"
		}
		return x.finish(nil, map[string]any{"enabled": !st.Disabled}, func(w io.Writer) {
			fmt.Fprintf(w, "cron %s\n", word)
		})
	}
	res := &cronResult{Enabled: !st.Disabled, Crashed: []string{}, Restarted: []string{}, HostsDown: []string{},
		Stats: []string{}, Alarms: []string{}, Expired: map[string]expireResult{}, Disk: map[string][]disk.Usage{}}
	var problems []string
	if st.Disabled {
		return x.finish(nil, map[string]any{"cron": res}, nil)
	}
	var out strings.Builder
	say := func(s string) { out.WriteString(s + "\n") }
	if x.cronHousekeeping(st, res, !x.flags["--no-watch"], say) {
		res.Ran = true
		if err := writeCronState(s, st); err != nil {
			problems = append(problems, err.Error())
		}
	}
	res.Output = out.String()
	var printOut string
	if res.Output != "" {
		cfg, err := mail.FromSettings(s, version)
		var m *mail.Mailer
		if err == nil {
			m, err = mail.New(cfg)
		}
		switch {
		case err != nil:
			printOut = fmt.Sprintf("heronctl cron failed to send mail: %v\nOutput of heronctl cron:\n%s", err, res.Output)
		case !m.Enabled():
			printOut = res.Output
		default:
			if err := m.SendCron(x.ctx, res.Output); err != nil {
				printOut = fmt.Sprintf("heronctl cron failed to send mail: %v\nOutput of heronctl cron:\n%s", err, res.Output)
			} else {
				res.Mailed = true
			}
		}
	}
	return x.finish(problems, map[string]any{"cron": res}, func(w io.Writer) {
		io.WriteString(w, printOut)
	})
}

// cronHousekeeping does the housekeeping, reporting through say. It
// returns false when nothing is installed on any host (there is nothing
// to look after yet, and zeekctl then stays quiet).
func (x *session) cronHousekeeping(st *cronState, res *cronResult, watch bool, say func(string)) bool {
	s := x.cl.Settings
	answers, errs := ask[supervise.State](x.cluster, x.hosts, "status", nil)
	// Installed: a host answered, or answered at an earlier run (and is
	// down now).
	installed := false
	for _, h := range x.hosts {
		if errs[h] == nil || st.Hosts[h] {
			installed = true
		}
	}
	if !installed {
		return false
	}
	res.states = answers

	// Nodes: crashed ones, and those of hosts whose supervisor died.
	var restart []*config.Node
	for _, h := range x.hosts {
		a, ok := answers[h]
		if !ok {
			continue
		}
		for _, n := range a.Nodes {
			if n.Status == supervise.StatusCrashed {
				res.Crashed = append(res.Crashed, n.Name)
				if a.SupervisorAlive {
					say(fmt.Sprintf("%s crashed (%s); its supervisor restarts it (%d restarts so far)", n.Name, n.LastExit, n.Restarts))
				}
			}
			if watch && !a.SupervisorAlive && (n.Status == supervise.StatusRunning || n.Status == supervise.StatusCrashed) {
				if cn := nodeNamed(x.cl, n.Name); cn != nil {
					restart = append(restart, cn)
				}
			}
		}
	}
	if len(restart) > 0 {
		say("the supervisor of " + strings.Join(hostsOf(restart), ", ") + " is not running; starting its nodes")
		states, problems := x.startNodes(restart, say)
		for _, n := range restart {
			if states[n.Name].Status == supervise.StatusRunning {
				res.Restarted = append(res.Restarted, n.Name)
			}
		}
		for _, p := range problems {
			say(p)
		}
	}

	// Hosts going down and coming back.
	if st.Hosts == nil {
		st.Hosts = map[string]bool{}
	}
	for _, h := range x.hosts {
		var ni *notInstalledError
		alive := errs[h] == nil || errors.As(errs[h], &ni)
		if !alive {
			res.HostsDown = append(res.HostsDown, h)
		}
		if prev, ok := st.Hosts[h]; ok && prev != alive && s.Bool("MailHostUpDown") {
			if alive {
				say("host " + h + " up")
			} else {
				say("host " + h + " down")
			}
		}
		st.Hosts[h] = alive
	}

	if s.Bool("StatsLogEnable") {
		x.cronStats(st, res, say)
	}
	x.cronDisk(st, res, say)
	x.cronExpire(res, say)
	if s.Bool("StatsLogEnable") {
		x.cronStatsDir(res, say)
	}
	if cmd := s.String("CronCmd"); cmd != "" {
		if b, err := exec.CommandContext(x.ctx, "sh", "-c", cmd).CombinedOutput(); err != nil {
			say("failure running croncmd: " + cmd)
			if len(b) > 0 {
				say(strings.TrimRight(string(b), "\n"))
			}
		}
	}
	return true
}

func nodeNamed(cl *config.Cluster, name string) *config.Node {
	for _, n := range cl.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// cronStats appends the nodes' process statistics and the interfaces'
// packet rates to StatsLog, in zeekctl's format.
func (x *session) cronStats(st *cronState, res *cronResult, say func(string)) {
	s := x.cl.Settings
	var running []string
	for _, h := range x.hosts {
		for _, n := range res.states[h].Nodes {
			if n.Status == supervise.StatusRunning && !contains(running, h) {
				running = append(running, h)
			}
		}
	}
	usage, topErrs := ask[[]supervise.Usage](x.cluster, running, "top", func(string) []string { return []string{"--wait", "0.5"} })
	byName := map[string]supervise.Usage{}
	for _, us := range usage {
		for _, u := range us {
			byName[u.Name] = u
		}
	}
	t := strconv.FormatFloat(float64(now().UnixMicro())/1e6, 'f', 6, 64)
	var lines []string
	for _, n := range x.cl.Nodes {
		u, ok := byName[n.Name]
		if !ok {
			why := "not running"
			if err := topErrs[n.Host]; err != nil {
				why = "top failed: " + firstLine(err.Error())
			}
			lines = append(lines, fmt.Sprintf("%s %s error error %s", t, n.Name, why))
			continue
		}
		// zeekctl's keys, sorted: cmd cpu pid rss vsize.
		lines = append(lines,
			fmt.Sprintf("%s %s parent cmd %s", t, n.Name, u.Command),
			fmt.Sprintf("%s %s parent cpu %.0f", t, n.Name, u.CPU),
			fmt.Sprintf("%s %s parent pid %d", t, n.Name, u.Pid),
			fmt.Sprintf("%s %s parent rss %d", t, n.Name, u.RSS),
			fmt.Sprintf("%s %s parent vsize %d", t, n.Name, u.VSize))
	}
	rows := x.capstats(x.cl.Nodes, cronInterval)
	if st.LastPkts == nil {
		st.LastPkts = map[string]float64{}
	}
	var total ifaceStats
	good := 0
	for _, r := range rows {
		name := r.Nodes[0]
		if r.Error != "" {
			lines = append(lines, fmt.Sprintf("%s %s error error %s", t, name, r.Error))
			continue
		}
		good++
		lines = append(lines, ifaceLines(t, name, r)...)
		total.Pkts += r.Pkts
		total.KPPS += r.KPPS
		total.KBytes += r.KBytes
		total.MBPS += r.MBPS
		total.NICPkts += r.NICPkts
		total.NICDrops += r.NICDrops
		key := r.Host + "/" + r.Interface
		last, seen := st.LastPkts[key]
		if !seen {
			last = -1
		}
		if s.Bool("MailReceivingPackets") {
			if r.Pkts == 0 && last != 0 {
				say(fmt.Sprintf("%s is not seeing any packets on interface %s", r.Host, r.Interface))
			}
			if r.Pkts != 0 && last == 0 {
				say(fmt.Sprintf("%s is seeing packets again on interface %s", r.Host, r.Interface))
			}
		}
		st.LastPkts[key] = r.Pkts
	}
	if good > 1 {
		lines = append(lines, ifaceLines(t, "$total", total)...)
	}
	res.Stats = lines
	path := s.String("StatsLog")
	if err := appendLines(path, lines); err != nil {
		say("failed to append to file: " + err.Error())
	}
}

// ifaceLines are the stats.log lines of one interface, keys sorted.
func ifaceLines(t, node string, r ifaceStats) []string {
	kv := []struct {
		k string
		v float64
	}{{"kbytes", r.KBytes}, {"kpps", r.KPPS}, {"mbps", r.MBPS}, {"nic_drops", r.NICDrops}, {"nic_pkts", r.NICPkts}, {"pkts", r.Pkts}}
	out := make([]string, len(kv))
	for i, p := range kv {
		out[i] = fmt.Sprintf("%s %s interface %s %s", t, node, p.k, strconv.FormatFloat(p.v, 'f', -1, 64))
	}
	return out
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func appendLines(path string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, strings.Join(lines, "\n")+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// cronDisk checks the hosts' file systems against MinDiskSpace, alarming
// once for a file system until it recovers.
func (x *session) cronDisk(st *cronState, res *cronResult, say func(string)) {
	min := x.cl.Settings.Int("MinDiskSpace")
	if min <= 0 {
		return
	}
	usage, _ := ask[[]disk.Usage](x.cluster, x.hosts, "df", func(h string) []string {
		return disk.Dirs(x.cl.Settings, x.writesLogs(h))
	})
	if st.Disk == nil {
		st.Disk = map[string][]disk.Usage{}
	}
	for _, h := range x.hosts {
		us, ok := usage[h]
		if !ok {
			continue // a host that is down: zeekctl stays quiet too
		}
		ck := &disk.Checker{MinSpace: min}
		ck.Check(h, st.Disk[h]) // what the last run saw
		for _, a := range ck.Check(h, us) {
			res.Alarms = append(res.Alarms, a)
			say(a)
		}
		st.Disk[h] = us
		res.Disk[h] = us
	}
}

// expireResult is what expiry removed on a host.
type expireResult struct {
	Logs    []string `json:"logs"`
	Crashes []string `json:"crashes"`
	Error   string   `json:"error,omitempty"`
}

// cronExpire removes old archives on the hosts that write logs and old
// crash reports on every host.
func (x *session) cronExpire(res *cronResult, say func(string)) {
	s := x.cl.Settings
	mins, err := s.LogExpireMinutes()
	if err != nil {
		say("expire-logs failed: " + err.Error())
		return
	}
	keep, _ := rotate.KeepPatterns(s.String("KeepLogs"))
	crashDays := s.Int("CrashExpireInterval")
	for _, h := range x.hosts {
		var args []string
		if mins > 0 && x.writesLogs(h) {
			args = append(args, "--logs", s.String("LogDir"), "--max-age", strconv.Itoa(mins*60))
			for _, k := range keep {
				args = append(args, "--keep", k)
			}
		}
		if crashDays > 0 {
			args = append(args, "--crash", filepath.Join(s.String("SpoolDir"), "crash"), "--crash-age", strconv.Itoa(crashDays*86400))
		}
		if len(args) == 0 {
			continue
		}
		r, err := x.expireOn(h, args)
		if err != nil {
			r.Error = err.Error()
			say(fmt.Sprintf("expire-logs failed for host %s\n%v", h, err))
		}
		res.Expired[h] = r
	}
}

// expireOn runs the expiry on host: in this process for this machine,
// else through heronctl _expire there.
func (x *session) expireOn(h string, args []string) (expireResult, error) {
	if remote.IsLocal(h) {
		return expire(args)
	}
	conn, err := x.host(h)
	if err != nil {
		return expireResult{}, err
	}
	b, err := conn.Run(x.ctx, append([]string{x.heronctl, "_expire"}, args...), nil)
	if err != nil {
		var ee *remote.ExitError
		if errors.As(err, &ee) {
			return expireResult{}, fmt.Errorf("%s", strings.TrimSpace(strings.TrimPrefix(ee.Stderr, "heronctl: ")))
		}
		return expireResult{}, err
	}
	var r expireResult
	if err := json.Unmarshal(b, &r); err != nil {
		return expireResult{}, fmt.Errorf("unexpected answer from heronctl _expire on %s: %w", h, err)
	}
	return r, nil
}

var expireCommand = &command{
	name:    "_expire",
	args:    " [--logs DIR --max-age SECONDS [--keep PATTERN]...] [--crash DIR --crash-age SECONDS]",
	summary: "Remove old archives and crash reports on this host for heronctl cron (not for users).",
	hidden:  true,
	run: func(e *env, c *command, args []string) int {
		r, err := expire(args)
		if err != nil {
			return fail(e, err)
		}
		if err := writeJSON(e.stdout, r); err != nil {
			return fail(e, err)
		}
		return exitOK
	},
}

// expire does _expire's work: archives under --logs older than --max-age
// seconds except --keep patterns (rotate.Expirer), and crash reports
// (--crash/NODE/TIME, TIME in UTC as the supervisor names them) older
// than --crash-age seconds.
func expire(args []string) (expireResult, error) {
	r := expireResult{Logs: []string{}, Crashes: []string{}}
	var ex rotate.Expirer
	var crashDir string
	var crashAge time.Duration
	for i := 0; i < len(args); i++ {
		if i+1 >= len(args) {
			return r, fmt.Errorf("cron: %s needs a value", args[i])
		}
		v := args[i+1]
		switch args[i] {
		case "--logs":
			ex.LogDir = v
		case "--keep":
			ex.Keep = append(ex.Keep, v)
		case "--crash":
			crashDir = v
		case "--max-age", "--crash-age":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return r, fmt.Errorf("cron: %s %q is not a number of seconds", args[i], v)
			}
			if args[i] == "--max-age" {
				ex.MaxAge = time.Duration(n) * time.Second
			} else {
				crashAge = time.Duration(n) * time.Second
			}
		default:
			return r, fmt.Errorf("cron: unknown option %s", args[i])
		}
		i++
	}
	ex.Now = now
	var firstErr error
	if ex.LogDir != "" && ex.MaxAge > 0 {
		got, err := ex.Expire()
		r.Logs = append(r.Logs, got.Files...)
		firstErr = err
	}
	if crashDir != "" && crashAge > 0 {
		dirs, _ := filepath.Glob(filepath.Join(crashDir, "*", "*"))
		sort.Strings(dirs)
		cutoff := now().Add(-crashAge)
		for _, d := range dirs {
			t, err := time.Parse("2006-01-02T15:04:05.000Z", filepath.Base(d))
			if err != nil || !t.Before(cutoff) {
				continue
			}
			if err := os.RemoveAll(d); err != nil && firstErr == nil {
				firstErr = fmt.Errorf("cron: %w", err)
				continue
			}
			r.Crashes = append(r.Crashes, d)
		}
	}
	return r, firstErr
}

// cronStatsDir moves StatsLog to StatsDir/stats.log, writes
// StatsDir/meta.dat as zeekctl does, and drops entries older than
// StatsLogExpireInterval days.
func (x *session) cronStatsDir(res *cronResult, say func(string)) {
	s := x.cl.Settings
	dir := s.String("StatsDir")
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			say("failure creating directory in heronctl option StatsDir: " + err.Error())
			return
		}
		say("creating directory for stats file: " + dir)
	}
	var meta bytes.Buffer
	for _, n := range x.cl.Nodes {
		fmt.Fprintf(&meta, "node %s %s %s\n", n.Name, n.Type, n.Host)
	}
	fmt.Fprintf(&meta, "time %s\n", now().Format("Mon Jan _2 15:04:05 2006"))
	fmt.Fprintf(&meta, "version %s\n", version)
	if b, err := exec.Command("uname", "-a").Output(); err == nil && len(b) > 0 {
		fmt.Fprintf(&meta, "os %s", b)
	} else {
		meta.WriteString("os <error>\n")
	}
	fmt.Fprintf(&meta, "host %s\n", hostname())
	if err := os.WriteFile(filepath.Join(dir, "meta.dat"), meta.Bytes(), 0o644); err != nil {
		say("failure creating file: " + err.Error())
		return
	}
	src := s.String("StatsLog")
	b, err := os.ReadFile(src)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		say("failed to append file: " + err.Error())
		return
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if len(b) > 0 {
		if err := appendLines(dst, strings.Split(strings.TrimRight(string(b), "\n"), "\n")); err != nil {
			say("failed to append file: " + err.Error())
			return
		}
	}
	os.Remove(src)
	if days := s.Int("StatsLogExpireInterval"); days > 0 {
		if err := expireStats(dst, now().Add(-time.Duration(days)*24*time.Hour)); err != nil {
			say("failed to expire stats: " + err.Error())
		}
	}
}

// expireStats removes the lines of a stats.log whose time is before
// cutoff.
func expireStats(path string, cutoff time.Time) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f, _, _ := strings.Cut(l, " ")
		t, err := strconv.ParseFloat(f, 64)
		if err == nil && t < float64(cutoff.UnixMicro())/1e6 {
			continue
		}
		keep = append(keep, l)
	}
	tmp := path + ".tmp"
	text := ""
	if len(keep) > 0 {
		text = strings.Join(keep, "\n") + "\n"
	}
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
