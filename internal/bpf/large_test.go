package bpf

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLargeExpressions compiles pathological expressions: deep nesting,
// long chains and lists. They must compile or fail cleanly, without
// exponential time or stack exhaustion.
func TestLargeExpressions(t *testing.T) {
	var exprs []string
	var parts []string
	for i := 0; i < 20; i++ {
		parts = append(parts, fmt.Sprintf("(port %d or port %d)", 2*i+1, 2*i+2))
	}
	exprs = append(exprs, strings.Join(parts, " and "))
	parts = nil
	for i := 0; i < 30; i++ {
		parts = append(parts, fmt.Sprintf("(host 10.0.0.%d or tcp)", i))
	}
	exprs = append(exprs, strings.Join(parts, " and "))
	exprs = append(exprs, strings.Repeat("(", 3000)+"ip"+strings.Repeat(")", 3000))
	exprs = append(exprs, strings.Repeat("ip[", 200)+"0"+strings.Repeat("]", 200)+"=1")
	exprs = append(exprs, strings.Repeat("not ", 10000)+"ip")
	parts = nil
	for i := 0; i < 2000; i++ {
		parts = append(parts, fmt.Sprintf("port %d", i))
	}
	exprs = append(exprs, strings.Join(parts, " or "))
	exprs = append(exprs, strings.Join(parts, " and "))
	exprs = append(exprs, "1"+strings.Repeat("+1", 3000)+"=5")
	exprs = append(exprs, "ip[0]"+strings.Repeat("+ip[0]", 300)+"=5")
	for _, e := range exprs {
		for _, lt := range []uint32{LinkTypeEthernet, LinkTypeIEEE80211} {
			st := time.Now()
			p, err := Compile(e, lt, 0)
			if err != nil {
				var ce *Error
				if !errors.As(err, &ce) || ce.Err == ErrSyntax {
					t.Errorf("%.40s...: %v", e, err)
				}
				continue
			}
			if d := time.Since(st); d > 10*time.Second {
				t.Errorf("%.40s...: compiling took %v", e, d)
			}
			if err := Validate(p.insns); err != nil {
				t.Error(err)
			}
		}
	}
}
