package supervise

import (
	"reflect"
	"testing"
)

// TestStopSequence: a host's nodes stop in the reverse of the plan's
// order, except that the manager stops after every other node (the
// loggers need its NATS server to archive their files at the stop).
func TestStopSequence(t *testing.T) {
	for _, tc := range []struct {
		types []string // in plan (start) order
		want  []int
	}{
		{[]string{"logger", "manager", "proxy"}, []int{2, 0, 1}},
		{[]string{"logger", "manager", "proxy", "worker", "worker"}, []int{4, 3, 2, 0, 1}},
		{[]string{"worker", "worker"}, []int{1, 0}},
		{[]string{"manager"}, []int{0}},
		{[]string{"logger", "logger", "manager"}, []int{1, 0, 2}},
		{[]string{"standalone"}, []int{0}},
		{nil, []int{}},
	} {
		var procs []*proc
		for _, typ := range tc.types {
			procs = append(procs, &proc{pn: &PlanNode{Name: typ, Type: typ}})
		}
		if got := stopSequence(procs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: stop sequence %v, want %v", tc.types, got, tc.want)
		}
	}
}
