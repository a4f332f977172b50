// Command gen-zeek-scripts writes Heron's catalog of Zeek script names,
// @load edges and port registrations (internal/scripts/zeek-scripts.txt)
// from a Zeek checkout's scripts/ directory. It stops with an error when a
// register_for_ports call or the port set it names has a shape it does not
// understand, rather than leave ports out.
//
// Usage:
//
//	go run ./tools/gen-zeek-scripts [-commit HASH] [-o FILE] ZEEK/scripts
//
// Without -o the catalog goes to standard output. The commit is written into
// the header; without -commit the tool asks git in the checkout.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/heron-nsm/heron/internal/scripts"
)

func main() {
	commit := flag.String("commit", "", "Zeek commit the scripts come from (default: ask git in the checkout)")
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen-zeek-scripts [-commit HASH] [-o FILE] ZEEK/scripts\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *commit, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen-zeek-scripts:", err)
		os.Exit(1)
	}
}

func run(dir, commit, out string) error {
	if st, err := os.Stat(dir); err != nil {
		return err
	} else if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if commit == "" {
		commit = gitHead(dir)
	}
	data, err := scripts.Generate(os.DirFS(dir), commit)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(data)
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// gitHead returns the commit checked out at dir, or "" when git cannot say.
func gitHead(dir string) string {
	cmd := exec.Command("git", "-C", filepath.Clean(dir), "rev-parse", "HEAD")
	b, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
