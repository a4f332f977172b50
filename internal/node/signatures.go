package node

import (
	"fmt"
	"os"

	"github.com/heron-nsm/heron/internal/analyzer"
	"github.com/heron-nsm/heron/internal/signatures"
)

// compileSignatures gathers the detection signatures of the enabled
// analyzers and the user's signature files into one compiled set (nil
// when there are none).
func compileSignatures(analyzers []string, files []string) (*signatures.Set, error) {
	var all []*signatures.Signature
	for _, name := range analyzers {
		info := analyzer.Lookup(name)
		if info == nil || info.Signatures == "" {
			continue
		}
		sigs, err := signatures.ParseBytes([]byte(info.Signatures), "analyzer "+info.Name)
		if err != nil {
			return nil, fmt.Errorf("detection signatures of %s: %w", info.Name, err)
		}
		all = append(all, sigs...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("signature file: %w", err)
		}
		sigs, err := signatures.ParseBytes(data, f)
		if err != nil {
			return nil, err
		}
		all = append(all, sigs...)
	}
	if len(all) == 0 {
		return nil, nil
	}
	return signatures.Compile(all)
}
