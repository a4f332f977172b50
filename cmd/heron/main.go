package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	inv, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "heron: %v\n", err)
		return 2
	}
	switch {
	case inv.help:
		fmt.Fprint(stdout, usage)
		return 0
	case inv.version:
		fmt.Fprintf(stdout, "heron %s (Zeek scripts from %s)\n", version, zeekCommit())
		return 0
	case inv.helpOptions:
		listOptions(stdout)
		return 0
	case inv.components:
		listComponents(stdout)
		return 0
	case inv.selfTest:
		return fanoutSelfTest(stdout, stderr)
	case inv.clusterNodeName() != "":
		return inv.runCluster(stdout, stderr)
	}
	return inv.execute(stdout, stderr)
}
