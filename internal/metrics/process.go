package metrics

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"time"
)

// processStart approximates the process's start time.
var processStart = time.Now()

// RegisterProcess registers the process metrics Zeek exposes under the
// "process" prefix: process_resident_memory_bytes and
// process_virtual_memory_bytes (from /proc/self/statm), process_open_fds
// (/proc/self/fd), process_cpu_user_seconds_total and
// process_cpu_system_seconds_total (getrusage), process_start_time_seconds;
// and the Go runtime's heron_go_memory_bytes and heron_goroutines. Metrics
// the platform cannot measure are left out; a resident memory function
// given to RegisterNode is kept.
func RegisterProcess(r *Registry) {
	if _, _, ok := statm(); ok {
		if !r.has("process_resident_memory_bytes") {
			r.GaugeFunc("process_resident_memory_bytes", "Resident memory size", func() float64 {
				_, rss, _ := statm()
				return float64(rss)
			})
		}
		r.GaugeFunc("process_virtual_memory_bytes", "Virtual memory size", func() float64 {
			vms, _, _ := statm()
			return float64(vms)
		})
	}
	if _, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.GaugeFunc("process_open_fds", "Number of open file descriptors", func() float64 {
			ents, err := os.ReadDir("/proc/self/fd")
			if err != nil {
				return 0
			}
			return float64(len(ents) - 1) // the directory being read
		})
	}
	r.CounterFunc("process_cpu_user_seconds_total", "Total user CPU time spent", func() float64 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
	})
	r.CounterFunc("process_cpu_system_seconds_total", "Total system CPU time spent", func() float64 {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
			return 0
		}
		return float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
	})
	start := float64(processStart.UnixNano()) / 1e9
	r.GaugeFunc("process_start_time_seconds", "Process start time", func() float64 { return start })
	r.GaugeFunc("heron_go_memory_bytes", "Memory the Go runtime has mapped", func() float64 {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		metrics.Read(s)
		if s[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return float64(s[0].Value.Uint64())
	})
	r.GaugeFunc("heron_goroutines", "Goroutines", func() float64 { return float64(runtime.NumGoroutine()) })
}

// statm reads the virtual and resident sizes of the process, in bytes.
func statm() (vms, rss uint64, ok bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, 0, false
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(string(f[0]), 10, 64)
	r, err2 := strconv.ParseUint(string(f[1]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	page := uint64(os.Getpagesize())
	return v * page, r * page, true
}
