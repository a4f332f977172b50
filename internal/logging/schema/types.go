package schema

// Kind is a Zeek type tag as it appears in a log's #types line.
type Kind uint8

// Zeek's loggable types.
const (
	KindInvalid Kind = iota
	KindBool
	KindInt
	KindCount
	KindDouble
	KindTime
	KindInterval
	KindString
	KindEnum
	KindPort
	KindAddr
	KindSubnet
	KindSet
	KindVector
)

var kindNames = [...]string{
	KindInvalid:  "invalid",
	KindBool:     "bool",
	KindInt:      "int",
	KindCount:    "count",
	KindDouble:   "double",
	KindTime:     "time",
	KindInterval: "interval",
	KindString:   "string",
	KindEnum:     "enum",
	KindPort:     "port",
	KindAddr:     "addr",
	KindSubnet:   "subnet",
	KindSet:      "set",
	KindVector:   "vector",
}

// String returns Zeek's name of the type tag ("count", "set").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Type is a column's Zeek type: a scalar kind, or a set or vector with the
// kind of its elements in Elem.
type Type struct {
	Kind Kind
	Elem Kind // element kind of a set or vector; KindInvalid otherwise
}

// IsContainer reports whether t is a set or a vector.
func (t Type) IsContainer() bool { return t.Kind == KindSet || t.Kind == KindVector }

// String returns the type as Zeek writes it in #types ("time",
// "set[string]", "vector[interval]").
func (t Type) String() string {
	if t.IsContainer() {
		return t.Kind.String() + "[" + t.Elem.String() + "]"
	}
	return t.Kind.String()
}

// AppendTo appends t.String() to b.
func (t Type) AppendTo(b []byte) []byte {
	b = append(b, t.Kind.String()...)
	if t.IsContainer() {
		b = append(b, '[')
		b = append(b, t.Elem.String()...)
		b = append(b, ']')
	}
	return b
}
