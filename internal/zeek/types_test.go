package zeek

import "testing"

func TestAppendFixed6(t *testing.T) {
	cases := []struct {
		ns   int64
		want string
	}{
		{0, "0.000000"},
		{1, "0.000000"},
		{499, "0.000000"},
		{500, "0.000001"},
		{1332784786723256000, "1332784786.723256"},
		{1332784786723256499, "1332784786.723256"},
		{1332784786723256500, "1332784786.723257"},
		{999999500, "1.000000"},
		{-1000, "-0.000001"},
		{-400, "0.000000"},
		{-1500000000, "-1.500000"},
	}
	for _, c := range cases {
		if got := string(AppendFixed6(nil, c.ns)); got != c.want {
			t.Errorf("AppendFixed6(%d) = %q, want %q", c.ns, got, c.want)
		}
	}
}
