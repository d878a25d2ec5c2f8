package filter

import (
	"errors"
	"strconv"
	"strings"
)

var errCast = errors.New("value does not convert")

// truth evaluates n as a condition.
func truth(n node, row Row) (bool, error) {
	switch n := n.(type) {
	case *logicNode:
		l, err := truth(n.left, row)
		if err != nil || l != n.and {
			// && stops at false, || at true.
			return l, err
		}
		return truth(n.right, row)
	case *notNode:
		x, err := truth(n.x, row)
		return !x, err
	case *compareNode:
		return compare(n, row)
	}
	v := operand(n, row)
	if v.Empty {
		return false, nil
	}
	switch v.Kind {
	case Number:
		return v.Num != 0, nil
	case Float:
		return v.Float != 0, nil
	case Bool:
		return v.Bool, nil
	}
	return v.Str != "", nil
}

// kindOf is the static type of an operand: a column's, a literal's, or
// boolean for an expression.
func kindOf(n node) Kind {
	switch n := n.(type) {
	case *literal:
		return n.v.Kind
	case *holder:
		return n.kind
	}
	return Bool
}

// compareKind chooses the type a comparison is made in: the common type;
// else the literal's rather than the column's; else the left operand's;
// and float rather than integer.
func compareKind(left, right node) Kind {
	l, r := kindOf(left), kindOf(right)
	if l == r {
		return l
	}
	_, lh := left.(*holder)
	_, rh := right.(*holder)
	k := l
	if lh && !rh {
		k = r
	}
	if k == Number && (l == Float || r == Float) {
		k = Float
	}
	return k
}

// operand returns the value of a literal or column; other nodes are
// evaluated as booleans by value.
func operand(n node, row Row) Value {
	switch n := n.(type) {
	case *literal:
		return n.v
	case *holder:
		v := row(n.name)
		if v.Kind == String && !v.Empty {
			v.Str = trim(v.Str)
		}
		return v
	}
	return Value{}
}

func valueOf(n node, row Row) (Value, error) {
	switch n.(type) {
	case *literal, *holder:
		return operand(n, row), nil
	}
	b, err := truth(n, row)
	return Value{Kind: Bool, Bool: b}, err
}

// compare evaluates a comparison or regular-expression match.
func compare(n *compareNode, row Row) (bool, error) {
	l, err := valueOf(n.left, row)
	if err != nil {
		return false, err
	}
	if n.re != nil {
		// A missing value matches as "".
		s := ""
		if !l.Empty {
			s = text(l)
		}
		return n.re.MatchString(s) == (n.op == tokRegex), nil
	}
	r, err := valueOf(n.right, row)
	if err != nil {
		return false, err
	}
	k := compareKind(n.left, n.right)
	if l, err = cast(l, k); err != nil {
		return false, err
	}
	if r, err = cast(r, k); err != nil {
		return false, err
	}
	if k == String {
		return order(stringCmp(l, r), n.op), nil
	}
	if l.Empty || r.Empty {
		return false, nil
	}
	var c int
	switch k {
	case Number:
		c = cmp3(l.Num < r.Num, l.Num > r.Num)
	case Float:
		c = cmp3(l.Float < r.Float, l.Float > r.Float)
	case Bool:
		c = cmp3(!l.Bool && r.Bool, l.Bool && !r.Bool)
	}
	return order(c, n.op), nil
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// stringCmp orders strings, a missing value before every string.
func stringCmp(l, r Value) int {
	switch {
	case l.Empty && r.Empty:
		return 0
	case l.Empty:
		return -1
	case r.Empty:
		return 1
	}
	return strings.Compare(l.Str, r.Str)
}

func order(c int, op tokenKind) bool {
	switch op {
	case tokEQ:
		return c == 0
	case tokNE:
		return c != 0
	case tokLT:
		return c < 0
	case tokLE:
		return c <= 0
	case tokGT:
		return c > 0
	case tokGE:
		return c >= 0
	}
	return false
}

// text is the string form of a value, as libsmartcols prints it.
func text(v Value) string {
	switch v.Kind {
	case Number:
		return strconv.FormatUint(v.Num, 10)
	case Float:
		return strconv.FormatFloat(v.Float, 'g', 6, 64)
	case Bool:
		return strconv.FormatBool(v.Bool)
	}
	return v.Str
}

// cast converts v to kind k. A missing value stays missing.
func cast(v Value, k Kind) (Value, error) {
	if v.Kind == k {
		return v, nil
	}
	out := Value{Kind: k, Empty: v.Empty}
	if v.Empty {
		return out, nil
	}
	switch k {
	case String:
		out.Str = text(v)
	case Number:
		switch v.Kind {
		case String:
			n, err := strconv.ParseUint(v.Str, 10, 64)
			if err != nil {
				return out, errCast
			}
			out.Num = n
		case Float:
			out.Num = uint64(v.Float)
		case Bool:
			out.Num = boolNum(v.Bool)
		}
	case Float:
		switch v.Kind {
		case String:
			f, err := strconv.ParseFloat(v.Str, 64)
			if err != nil {
				return out, errCast
			}
			out.Float = f
		case Number:
			out.Float = float64(v.Num)
		case Bool:
			out.Float = float64(boolNum(v.Bool))
		}
	case Bool:
		switch v.Kind {
		case String:
			s := v.Str
			out.Bool = s == "1" || strings.EqualFold(s, "true") || strings.HasPrefix(s, "y") || strings.HasPrefix(s, "Y")
		case Number:
			out.Bool = v.Num > 0
		case Float:
			out.Bool = v.Float > 0
		}
	}
	return out, nil
}

func boolNum(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
