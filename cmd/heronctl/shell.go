package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// interactive tells whether standard input is a terminal (a variable for
// the tests).
var interactive = func() bool {
	_, err := unix.IoctlGetTermios(int(os.Stdin.Fd()), unix.TCGETS)
	return err == nil
}

const shellPrompt = "[HeronControl] > "

// shell reads commands from in, one per line, and runs them as the
// command line would, until EOF, "exit" or "quit", as zeekctl's shell.
// It returns the status of the last command.
func shell(e *env, in io.Reader) int {
	fmt.Fprintf(e.stdout, "\nWelcome to HeronControl %s\n\nType \"help\" for help.\n\n", version)
	sc := bufio.NewScanner(in)
	status := exitOK
	for {
		fmt.Fprint(e.stdout, shellPrompt)
		if !sc.Scan() {
			fmt.Fprintln(e.stdout)
			return status
		}
		words, err := splitWords(sc.Text())
		if err != nil {
			fmt.Fprintf(e.stderr, "heronctl: %v\n", err)
			status = exitUsage
			continue
		}
		if len(words) == 0 {
			continue
		}
		if words[0] == "exit" || words[0] == "quit" {
			return status
		}
		cmd := lookup(words[0])
		if cmd == nil || cmd.hidden {
			fmt.Fprintf(e.stderr, "heronctl: unknown command %q (help lists the commands)\n", words[0])
			status = exitUsage
			continue
		}
		status = cmd.run(e, cmd, words[1:])
	}
}

// splitWords splits a shell line into words: blanks separate them, single
// and double quotes group, a backslash escapes the next character.
func splitWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '\'':
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case quote == '"':
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote", quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
