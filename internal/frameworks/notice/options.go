package notice

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/heron-nsm/heron/internal/options"
)

// Options registers the framework's Zeek options that set fields of c.
// Notice::type_suppression_intervals (a table) is not among them: set
// Config.TypeSuppressionIntervals in Go.
func (c *Config) Options(r *options.Registry) {
	r.Register("Notice::default_suppression_interval", options.IntervalValue(&c.DefaultSuppressionInterval),
		"How long notices with the same type and identifier are suppressed (0: never).")
	r.Register("Notice::ignored_types", TypeSetValue(&c.IgnoredTypes), "Notice types that are neither logged nor acted on.")
	r.Register("Notice::emailed_types", TypeSetValue(&c.EmailedTypes), "Notice types mailed to Notice::mail_dest.")
	r.Register("Notice::alarmed_types", TypeSetValue(&c.AlarmedTypes), "Notice types also written to notice_alarm.log.")
	r.Register("Notice::not_suppressed_types", TypeSetValue(&c.NotSuppressedTypes), "Notice types that are never suppressed.")
	r.Register("Notice::lookup_location_types", TypeSetValue(&c.LookupLocationTypes), "Notice types that get ACTION_ADD_GEODATA.")
	r.Register("Notice::mail_dest", options.StringValue(&c.MailDest), "Address of ACTION_EMAIL notices.")
	r.Register("Notice::mail_page_dest", options.StringValue(&c.MailPageDest), "Address of ACTION_PAGE notices.")
	r.Register("Notice::mail_from", options.StringValue(&c.MailFrom), "From: of notice mail.")
	r.Register("Notice::reply_to", options.StringValue(&c.ReplyTo), "Reply-To: of notice mail (empty: none).")
	r.Register("Notice::mail_subject_prefix", options.StringValue(&c.MailSubjectPrefix), "Prefix of the subject of notice mail.")
	r.Register("Notice::sendmail", options.StringValue(&c.Sendmail), "The sendmail program that sends notice mail.")
}

// typeSet is an options.Value of Zeek type set[Notice::Type].
type typeSet struct{ p *[]Type }

// TypeSetValue returns an options value of Zeek type set[Notice::Type] for
// *p. Elements must be registered notice types ("{ Weird::Activity,
// SSH::Password_Guessing }" or "set(...)"); the set keeps the order in
// which elements were added, without repeats.
func TypeSetValue(p *[]Type) options.Accumulator {
	if p == nil {
		panic("notice: nil variable pointer")
	}
	return typeSet{p}
}

func (v typeSet) Type() string { return "set[Notice::Type]" }

func (v typeSet) String() string {
	parts := make([]string, len(*v.p))
	for i, t := range *v.p {
		parts[i] = string(t)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (v typeSet) Set(lit string) error {
	x, err := ParseTypeSet(lit)
	if err != nil {
		return err
	}
	*v.p = x
	return nil
}

func (v typeSet) Add(lit string) error {
	x, err := ParseTypeSet(lit)
	if err != nil {
		return err
	}
	cur := slices.Clone(*v.p)
	for _, t := range x {
		if !slices.Contains(cur, t) {
			cur = append(cur, t)
		}
	}
	*v.p = cur
	return nil
}

func (v typeSet) Remove(lit string) error {
	x, err := ParseTypeSet(lit)
	if err != nil {
		return err
	}
	*v.p = slices.DeleteFunc(slices.Clone(*v.p), func(t Type) bool { return slices.Contains(x, t) })
	return nil
}

var errSetSyntax = errors.New("notice: want a set such as { Weird::Activity } or set(Weird::Activity)")

// ParseTypeSet parses a Zeek set constructor of notice types ("{ A, B }",
// "set(A, B)", "{}"; a trailing comma is allowed). Each element must be a
// registered type; repeats are dropped.
func ParseTypeSet(lit string) ([]Type, error) {
	s := strings.TrimSpace(lit)
	var body string
	switch {
	case len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}':
		body = s[1 : len(s)-1]
	case strings.HasPrefix(s, "set"):
		rest := strings.TrimSpace(s[3:])
		if len(rest) < 2 || rest[0] != '(' || rest[len(rest)-1] != ')' {
			return nil, errSetSyntax
		}
		body = rest[1 : len(rest)-1]
	default:
		return nil, errSetSyntax
	}
	parts := strings.Split(body, ",")
	if n := len(parts); n > 0 && strings.TrimSpace(parts[n-1]) == "" {
		parts = parts[:n-1] // trailing comma, or an empty set
	}
	out := make([]Type, 0, len(parts))
	for _, p := range parts {
		name := strings.TrimSpace(p)
		if !isIdent(name) {
			return nil, fmt.Errorf("notice: %q is not a notice type name", name)
		}
		t, ok := LookupType(name)
		if !ok {
			return nil, fmt.Errorf("notice: unknown notice type %q", name)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}
