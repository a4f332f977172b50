package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// options are the command-line settings that stay fixed for a run.
type options struct {
	showHeader int      // 0: no header blocks, 1: the first, 2: all
	minimal    bool     // -m/-M: header as one line of column names
	negate     bool     // -n: every column except those named
	timeConv   int      // 0: none, 1: local time (-d/-D), 2: UTC (-u/-U)
	timeFmt    string   // strftime format for -d/-u/-D/-U
	ofs        byte     // -F; 0 when not given
	columns    []string // the column names, in output order
}

const usageText = `
heron-cut [options] [<columns>]

Prints the named columns of the Zeek logs on standard input (Zeek's ASCII/TSV
format, or Zeek's JSON lines as Heron and Zeek write them with
LogAscii::use_json=T), in the order named. With no columns, prints them all.
Header blocks are left out unless asked for. Input may be several logs one
after another, and may be gzip-compressed.

Example: heron-cut -d ts id.orig_h id.orig_p < conn.log

    -c       Print the first header block.
    -C       Print every header block.
    -m       Print the first header block as one line of column names.
    -M       Print every header block as one line of column names.
    -d       Print times as readable local time.
    -D <fmt> Like -d, with a strftime(3) format.
    -F <ofs> Separate output columns with the character ofs.
    -h       Print this help.
    -n       Print every column except those named.
    -u       Like -d, in UTC.
    -U <fmt> Like -D, in UTC.

-d and -u format times as %Y-%m-%dT%H:%M:%S%z unless the environment variable
HERON_CUT_TIMEFMT or ZEEK_CUT_TIMEFMT holds another format.
`

// envFunc looks an environment variable up, as os.LookupEnv.
type envFunc func(string) (string, bool)

func main() {
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status: 0 on success, 1 for
// a bad log header, bad options or -h (as zeek-cut).
func run(args []string, env envFunc, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, env, stderr)
	if err != nil {
		if err != errUsage {
			fmt.Fprintf(stderr, "heron-cut: %v\n", err)
			return 1
		}
		io.WriteString(stdout, usageText)
		return 1
	}
	out := bufio.NewWriterSize(stdout, 64<<10)
	c := newCutter(opts, env, out, stderr)
	status := c.process(stdin)
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "heron-cut: writing output: %v\n", err)
		return 1
	}
	return status
}

// errUsage asks for the help text and exit status 1.
var errUsage = fmt.Errorf("usage")

// parseArgs reads the command line as zeek-cut's getopt_long does
// (optstring "cCmMnF:duD:U:h", long option --help): options may follow
// column names (GNU permutation), "--" ends the options, later header and
// time options override earlier ones. getopt's own complaints go to
// stderr and end in the help text.
func parseArgs(args []string, env envFunc, stderr io.Writer) (*options, error) {
	o := &options{}
	timeFmt, fromEnv := "", false
	for _, name := range []string{"HERON_CUT_TIMEFMT", "ZEEK_CUT_TIMEFMT"} {
		if v, ok := env(name); ok {
			timeFmt, fromEnv = v, true
			break
		}
	}
	if !fromEnv {
		if v, ok := env("BRO_CUT_TIMEFMT"); ok {
			fmt.Fprintln(stderr, "heron-cut warning: using legacy environment variable BRO_CUT_TIMEFMT, set ZEEK_CUT_TIMEFMT instead")
			timeFmt, fromEnv = v, true
		}
	}
	if !fromEnv {
		timeFmt = "%Y-%m-%dT%H:%M:%S%z"
	}
	o.timeFmt = timeFmt
	var ofs string
	haveOFS := false

	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.columns = append(o.columns, args[i+1:]...)
			i = len(args)
			continue
		case strings.HasPrefix(a, "--"):
			name, _, hasValue := strings.Cut(a[2:], "=")
			if name == "" || !strings.HasPrefix("help", name) {
				fmt.Fprintf(stderr, "heron-cut: unrecognized option '%s'\n", a)
				return nil, errUsage
			}
			if hasValue {
				fmt.Fprintf(stderr, "heron-cut: option '--help' doesn't allow an argument\n")
			}
			return nil, errUsage
		case len(a) < 2 || a[0] != '-':
			o.columns = append(o.columns, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			switch c {
			case 'c':
				o.minimal, o.showHeader = false, 1
			case 'C':
				o.minimal, o.showHeader = false, 2
			case 'm':
				o.minimal, o.showHeader = true, 1
			case 'M':
				o.minimal, o.showHeader = true, 2
			case 'n':
				o.negate = true
			case 'd':
				o.timeConv = 1
			case 'u':
				o.timeConv = 2
			case 'h':
				return nil, errUsage
			case 'F', 'D', 'U':
				var v string
				if j+1 < len(a) {
					v = a[j+1:]
				} else if i+1 < len(args) {
					i++
					v = args[i]
				} else {
					fmt.Fprintf(stderr, "heron-cut: option requires an argument -- '%c'\n", c)
					return nil, errUsage
				}
				switch c {
				case 'F':
					if len(v) != 1 {
						return nil, fmt.Errorf("field separator must be a single character")
					}
					ofs, haveOFS = v, true
				case 'D':
					o.timeConv, o.timeFmt = 1, v
				case 'U':
					o.timeConv, o.timeFmt = 2, v
				}
				j = len(a)
			default:
				fmt.Fprintf(stderr, "heron-cut: invalid option -- '%c'\n", c)
				return nil, errUsage
			}
		}
	}
	if haveOFS {
		o.ofs = ofs[0]
	}
	if o.timeConv != 0 && o.timeFmt == "" {
		return nil, fmt.Errorf("time format string cannot be empty")
	}
	return o, nil
}
