package disk

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Usage is the state of the file system holding one directory.
type Usage struct {
	// Path is the directory asked about.
	Path string `json:"path"`
	// FS names the file system as df does: its source device
	// ("/dev/sda1", "overlay", "tmpfs").
	FS string `json:"fs"`
	// Mount is the file system's mount point.
	Mount string `json:"mount"`
	// Total, Used and Avail are bytes: the size, the bytes in use and the
	// bytes an unprivileged user may still write (df's 1K-blocks, Used
	// and Available times 1024).
	Total uint64 `json:"total"`
	Used  uint64 `json:"used"`
	Avail uint64 `json:"available"`
	// Percent is the share in use, Used*100/(Used+Avail), as zeekctl
	// computes it (df's Use%, unrounded).
	Percent float64 `json:"percent"`
}

// Stat measures the file system holding path.
func Stat(path string) (Usage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return Usage{}, fmt.Errorf("disk: %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	if st.Frsize > 0 {
		bs = uint64(st.Frsize)
	}
	u := Usage{
		Path:  path,
		Total: st.Blocks * bs,
		Used:  (st.Blocks - st.Bfree) * bs,
		Avail: st.Bavail * bs,
	}
	if u.Used+u.Avail > 0 {
		u.Percent = float64(u.Used) * 100 / float64(u.Used+u.Avail)
	}
	u.FS, u.Mount = mountOf(path)
	if u.FS == "" {
		u.FS = u.Mount
	}
	return u, nil
}

// StatAll measures the file systems of paths, one Usage per file system
// (the first path on it names it), sorted by FS. Paths that do not exist
// are skipped, as zeekctl skips its optional directories.
func StatAll(paths []string) ([]Usage, error) {
	seen := map[string]bool{}
	var out []Usage
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		u, err := Stat(p)
		if err != nil {
			return out, err
		}
		key := u.FS + "\x00" + u.Mount
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FS < out[j].FS })
	return out, nil
}

// mountOf finds the source and mount point of the mount holding path in
// /proc/self/mountinfo ("", "" when it cannot tell).
func mountOf(path string) (source, mount string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", ""
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		left, right, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		lf, rf := strings.Fields(left), strings.Fields(right)
		if len(lf) < 5 || len(rf) < 2 {
			continue
		}
		mp := unescapeMount(lf[4])
		if !within(abs, mp) {
			continue
		}
		// The last matching entry wins: later mounts hide earlier ones.
		if len(mp) >= len(mount) {
			source, mount = unescapeMount(rf[1]), mp
		}
	}
	return source, mount
}

// within tells whether p is dir or below it.
func within(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return s[0] <= '3'
}

// Low tells whether u has less than minSpace percent free: zeekctl's test
// Percent > 100 - MinDiskSpace. A minSpace of 0 never alarms.
func (u Usage) Low(minSpace int) bool {
	return minSpace > 0 && u.Percent > float64(100-minSpace)
}

// Alarm returns zeekctl's alarm line for u on host:
// "Disk space low on host:/dev/sda1 - 96.3% used."
func (u Usage) Alarm(host string) string {
	return fmt.Sprintf("Disk space low on %s:%s - %.1f%% used.", host, u.FS, u.Percent)
}

// Checker remembers which file systems have been reported low, so that a
// full disk raises one alarm rather than one per check (zeekctl keeps the
// same state in its state file). The zero Checker is ready; it is not safe
// for concurrent use.
type Checker struct {
	// MinSpace is MinDiskSpace, a percentage; 0 disables the check.
	MinSpace int
	last     map[string]float64
}

// Check compares the file systems of host with MinSpace and returns the
// alarms to raise now: one for each file system that is low and was not
// low at the previous check.
func (c *Checker) Check(host string, us []Usage) []string {
	if c.MinSpace <= 0 {
		return nil
	}
	if c.last == nil {
		c.last = map[string]float64{}
	}
	limit := float64(100 - c.MinSpace)
	var alarms []string
	for _, u := range us {
		key := host + "\x00" + u.FS
		if u.Percent > limit {
			if prev, ok := c.last[key]; ok && prev > limit {
				c.last[key] = u.Percent
				continue // already reported
			}
			alarms = append(alarms, u.Alarm(host))
		}
		c.last[key] = u.Percent
	}
	return alarms
}

// Row is one line of heronctl's df output.
type Row struct {
	Node string `json:"node"`
	Host string `json:"host"`
	Usage
}

// Format prints rows as zeekctl's df command does: a header line, then per
// file system the node/host, the file system, its size and free space in
// K/M/G and the percentage used.
func Format(rows []Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%27s  %15s  %-5s  %-5s  %-5s\n", "", "", "total", "avail", "capacity")
	for _, r := range rows {
		fmt.Fprintf(&b, "%28s  %15s  %-5s  %-5s  %-5.1f%%\n", r.Node+"/"+r.Host, r.FS,
			NumberUnit(float64(r.Total)), NumberUnit(float64(r.Avail)), r.Percent)
	}
	return b.String()
}

// NumberUnit writes a byte count as zeekctl does: whole G, M or K (powers
// of 1024) in three places, or the plain number after a space.
func NumberUnit(n float64) string {
	for _, u := range []struct {
		unit   string
		factor float64
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n >= u.factor {
			return fmt.Sprintf("%3.0f%s", n/u.factor, u.unit)
		}
	}
	if math.IsNaN(n) {
		n = 0
	}
	return fmt.Sprintf(" %3.0f", n)
}
