package notice

import (
	"slices"
	"testing"

	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/zeek"
)

func TestOptions(t *testing.T) {
	cfg := DefaultConfig()
	r := options.NewRegistry()
	cfg.Options(r)
	for _, a := range []string{
		"Notice::ignored_types={ Weird::Activity, Test_Notice, }",
		"Notice::alarmed_types+=set(Test::Other)",
		"Notice::alarmed_types+={Test::Other, Notice::Tally}",
		"Notice::ignored_types-={Test_Notice}",
		"Notice::default_suppression_interval=5min",
		"Notice::mail_dest=noc@example.net",
	} {
		if err := r.Apply(a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	if !slices.Equal(cfg.IgnoredTypes, []Type{WeirdActivity}) || !slices.Equal(cfg.AlarmedTypes, []Type{otherType, Tally}) ||
		cfg.DefaultSuppressionInterval != 5*zeek.Minute || cfg.MailDest != "noc@example.net" {
		t.Fatalf("%+v", cfg)
	}
	if got := r.Lookup("Notice::alarmed_types").String(); got != "{Test::Other, Notice::Tally}" {
		t.Errorf("String %q", got)
	}
	for _, bad := range []string{
		"Notice::ignored_types={No::Such}",
		"Notice::ignored_types=Weird::Activity",
		"Notice::ignored_types={a b}",
		"Notice::ignored_types=set(Weird::Activity",
	} {
		if err := r.Apply(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if !slices.Equal(cfg.IgnoredTypes, []Type{WeirdActivity}) {
		t.Errorf("failed assignment changed the value: %v", cfg.IgnoredTypes)
	}
}

func TestParseTypeSet(t *testing.T) {
	cases := []struct {
		in   string
		want []Type
		ok   bool
	}{
		{"{}", []Type{}, true},
		{" { } ", []Type{}, true},
		{"set()", []Type{}, true},
		{"{Weird::Activity,Weird::Activity}", []Type{WeirdActivity}, true},
		{"set( Notice::Tally , )", []Type{Tally}, true},
		{"{,}", nil, false},
		{"{Weird::Activity,,Notice::Tally}", nil, false},
		{"Weird::Activity", nil, false},
		{"{", nil, false},
	}
	for _, c := range cases {
		got, err := ParseTypeSet(c.in)
		if (err == nil) != c.ok || (c.ok && !slices.Equal(got, c.want)) {
			t.Errorf("ParseTypeSet(%q) = %v, %v", c.in, got, err)
		}
	}
}

func FuzzParseTypeSet(f *testing.F) {
	for _, s := range []string{"{}", "set(Weird::Activity)", "{ Notice::Tally, Weird::Activity, }", "{a::b", "set", "{,,}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseTypeSet(s)
		if err != nil {
			return
		}
		seen := map[Type]bool{}
		for _, x := range ts {
			if _, ok := LookupType(string(x)); !ok {
				t.Fatalf("unregistered type %q from %q", x, s)
			}
			if seen[x] {
				t.Fatalf("repeated %q in %v", x, ts)
			}
			seen[x] = true
		}
	})
}
