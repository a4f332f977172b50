package mysql

import (
	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/logging"
)

// Log is the mysql.log stream, written while base/protocols/mysql is
// loaded.
var Log = analyzer.DeclareLog[Info]("mysql", "base/protocols/mysql", logging.WithID("mysql::LOG"))

func init() {
	// Zeek detects MySQL by its ports only (MySQL::ports); there are no
	// signatures.
	analyzer.Register(analyzer.Info{
		Name:      "MYSQL",
		Transport: analyzer.TCP,
		Script:    "base/protocols/mysql",
		New:       newAnalyzer,
	})
}
