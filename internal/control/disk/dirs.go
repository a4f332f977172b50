package disk

import "github.com/heron-nsm/heron/internal/control/config"

// Dirs returns the directories whose file systems heronctl's df shows and
// its housekeeping checks on a host, from heronctl.cfg: LogDir (only on a
// host whose nodes write logs — a logger, the manager or a standalone
// node — as zeekctl does), BinDir, CfgDir, SpoolDir and TmpDir. zeekctl's
// other directories (scripts, plugins, libraries) do not exist in a Heron
// installation.
func Dirs(s *config.Settings, writesLogs bool) []string {
	var dirs []string
	if writesLogs {
		dirs = append(dirs, s.String("LogDir"))
	}
	for _, k := range []string{"BinDir", "CfgDir", "SpoolDir", "TmpDir"} {
		dirs = append(dirs, s.String(k))
	}
	return dirs
}
