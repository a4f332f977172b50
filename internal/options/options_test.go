package options

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/zeek"
)

// testVars are the Go variables behind a registry of test-only options.
type testVars struct {
	b     bool
	c     uint64
	i     int64
	d     float64
	iv    zeek.Interval
	s     string
	e     string
	p     zeek.Port
	a     zeek.Addr
	sn    zeek.Subnet
	nets  []zeek.Subnet
	strs  []string
	cnts  []uint64
	ports []zeek.Port
	addrs []zeek.Addr
}

func newTestRegistry() (*Registry, *testVars) {
	v := &testVars{
		c:    10,
		iv:   5 * zeek.Minute,
		s:    "/var/log",
		e:    "JSON::TS_EPOCH",
		p:    zeek.Port{Num: 80, Proto: zeek.ProtoTCP},
		a:    netip.MustParseAddr("127.0.0.1"),
		sn:   netip.MustParsePrefix("10.0.0.0/8"),
		nets: []zeek.Subnet{netip.MustParsePrefix("192.168.0.0/16")},
	}
	r := NewRegistry()
	r.Register("Test::flag", BoolValue(&v.b), "a bool")
	r.Register("Test::count", CountValue(&v.c), "a count")
	r.Register("Test::int", IntValue(&v.i), "an int")
	r.Register("Test::double", DoubleValue(&v.d), "a double")
	r.Register("Test::timeout", IntervalValue(&v.iv), "an interval")
	r.Register("Test::dir", StringValue(&v.s), "a string")
	r.Register("Test::ts", EnumValue(&v.e, []string{"JSON::TS_EPOCH", "JSON::TS_MILLIS", "JSON::TS_ISO8601"}), "an enum")
	r.Register("Test::port", PortValue(&v.p), "a port")
	r.Register("Test::addr", AddrValue(&v.a), "an addr")
	r.Register("Test::subnet", SubnetValue(&v.sn), "a subnet")
	r.Register("Test::nets", SetSubnetValue(&v.nets), "a set[subnet]")
	r.Register("Test::strs", SetStringValue(&v.strs), "a set[string]")
	r.Register("Test::counts", SetCountValue(&v.cnts), "a set[count]")
	r.Register("Test::ports", SetPortValue(&v.ports), "a set[port]")
	r.Register("Test::addrs", SetAddrValue(&v.addrs), "a set[addr]")
	r.Register("global_flag", BoolValue(new(bool)), "a global-module option")
	return r, v
}

func TestIsAssignment(t *testing.T) {
	for arg, want := range map[string]bool{
		"LogAscii::use_json=T":           true,
		"Site::local_nets+={1.2.3.0/24}": true,
		"x=":                             true,
		"=":                              true,
		"foo=bar.zeek":                   true, // zeek's rule: any '='
		"base/protocols/conn":            false,
		"local":                          false,
		"Zeek::AF_Packet":                false,
	} {
		if got := IsAssignment(arg); got != want {
			t.Errorf("IsAssignment(%q) = %v", arg, got)
		}
	}
}

func TestApply(t *testing.T) {
	r, v := newTestRegistry()
	steps := []struct {
		arg   string
		check func() bool
	}{
		{"Test::flag=T", func() bool { return v.b }},
		{"Test::flag=F", func() bool { return !v.b }},
		{"Test::count=0x20", func() bool { return v.c == 32 }},
		{"Test::count+=8", func() bool { return v.c == 40 }},
		{"Test::count-=40", func() bool { return v.c == 0 }},
		{"Test::int=-7", func() bool { return v.i == -7 }},
		{"Test::int+=10", func() bool { return v.i == 3 }},
		{"Test::int-=5", func() bool { return v.i == -2 }},
		{"Test::double=1e3", func() bool { return v.d == 1000 }},
		{"Test::double+=.5", func() bool { return v.d == 1000.5 }},
		{"Test::double=7", func() bool { return v.d == 7 }},
		{"Test::timeout=30 secs", func() bool { return v.iv == 30*zeek.Second }},
		{"Test::timeout+=1min", func() bool { return v.iv == 90*zeek.Second }},
		{"Test::timeout-=100 msec", func() bool { return v.iv == 89900*zeek.Millisecond }},
		// Strings are taken as they stand, as zeek quotes them.
		{"Test::dir=/tmp/x", func() bool { return v.s == "/tmp/x" }},
		{"Test::dir=with space", func() bool { return v.s == "with space" }},
		{`Test::dir=a\x41\tb`, func() bool { return v.s == "aA\tb" }},
		{`Test::dir=say \"hi\"`, func() bool { return v.s == `say "hi"` }},
		{"Test::dir=", func() bool { return v.s == "" }},
		{"Test::dir+=log", func() bool { return v.s == "log" }},
		{"Test::dir+=s", func() bool { return v.s == "logs" }},
		{"Test::ts=JSON::TS_MILLIS", func() bool { return v.e == "JSON::TS_MILLIS" }},
		{"Test::port=53/udp", func() bool { return v.p == zeek.Port{Num: 53, Proto: zeek.ProtoUDP} }},
		{"Test::addr=[2001:db8::1]", func() bool { return v.a == netip.MustParseAddr("2001:db8::1") }},
		{"Test::subnet=172.16.5.4/12", func() bool { return v.sn == netip.MustParsePrefix("172.16.0.0/12") }},
		{"Test::nets={10.0.0.0/8, 192.168.0.0/16}", func() bool {
			return slices.Equal(v.nets, []zeek.Subnet{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/16")})
		}},
		{"Test::nets+={172.16.0.0/12, 10.0.0.0/8}", func() bool { return len(v.nets) == 3 && v.nets[2] == netip.MustParsePrefix("172.16.0.0/12") }},
		{"Test::nets-={10.0.0.0/8}", func() bool { return len(v.nets) == 2 && v.nets[0] == netip.MustParsePrefix("192.168.0.0/16") }},
		{"Test::nets-={1.0.0.0/8}", func() bool { return len(v.nets) == 2 }},
		{"Test::nets=set([2001:db8::]/32)", func() bool { return len(v.nets) == 1 && v.nets[0].Addr().Is6() }},
		{"Test::nets={}", func() bool { return len(v.nets) == 0 }},
		{`Test::strs={"a", "b,c", "a"}`, func() bool { return slices.Equal(v.strs, []string{"a", "b,c"}) }},
		{"Test::counts=set(1, 0x2, 3,)", func() bool { return slices.Equal(v.cnts, []uint64{1, 2, 3}) }},
		{"Test::ports+={22/tcp}", func() bool { return slices.Equal(v.ports, []zeek.Port{{Num: 22, Proto: zeek.ProtoTCP}}) }},
		{"Test::addrs={1.2.3.4, [::1]}", func() bool { return len(v.addrs) == 2 }},
		// Blanks around the operator and value, as the scanner skips them.
		{"Test::count += 1", func() bool { return v.c == 1 }},
		{"Test::flag= T ", func() bool { return v.b }},
		{"global_flag=T", func() bool { return r.Lookup("global_flag").String() == "T" }},
	}
	for _, st := range steps {
		if err := r.Apply(st.arg); err != nil {
			t.Errorf("Apply(%q): %v", st.arg, err)
			continue
		}
		if !st.check() {
			t.Errorf("Apply(%q): variable not as expected (%+v)", st.arg, *v)
		}
	}
}

func TestApplyErrors(t *testing.T) {
	r, v := newTestRegistry()
	tests := []struct {
		arg, msg string
	}{
		{"Foo::bar=T", `options: unknown option "Foo::bar" (heron --help-options lists them)`},
		{"test::flag=T", `unknown option "test::flag"`},
		{"=T", "want ID=VALUE"},
		{"Test::flag", "want ID=VALUE"},
		{"Test::flag*=T", "want ID=VALUE"},
		{"Test::flag.x=T", "want ID=VALUE"},
		{"Test::flag=", "options: Test::flag: must assign a non-empty value"},
		{"Test::nets=  ", "must assign a non-empty value"},
		{"Test::flag=true", `options: Test::flag: cannot parse "true" as bool: want T or F`},
		{"Test::nets={10.0.0/8}", `options: Test::nets: cannot parse "{10.0.0/8}" as set[subnet]: element 10.0.0/8: `},
		{"Test::nets=10.0.0.0/8", "as set[subnet]: want a set such as { a, b } or set(a, b)"},
		{"Test::count=-1", `cannot parse "-1" as count`},
		{"Test::count-=11", "a count cannot become negative"},
		{"Test::count+=18446744073709551615", "count out of range"},
		{"Test::timeout=300", "as interval: want a number and a unit"},
		{`Test::dir="quoted"`, `cannot parse "\"quoted\"" as string`},
		{`Test::dir=ends\`, "lone"},
		{"Test::dir-=x", "options: Test::dir: -= does not apply to string"},
		{"Test::flag+=T", "options: Test::flag: += does not apply to bool"},
		{"Test::ts+=JSON::TS_MILLIS", "+= does not apply to enum"},
		{"Test::ts=TS_MILLIS", "write the full name JSON::TS_MILLIS"},
		{"Test::port=80", "as port"},
		{"Test::addr=::1", "write an IPv6 address in brackets: [::1]"},
		{"Test::subnet=10.0.0.0/40", "prefix length 40 longer than 32"},
	}
	before := *v
	before.nets = slices.Clone(v.nets)
	for _, tt := range tests {
		err := r.Apply(tt.arg)
		if err == nil {
			t.Errorf("Apply(%q) succeeded", tt.arg)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Apply(%q) = %q; want it to contain %q", tt.arg, err, tt.msg)
		}
		if !strings.HasPrefix(err.Error(), "options: ") || strings.Contains(err.Error(), "\n") {
			t.Errorf("Apply(%q) = %q: not one line with the component prefix", tt.arg, err)
		}
	}
	// Failed applications leave the variables alone.
	if v.b != before.b || v.c != before.c || v.iv != before.iv || v.s != before.s || v.e != before.e ||
		v.p != before.p || v.a != before.a || v.sn != before.sn || !slices.Equal(v.nets, before.nets) {
		t.Errorf("failed Apply changed a variable: %+v, was %+v", *v, before)
	}
}

func TestList(t *testing.T) {
	r, _ := newTestRegistry()
	if err := r.Apply("Test::timeout=90 mins"); err != nil {
		t.Fatal(err)
	}
	list := r.List()
	if len(list) != 16 {
		t.Fatalf("List() has %d options", len(list))
	}
	if !slices.IsSortedFunc(list, func(a, b Info) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("List() not sorted")
	}
	want := map[string]Info{
		"Test::timeout": {Name: "Test::timeout", Type: "interval", Default: "5.0 mins", Current: "1.0 hr 30.0 mins", Doc: "an interval"},
		"Test::nets":    {Name: "Test::nets", Type: "set[subnet]", Default: "{192.168.0.0/16}", Current: "{192.168.0.0/16}", Doc: "a set[subnet]"},
		"Test::dir":     {Name: "Test::dir", Type: "string", Default: `"/var/log"`, Current: `"/var/log"`, Doc: "a string"},
		"Test::ts":      {Name: "Test::ts", Type: "enum", Default: "JSON::TS_EPOCH", Current: "JSON::TS_EPOCH", Doc: "an enum"},
		"Test::count":   {Name: "Test::count", Type: "count", Default: "10", Current: "10", Doc: "a count"},
		"Test::double":  {Name: "Test::double", Type: "double", Default: "0.0", Current: "0.0", Doc: "a double"},
		"Test::flag":    {Name: "Test::flag", Type: "bool", Default: "F", Current: "F", Doc: "a bool"},
		"Test::port":    {Name: "Test::port", Type: "port", Default: "80/tcp", Current: "80/tcp", Doc: "a port"},
		"Test::strs":    {Name: "Test::strs", Type: "set[string]", Default: "{}", Current: "{}", Doc: "a set[string]"},
	}
	for _, in := range list {
		if w, ok := want[in.Name]; ok && in != w {
			t.Errorf("List: %+v; want %+v", in, w)
		}
	}
}

func TestRegisterPanics(t *testing.T) {
	var b bool
	e := "A::x"
	for name, f := range map[string]func(r *Registry){
		"duplicate":    func(r *Registry) { r.Register("Test::flag", BoolValue(&b), "") },
		"bad name":     func(r *Registry) { r.Register("Test::", BoolValue(&b), "") },
		"name with =":  func(r *Registry) { r.Register("a=b", BoolValue(&b), "") },
		"nil value":    func(r *Registry) { r.Register("Test::nil", nil, "") },
		"nil pointer":  func(r *Registry) { r.Register("Test::nilp", BoolValue(nil), "") },
		"enum default": func(r *Registry) { r.Register("Test::e", EnumValue(&e, []string{"A::y"}), "") },
		"enum empty":   func(r *Registry) { r.Register("Test::e", EnumValue(&e, nil), "") },
		"enum ident":   func(r *Registry) { r.Register("Test::e", EnumValue(&e, []string{"A::x", "not an id"}), "") },
	} {
		r, _ := newTestRegistry()
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f(r)
		}()
	}
}

// The package-level helpers register in Default.
func TestDefaultHelpers(t *testing.T) {
	saved := Default
	Default = NewRegistry()
	defer func() { Default = saved }()
	var (
		b  bool
		c  uint64
		i  int64
		d  float64
		iv zeek.Interval
		s  string
		e  = "X::A"
		p  zeek.Port
		a  zeek.Addr
		sn zeek.Subnet
		ns []zeek.Subnet
		as []zeek.Addr
		ss []string
		cs []uint64
		ps []zeek.Port
	)
	Bool("H::bool", &b, "")
	Count("H::count", &c, "")
	Int("H::int", &i, "")
	Double("H::double", &d, "")
	Interval("H::interval", &iv, "")
	String("H::string", &s, "")
	Enum("H::enum", &e, []string{"X::A", "X::B"}, "")
	Port("H::port", &p, "")
	Addr("H::addr", &a, "")
	Subnet("H::subnet", &sn, "")
	SetSubnet("H::nets", &ns, "")
	SetAddr("H::addrs", &as, "")
	SetString("H::strs", &ss, "")
	SetCount("H::counts", &cs, "")
	SetPort("H::ports", &ps, "")
	if n := len(List()); n != 15 {
		t.Errorf("Default has %d options", n)
	}
	for _, arg := range []string{"H::bool=T", "H::count=1", "H::int=-1", "H::double=1.5", "H::interval=1 sec",
		"H::string=x", "H::enum=X::B", "H::port=1/udp", "H::addr=1.2.3.4", "H::subnet=1.2.3.0/24",
		"H::nets={1.2.3.0/24}", "H::addrs={1.2.3.4}", `H::strs={"x"}`, "H::counts={1}", "H::ports={1/udp}"} {
		if err := Apply(arg); err != nil {
			t.Errorf("Apply(%q): %v", arg, err)
		}
	}
	if !b || c != 1 || i != -1 || d != 1.5 || iv != zeek.Second || s != "x" || e != "X::B" || p.Num != 1 ||
		!a.IsValid() || !sn.IsValid() || len(ns) != 1 || len(as) != 1 || len(ss) != 1 || len(cs) != 1 || len(ps) != 1 {
		t.Error("a helper did not bind its variable")
	}
}

func BenchmarkApplySet(b *testing.B) {
	r, _ := newTestRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Apply("Test::nets={10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, [fc00::]/7}"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChainAndReset: a registry chained to another applies, looks up and
// lists the other's options too, and ResetAll restores defaults.
func TestChainAndReset(t *testing.T) {
	var a, b uint64 = 1, 2
	var s = "x"
	var nets []zeek.Subnet
	own, shared := NewRegistry(), NewRegistry()
	own.Register("A::a", CountValue(&a), "a")
	shared.Register("B::b", CountValue(&b), "b")
	shared.Register("B::s", StringValue(&s), "s")
	shared.Register("B::nets", SetSubnetValue(&nets), "nets")
	own.Chain(shared)
	for _, arg := range []string{"A::a=10", "B::b=20", "B::s=hello there", "B::nets={10.0.0.0/8}", "B::nets+={192.168.0.0/16}"} {
		if err := own.Apply(arg); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
	}
	if a != 10 || b != 20 || s != "hello there" || len(nets) != 2 {
		t.Fatalf("a=%d b=%d s=%q nets=%v", a, b, s, nets)
	}
	if own.Lookup("B::b") == nil || len(own.List()) != 4 {
		t.Errorf("chained lookup or list: %v", own.List())
	}
	if err := own.Apply("C::c=1"); err == nil {
		t.Error("an unknown option was accepted")
	}
	if err := shared.ResetAll(); err != nil {
		t.Fatal(err)
	}
	if b != 2 || s != "x" || len(nets) != 0 || a != 10 {
		t.Errorf("after ResetAll: a=%d b=%d s=%q nets=%v", a, b, s, nets)
	}
}
