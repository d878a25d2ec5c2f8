// Package filter parses and evaluates display filters in the expression
// language of util-linux's libsmartcols (scols-filter(5)), which lsns -Q
// accepts: comparisons (== != < <= > >= and eq ne lt le gt ge), regular
// expressions (=~ !~), && || ! and and or not, parentheses, string, integer,
// float and boolean literals, and column names.
//
// It follows libsmartcols's behaviour, not just its grammar: && and || have
// the same precedence and group left to right, ! binds like a comparison,
// a comparison is made in the type of its literal operand (so NS == "4026"
// compares strings, USER == 0 numbers), a bare column is true when it is
// not empty (or, for numbers, not zero), and an empty value fails every
// numeric comparison.
//
// It is hand-written: the maintained Go expression languages (expr, CEL,
// govaluate) have C precedence, no "=~ string-literal" operator, no word
// operators in upper case, no size suffixes and other typing rules, so none
// accepts exactly what lsns users type.
package filter

import "fmt"

// Kind is the data type of a value.
type Kind int

// The data types of columns and literals.
const (
	String Kind = iota
	Number      // unsigned 64-bit integer
	Float
	Bool
)

func (k Kind) String() string {
	switch k {
	case Number:
		return "integer"
	case Float:
		return "float"
	case Bool:
		return "boolean"
	}
	return "string"
}

// Value is a column value or a literal. Empty marks a missing value (a
// column with nothing to show), which is not the same as "".
type Value struct {
	Kind  Kind
	Empty bool
	Str   string
	Num   uint64
	Float float64
	Bool  bool
}

// StringValue returns v as a String value; "" is treated as missing, as
// renderers show nothing for it.
func StringValue(v string) Value { return Value{Kind: String, Str: v, Empty: v == ""} }

// NumberValue returns n as a Number value.
func NumberValue(n uint64) Value { return Value{Kind: Number, Num: n} }

// EmptyValue is a missing value of kind k.
func EmptyValue(k Kind) Value { return Value{Kind: k, Empty: true} }

// Error is a mistake in an expression: Pos is the byte offset (0-based)
// of the token where it was found.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("position %d: %s", e.Pos+1, e.Msg) }

func errorf(pos int, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Row gives the value of a named column for one row. Names are passed in
// the canonical spelling returned by the Columns lookup given to Bind.
type Row func(column string) Value

// Expr is a parsed filter.
type Expr struct {
	root    node
	holders []*holder
}

// Parse parses a filter expression.
func Parse(expr string) (*Expr, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	root, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, errorf(t.pos, "unexpected %s", t.describe())
	}
	return &Expr{root: root, holders: p.holders}, nil
}

// Lookup resolves a column name (as written, in any case) to its canonical
// name and type; ok is false for an unknown column.
type Lookup func(name string) (canonical string, kind Kind, ok bool)

// Bind resolves every column name in e; an unknown name is an *Error at
// its position.
func (e *Expr) Bind(lookup Lookup) error {
	for _, h := range e.holders {
		name, kind, ok := lookup(h.name)
		if !ok {
			return errorf(h.pos, "unknown column %q", h.name)
		}
		h.name, h.kind, h.bound = name, kind, true
	}
	return nil
}

// Columns returns the columns e refers to (after Bind: canonical names),
// each once, in order of appearance.
func (e *Expr) Columns() []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range e.holders {
		if !seen[h.name] {
			seen[h.name] = true
			out = append(out, h.name)
		}
	}
	return out
}

// Match evaluates e for one row. A value that cannot be converted to the
// type a comparison needs (a non-numeric string compared with a number)
// makes the row not match.
func (e *Expr) Match(row Row) bool {
	ok, err := truth(e.root, row)
	return err == nil && ok
}
