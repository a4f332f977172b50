package supervise

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Usage is a running node's use of the machine, as zeekctl's top shows it.
type Usage struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Host string `json:"host"`
	Pid  int    `json:"pid"`
	// VSize and RSS are virtual and resident memory in bytes.
	VSize uint64 `json:"vsize"`
	RSS   uint64 `json:"rss"`
	// CPU is the share of one CPU used over the sample, in percent.
	CPU float64 `json:"cpu"`
	// Command is the process's name.
	Command string `json:"command"`
}

// clockTicks is the kernel's USER_HZ, 100 on every Linux platform Go
// supports.
const clockTicks = 100

// procStat reads utime+stime (ticks), vsize and rss (bytes) and the
// command name of a process from /proc.
func procStat(pid int) (ticks, vsize, rss uint64, comm string, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, 0, "", false
	}
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return 0, 0, 0, "", false
	}
	comm = string(b[open+1 : close])
	f := strings.Fields(string(b[close+1:]))
	// After the command: state(0) ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12) ... vsize(20) rss(21).
	if len(f) < 22 {
		return 0, 0, 0, "", false
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	vsize, _ = strconv.ParseUint(f[20], 10, 64)
	pages, _ := strconv.ParseUint(f[21], 10, 64)
	return ut + st, vsize, pages * uint64(os.Getpagesize()), comm, true
}

// Top samples the running nodes of the plan over interval.
func Top(plan *Plan, interval time.Duration) []Usage {
	st := ReadState(plan)
	type sample struct {
		n     NodeState
		ticks uint64
	}
	var first []sample
	for _, n := range st.Nodes {
		if n.Status != StatusRunning || n.Pid == 0 {
			continue
		}
		if t, _, _, _, ok := procStat(n.Pid); ok {
			first = append(first, sample{n, t})
		}
	}
	start := time.Now()
	time.Sleep(interval)
	elapsed := time.Since(start).Seconds()
	out := []Usage{}
	for _, s := range first {
		t, vsize, rss, comm, ok := procStat(s.n.Pid)
		if !ok {
			continue
		}
		out = append(out, Usage{
			Name: s.n.Name, Type: s.n.Type, Host: s.n.Host, Pid: s.n.Pid, VSize: vsize, RSS: rss,
			CPU: 100 * float64(t-s.ticks) / clockTicks / elapsed, Command: comm,
		})
	}
	return out
}
