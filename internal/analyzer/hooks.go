package analyzer

import "sync"

// Packages take part in a node's start without the node knowing them:
// OnStart registers a function the node calls before the first packet,
// with the loaded scripts, and ExtendLog makes a loaded script add a
// column extension to a declared log.

var (
	hookMu     sync.Mutex
	startHooks []func(loaded func(script string) bool)
	logExts    []logExt
)

type logExt struct{ path, script, ext string }

// OnStart registers fn to run when a node starts, before any packet, with
// a function reporting whether a script (canonical name) is loaded. Use it
// to reset process-wide caches and to switch on what scripts enable.
func OnStart(fn func(loaded func(script string) bool)) {
	hookMu.Lock()
	defer hookMu.Unlock()
	startHooks = append(startHooks, fn)
}

// Start runs the OnStart functions; the node calls it once per run.
func Start(loaded func(script string) bool) {
	hookMu.Lock()
	hooks := append([]func(loaded func(string) bool){}, startHooks...)
	hookMu.Unlock()
	for _, fn := range hooks {
		fn(loaded)
	}
}

// ExtendLog says that when script is loaded, the declared log path gets
// the column extension ext (a name from the record type's ext tags, as
// Zeek scripts add fields to a log with redef). Call it from init.
func ExtendLog(path, script, ext string) {
	hookMu.Lock()
	defer hookMu.Unlock()
	logExts = append(logExts, logExt{path, script, ext})
}

// LogExtensions returns the scripts that extend logs, for the list of
// implemented scripts.
func LogExtensions() (paths, scripts, exts []string) {
	hookMu.Lock()
	defer hookMu.Unlock()
	for _, e := range logExts {
		paths = append(paths, e.path)
		scripts = append(scripts, e.script)
		exts = append(exts, e.ext)
	}
	return paths, scripts, exts
}
