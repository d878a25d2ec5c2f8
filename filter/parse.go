package filter

import (
	"regexp"
	"strings"
)

// The grammar, with libsmartcols's precedences (bison: "%left OR AND" below
// "%left EQ NE ... NEG"):
//
//	expr    := compare { (&& | ||) compare }
//	compare := unary { op unary }          op: == != < <= > >= =~ !~
//	unary   := ! unary | primary
//	primary := literal | column | ( expr )
//
// The right operand of =~ and !~ must be a string literal.

type node interface{}

// literal is a constant operand.
type literal struct{ v Value }

// holder is a column operand.
type holder struct {
	name  string
	pos   int
	kind  Kind
	bound bool
}

type notNode struct{ x node }

type logicNode struct {
	and         bool
	left, right node
}

type compareNode struct {
	op          tokenKind
	left, right node
	re          *regexp.Regexp // =~ and !~
}

type parser struct {
	toks    []token
	i       int
	holders []*holder
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) expr() (node, error) {
	left, err := p.compare()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tokAnd && t.kind != tokOr {
			return left, nil
		}
		p.next()
		right, err := p.compare()
		if err != nil {
			return nil, err
		}
		left = &logicNode{and: t.kind == tokAnd, left: left, right: right}
	}
}

func isCompare(k tokenKind) bool { return k >= tokEQ && k <= tokNotRegex }

func (p *parser) compare() (node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for isCompare(p.peek().kind) {
		op := p.next()
		rtok := p.peek()
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		c := &compareNode{op: op.kind, left: left, right: right}
		if op.kind == tokRegex || op.kind == tokNotRegex {
			lit, ok := right.(*literal)
			if !ok || lit.v.Kind != String {
				return nil, errorf(rtok.pos, "%s needs a string literal on its right, not %s", op.text, rtok.describe())
			}
			// libsmartcols compiles POSIX extended regular expressions.
			if c.re, err = regexp.CompilePOSIX(lit.v.Str); err != nil {
				return nil, errorf(rtok.pos, "bad regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
		}
		left = c
	}
	return left, nil
}

func (p *parser) unary() (node, error) {
	if p.peek().kind == tokNot {
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, errorf(c.pos, "expected \")\" to close the \"(\" at position %d, found %s", t.pos+1, c.describe())
		}
		return x, nil
	case tokNumber:
		return &literal{Value{Kind: Number, Num: t.num}}, nil
	case tokFloat:
		return &literal{Value{Kind: Float, Float: t.fnum}}, nil
	case tokString:
		// libsmartcols trims blanks from both ends of every string.
		return &literal{Value{Kind: String, Str: trim(t.str)}}, nil
	case tokTrue, tokFalse:
		return &literal{Value{Kind: Bool, Bool: t.kind == tokTrue}}, nil
	case tokHolder:
		h := &holder{name: t.str, pos: t.pos}
		p.holders = append(p.holders, h)
		return h, nil
	}
	return nil, errorf(t.pos, "expected a column, a literal or \"(\", found %s", t.describe())
}

func trim(s string) string { return strings.TrimSpace(s) }
