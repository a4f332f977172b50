package options

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Registry holds the options Heron implements. Register during package
// initialization; Apply at startup, before the options are read.
type Registry struct {
	mu   sync.Mutex
	opts map[string]*entry
	next *Registry // consulted for names r does not hold (Chain)
}

// Chain makes r fall back to next for options it does not hold: Apply,
// Lookup and List see both (r's own take precedence). The command line
// chains its per-run registry to Default, where packages register their
// options at init.
func (r *Registry) Chain(next *Registry) {
	r.mu.Lock()
	r.next = next
	r.mu.Unlock()
}

// ResetAll sets every option of r (not of a chained registry) back to the
// value it had when registered, so that a process can configure more than
// one run.
func (r *Registry) ResetAll() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.opts {
		if err := e.v.Set(e.def); err != nil {
			return fmt.Errorf("options: resetting %s to %s: %w", e.name, e.def, err)
		}
	}
	return nil
}

type entry struct {
	name string
	v    Value
	def  string
	doc  string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{opts: make(map[string]*entry)} }

// Default is the registry the package-level functions use; heron's command
// line applies its ID=VALUE arguments to it.
var Default = NewRegistry()

// Register adds the option name (a Zeek identifier such as
// "LogAscii::use_json") controlled by v, with a one-line doc. The value v
// shows at registration is its default. Register panics when the name is not
// an identifier or is already registered, or v is nil: those are programming
// errors.
func (r *Registry) Register(name string, v Value, doc string) {
	if !isIdent(name) {
		panic(fmt.Sprintf("options: %q is not a Zeek identifier", name))
	}
	if v == nil {
		panic(fmt.Sprintf("options: %s registered without a value", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts[name] != nil {
		panic(fmt.Sprintf("options: %s registered twice", name))
	}
	r.opts[name] = &entry{name: name, v: v, def: v.String(), doc: doc}
}

// IsAssignment reports whether a command-line argument is an ID=VALUE
// redef rather than a script name: as in zeek, any argument containing '='.
func IsAssignment(arg string) bool { return strings.IndexByte(arg, '=') >= 0 }

// splitAssignment splits ID=VALUE, ID+=VALUE or ID-=VALUE as Zeek does: the
// identifier is the leading run of letters, digits, '_' and ':'; the
// operator is what lies between it and the next '='.
func splitAssignment(arg string) (id string, op byte, value string, err error) {
	i := 0
	for i < len(arg) {
		c := arg[i]
		if c == '_' || c == ':' || isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			i++
			continue
		}
		break
	}
	eq := strings.IndexByte(arg[i:], '=')
	if i == 0 || eq < 0 {
		return "", 0, "", fmt.Errorf("options: cannot parse %q: want ID=VALUE, ID+=VALUE or ID-=VALUE", arg)
	}
	id, value = arg[:i], arg[i+eq+1:]
	switch trim(arg[i : i+eq]) {
	case "":
		op = '='
	case "+":
		op = '+'
	case "-":
		op = '-'
	default:
		return "", 0, "", fmt.Errorf("options: cannot parse %q: want ID=VALUE, ID+=VALUE or ID-=VALUE", arg)
	}
	return id, op, value, nil
}

// Apply sets an option from one command-line argument: ID=VALUE replaces
// the value, ID+=VALUE adds (sets, numbers, strings) and ID-=VALUE removes
// (sets, numbers). VALUE is a Zeek literal of the option's type; for a
// string option it is the text itself, without quotes, as with zeek. On
// error the option keeps its value.
func (r *Registry) Apply(arg string) error {
	id, op, value, err := splitAssignment(arg)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.opts[id]
	if e == nil {
		if r.next != nil {
			return r.next.Apply(arg)
		}
		return fmt.Errorf("options: unknown option %q (heron --help-options lists them)", id)
	}
	typ := e.v.Type()
	lit := value
	if typ == "string" {
		lit = `"` + value + `"`
	} else if trim(value) == "" {
		return fmt.Errorf("options: %s: must assign a non-empty value", id)
	}
	switch op {
	case '=':
		err = e.v.Set(lit)
	default:
		acc, ok := e.v.(Accumulator)
		if !ok {
			err = errNoOperator
			break
		}
		if op == '+' {
			err = acc.Add(lit)
		} else {
			err = acc.Remove(lit)
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errNoOperator):
		return fmt.Errorf("options: %s: %c= does not apply to %s", id, op, typ)
	default:
		return fmt.Errorf("options: %s: cannot parse %q as %s: %w", id, value, typ, err)
	}
}

// Info describes one registered option.
type Info struct {
	// Name is the Zeek identifier.
	Name string
	// Type is the Zeek type, e.g. "set[subnet]".
	Type string
	// Default is the value at registration, shown as Zeek describes values.
	Default string
	// Current is the value now.
	Current string
	// Doc is the one-line description.
	Doc string
}

// List returns every registered option, sorted by name, for --help-options.
func (r *Registry) List() []Info {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Info, 0, len(r.opts))
	for _, e := range r.opts {
		out = append(out, Info{Name: e.name, Type: e.v.Type(), Default: e.def, Current: e.v.String(), Doc: e.doc})
	}
	if r.next != nil {
		for _, o := range r.next.List() {
			if r.opts[o.Name] == nil {
				out = append(out, o)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the Value registered as name, or nil.
func (r *Registry) Lookup(name string) Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.opts[name]; e != nil {
		return e.v
	}
	if r.next != nil {
		return r.next.Lookup(name)
	}
	return nil
}

// Register adds an option to Default; see (*Registry).Register.
func Register(name string, v Value, doc string) { Default.Register(name, v, doc) }

// Apply applies one ID=VALUE argument to Default; see (*Registry).Apply.
func Apply(arg string) error { return Default.Apply(arg) }

// List lists Default's options; see (*Registry).List.
func List() []Info { return Default.List() }

// Bool registers a bool option in Default.
func Bool(name string, p *bool, doc string) { Register(name, BoolValue(p), doc) }

// Count registers a count option in Default.
func Count(name string, p *uint64, doc string) { Register(name, CountValue(p), doc) }

// Int registers an int option in Default.
func Int(name string, p *int64, doc string) { Register(name, IntValue(p), doc) }

// Double registers a double option in Default.
func Double(name string, p *float64, doc string) { Register(name, DoubleValue(p), doc) }

// Interval registers an interval option in Default.
func Interval(name string, p *zeek.Interval, doc string) { Register(name, IntervalValue(p), doc) }

// String registers a string option in Default.
func String(name string, p *string, doc string) { Register(name, StringValue(p), doc) }

// Enum registers an enum option in Default; allowed lists the enum's
// names as Zeek writes them ("JSON::TS_EPOCH").
func Enum(name string, p *string, allowed []string, doc string) {
	Register(name, EnumValue(p, allowed), doc)
}

// Port registers a port option in Default.
func Port(name string, p *zeek.Port, doc string) { Register(name, PortValue(p), doc) }

// Addr registers an addr option in Default.
func Addr(name string, p *zeek.Addr, doc string) { Register(name, AddrValue(p), doc) }

// Subnet registers a subnet option in Default.
func Subnet(name string, p *zeek.Subnet, doc string) { Register(name, SubnetValue(p), doc) }

// SetSubnet registers a set[subnet] option in Default.
func SetSubnet(name string, p *[]zeek.Subnet, doc string) { Register(name, SetSubnetValue(p), doc) }

// SetAddr registers a set[addr] option in Default.
func SetAddr(name string, p *[]zeek.Addr, doc string) { Register(name, SetAddrValue(p), doc) }

// SetString registers a set[string] option in Default.
func SetString(name string, p *[]string, doc string) { Register(name, SetStringValue(p), doc) }

// SetCount registers a set[count] option in Default.
func SetCount(name string, p *[]uint64, doc string) { Register(name, SetCountValue(p), doc) }

// SetPort registers a set[port] option in Default.
func SetPort(name string, p *[]zeek.Port, doc string) { Register(name, SetPortValue(p), doc) }
