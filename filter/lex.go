package filter

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// tokenKind is what a token is.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokAnd
	tokOr
	tokNot
	tokEQ
	tokNE
	tokLE
	tokLT
	tokGE
	tokGT
	tokRegex
	tokNotRegex
	tokTrue
	tokFalse
	tokNumber
	tokFloat
	tokString
	tokHolder
)

// token is one lexeme; pos is its byte offset in the expression.
type token struct {
	kind tokenKind
	pos  int
	text string // as written
	num  uint64
	fnum float64
	str  string // string literal contents, holder name
}

// words are the alphabetic operators and literals. As in libsmartcols they
// are all-lower or all-upper case only: "And" is a column name.
var words = map[string]tokenKind{
	"and": tokAnd, "AND": tokAnd,
	"or": tokOr, "OR": tokOr,
	"not": tokNot, "NOT": tokNot,
	"eq": tokEQ, "EQ": tokEQ,
	"ne": tokNE, "NE": tokNE,
	"le": tokLE, "LE": tokLE,
	"lt": tokLT, "LT": tokLT,
	"ge": tokGE, "GE": tokGE,
	"gt": tokGT, "GT": tokGT,
	"true": tokTrue, "TRUE": tokTrue,
	"false": tokFalse, "FALSE": tokFalse,
}

// symbols are the punctuation operators, longest first.
var symbols = []struct {
	text string
	kind tokenKind
}{
	{"&&", tokAnd}, {"||", tokOr}, {"==", tokEQ}, {"!=", tokNE}, {"<=", tokLE}, {">=", tokGE},
	{"=~", tokRegex}, {"!~", tokNotRegex}, {"<", tokLT}, {">", tokGT}, {"!", tokNot},
	{"(", tokLParen}, {")", tokRParen},
}

// sizeSuffixes are the multiplicative suffixes of integers (K = KiB = 1024).
const sizeSuffixes = "KMGTPEZY"

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// isHolderByte reports whether c may continue a column name.
func isHolderByte(c byte) bool {
	return isLetter(c) || isDigit(c) || strings.IndexByte("_.%:/-", c) >= 0
}

// lex splits expr into tokens, ending with tokEOF.
func lex(expr string) ([]token, error) {
	var out []token
	i := 0
	for {
		for i < len(expr) && (expr[i] == ' ' || expr[i] == '\t' || expr[i] == '\n') {
			i++
		}
		if i == len(expr) {
			return append(out, token{kind: tokEOF, pos: i}), nil
		}
		t, err := lexOne(expr, i)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		i += len(t.text)
	}
}

func lexOne(expr string, i int) (token, error) {
	c := expr[i]
	switch {
	case c == '"' || c == '\'':
		end := strings.IndexAny(expr[i+1:], string(c)+"\n")
		if end < 0 || expr[i+1+end] == '\n' {
			return token{}, errorf(i, "unterminated string")
		}
		text := expr[i : i+end+2]
		return token{kind: tokString, pos: i, text: text, str: text[1 : len(text)-1]}, nil
	case isDigit(c):
		return lexNumber(expr, i)
	case isLetter(c):
		j := i + 1
		for j < len(expr) && isHolderByte(expr[j]) {
			j++
		}
		text := expr[i:j]
		if kind, ok := words[text]; ok {
			return token{kind: kind, pos: i, text: text}, nil
		}
		return token{kind: tokHolder, pos: i, text: text, str: text}, nil
	}
	for _, s := range symbols {
		if strings.HasPrefix(expr[i:], s.text) {
			return token{kind: s.kind, pos: i, text: s.text}, nil
		}
	}
	return token{}, errorf(i, "unexpected character %s", strconv.QuoteRune(rune(c)))
}

// lexNumber reads an integer (with an optional K, M, ... suffix and
// optional "iB") or a float "digits.digits".
func lexNumber(expr string, i int) (token, error) {
	j := i
	for j < len(expr) && isDigit(expr[j]) {
		j++
	}
	if j+1 < len(expr) && expr[j] == '.' && isDigit(expr[j+1]) {
		k := j + 1
		for k < len(expr) && isDigit(expr[k]) {
			k++
		}
		f, err := strconv.ParseFloat(expr[i:k], 64)
		if err != nil {
			return token{}, errorf(i, "bad number %q", expr[i:k])
		}
		return token{kind: tokFloat, pos: i, text: expr[i:k], fnum: f}, nil
	}
	n, err := strconv.ParseUint(expr[i:j], 10, 64)
	if err != nil {
		return token{}, errorf(i, "number %s too large", expr[i:j])
	}
	end := j
	if j < len(expr) {
		if p := strings.IndexByte(sizeSuffixes, expr[j]); p >= 0 {
			end = j + 1
			if strings.HasPrefix(expr[end:], "iB") {
				end += 2
			}
			shift := uint(10 * (p + 1))
			if shift >= 64 || n > math.MaxUint64>>shift {
				return token{}, errorf(i, "number %s too large", expr[i:end])
			}
			hi, lo := bits.Mul64(n, 1<<shift)
			if hi != 0 {
				return token{}, errorf(i, "number %s too large", expr[i:end])
			}
			n = lo
		}
	}
	return token{kind: tokNumber, pos: i, text: expr[i:end], num: n}, nil
}

// describe names a token for an error message.
func (t token) describe() string {
	if t.kind == tokEOF {
		return "end of expression"
	}
	return fmt.Sprintf("%q", t.text)
}
