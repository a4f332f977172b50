package signatures

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// TestParseZeekScripts parses and compiles every .sig file shipped with
// Zeek's scripts (read in place; skipped when the checkout is absent).
func TestParseZeekScripts(t *testing.T) {
	root := filepath.Join(refdata.ZeekSource(t), "scripts")
	var all []*Signature
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".sig") {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sigs, err := Parse(f, path)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		n++
		all = append(all, sigs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Fatalf("only %d signature files found", n)
	}
	set, err := Compile(all)
	if err != nil {
		t.Fatalf("compile %d signatures: %v", len(all), err)
	}
	if !set.HasFileMagic() || !set.HasConnRules() {
		t.Fatalf("file magic %v, conn rules %v", set.HasFileMagic(), set.HasConnRules())
	}
	t.Logf("%d files, %d signatures, %d pattern groups", n, len(all), set.NumGroups())
}
