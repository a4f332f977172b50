package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// TestColumnKindsMatchZeek reads the &log fields of Zeek's scripts and
// checks the name lists columnKind relies on: every time field is listed
// as a time, every double field as a double, and no listed name is, in
// any log, a field whose JSON number would be misread (a time name that is
// elsewhere a count, a double name that is elsewhere an interval, ...).
func TestColumnKindsMatchZeek(t *testing.T) {
	src := refdata.ZeekSource(t)
	field := regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^&;=]+?)\s*(&[^;]*)?;`)
	types := map[string]map[string]bool{} // field name -> base types logged
	err := filepath.WalkDir(filepath.Join(src, "scripts"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".zeek") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(data), "\n") {
			m := field.FindStringSubmatch(line)
			if m == nil || !strings.Contains(m[3], "&log") {
				continue
			}
			typ := strings.TrimSpace(m[2])
			typ = strings.TrimPrefix(typ, "vector of ")
			if strings.HasPrefix(typ, "set[") {
				typ = strings.TrimSuffix(strings.TrimPrefix(typ, "set["), "]")
			}
			if types[m[1]] == nil {
				types[m[1]] = map[string]bool{}
			}
			types[m[1]][typ] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(types) < 500 {
		t.Fatalf("found only %d logged field names in %s/scripts", len(types), src)
	}
	numeric := []string{"time", "interval", "double", "count", "int", "port"}
	for name, ts := range types {
		kind := columnKind(name)
		for _, typ := range numeric {
			if !ts[typ] {
				continue
			}
			switch {
			case typ == "time" && kind != kindTime:
				t.Errorf("Zeek logs %s as a time; add it to timeColumns", name)
			case typ == "double" && kind != kindDouble:
				t.Errorf("Zeek logs %s as a double; add it to doubleColumns", name)
			case kind == kindTime && typ != "time":
				t.Errorf("%s is in timeColumns but Zeek also logs it as %s", name, typ)
			case kind == kindDouble && typ != "double":
				t.Errorf("%s is in doubleColumns but Zeek also logs it as %s", name, typ)
			}
		}
	}
	// Fields of records logged whole (geo_location) have no &log of
	// their own; they are listed by hand.
	for _, name := range []string{"latitude", "longitude"} {
		if columnKind(name) != kindDouble {
			t.Errorf("%s should be a double", name)
		}
	}
}
