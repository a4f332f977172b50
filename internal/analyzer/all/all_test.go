package all

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer"
)

// framework lists the directories under internal/analyzer that are part
// of the framework or shared by analyzers (mime: MIME entities for HTTP and
// SMTP; binpac: binpac's exception wording), not analyzers.
var framework = map[string]bool{"all": true, "support": true, "analyzertest": true, "mime": true, "binpac": true}

// TestEveryAnalyzerIsLinked: every analyzer directory is imported by
// all.go, and each registers an analyzer.
func TestEveryAnalyzerIsLinked(t *testing.T) {
	entries, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && !framework[e.Name()] && e.Name() != "testdata" {
			dirs = append(dirs, e.Name())
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "all.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	imported := map[string]bool{}
	for _, imp := range f.Imports {
		p := strings.Trim(imp.Path.Value, `"`)
		imported[filepath.Base(p)] = true
	}
	var missing []string
	for _, d := range dirs {
		if !imported[d] {
			missing = append(missing, d)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("analyzer directories not imported by all.go: %v", missing)
	}
	for d := range imported {
		if _, err := os.Stat(filepath.Join("..", d)); err != nil {
			t.Errorf("all.go imports %s, which is not a directory under internal/analyzer", d)
		}
	}
	if got := len(analyzer.Registered()); got < len(dirs) {
		t.Errorf("%d analyzers registered for %d analyzer directories", got, len(dirs))
	}
}
