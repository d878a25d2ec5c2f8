package filter

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// testColumns are the columns of the test table: NAME, NUM and F mirror
// the columns of libsmartcols's own filter tests.
var testColumns = map[string]Kind{"NAME": String, "NUM": Number, "F": Float, "B": Bool, "EMPTY": String, "ENUM": Number}

func testLookup(name string) (string, Kind, bool) {
	up := strings.ToUpper(name)
	k, ok := testColumns[up]
	return up, k, ok
}

type testRow struct {
	name string
	num  uint64
	f    float64
	b    bool
}

var testRows = []testRow{
	{"aaa", 0, 0, false},
	{"bbb", 3, 100.5, true},
	{"ccc", 100, 8000.5, false},
	{"aaaxyz", 8001, 0.5, true},
	{"", 9000, 100, true},
}

func (r testRow) value(col string) Value {
	switch col {
	case "NAME":
		return StringValue(r.name)
	case "NUM":
		return NumberValue(r.num)
	case "F":
		return Value{Kind: Float, Float: r.f}
	case "B":
		return Value{Kind: Bool, Bool: r.b}
	case "ENUM":
		return EmptyValue(Number)
	}
	return EmptyValue(String)
}

// selected returns the indexes of the rows expr selects.
func selected(t *testing.T, expr string) []int {
	t.Helper()
	e, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	if err := e.Bind(testLookup); err != nil {
		t.Fatalf("Bind(%q): %v", expr, err)
	}
	var out []int
	for i, r := range testRows {
		if e.Match(r.value) {
			out = append(out, i)
		}
	}
	return out
}

func TestMatch(t *testing.T) {
	tests := []struct {
		expr string
		want []int
	}{
		// libsmartcols's tests (tests/ts/libsmartcols/filter).
		{`NUM`, []int{1, 2, 3, 4}},
		{`!NUM`, []int{0}},
		{`NUM && NAME`, []int{1, 2, 3}},
		{`NUM || NAME`, []int{0, 1, 2, 3, 4}},
		{`NUM == 100`, []int{2}},
		{`NUM != 100`, []int{0, 1, 3, 4}},
		{`NUM > 8000`, []int{3, 4}},
		{`NUM >= 100`, []int{2, 3, 4}},
		{`NUM < 100`, []int{0, 1}},
		{`NUM <= 100`, []int{0, 1, 2}},
		{`NUM > 10 && NUM < 8000`, []int{2}},
		{`NUM == 3 || NUM == 100`, []int{1, 2}},
		{`(NUM >= 3 && NUM <= 100) || NUM == 0`, []int{0, 1, 2}},
		{`NUM == "100"`, []int{2}},
		{`F == 100.5`, []int{1}},
		{`F != 100.5`, []int{0, 2, 3, 4}},
		{`F > 8000.5`, nil},
		{`F >= 100.5`, []int{1, 2}},
		{`NUM == 100.5`, nil},
		{`NUM < 100.5`, []int{0, 1, 2}},
		{`F == "100.5"`, []int{1}},
		{`B`, []int{1, 3, 4}},
		{`!B`, []int{0, 2}},
		{`B == TRUE`, []int{1, 3, 4}},
		{`B == true`, []int{1, 3, 4}},
		{`B == 1`, []int{1, 3, 4}},
		{`B == FALSE`, []int{0, 2}},
		{`B == 0`, []int{0, 2}},
		{`B != false`, []int{1, 3, 4}},
		// A boolean compared as a string is "true" or "false" (libsmartcols
		// selects nothing for these two).
		{`B == "1"`, nil},
		{`B == "0"`, nil},
		{`B == "true"`, []int{1, 3, 4}},
		{`NAME`, []int{0, 1, 2, 3}},
		{`!NAME`, []int{4}},
		{`NAME == "bbb"`, []int{1}},
		{`NAME != "bbb"`, []int{0, 2, 3, 4}},
		{`NAME > "bbb"`, []int{2}},
		{`NAME >= "bbb"`, []int{1, 2}},
		{`NAME < "bbb"`, []int{0, 3, 4}},
		{`NAME <= "bbb"`, []int{0, 1, 3, 4}},
		{`NAME =~ "aaa.*"`, []int{0, 3}},
		{`NAME !~ "aaa.*"`, []int{1, 2, 4}},
		// lsns(8)'s example, and the words for the operators.
		{`NAME != "aaa" and NUM > 1`, []int{1, 2, 3, 4}},
		{`NAME ne "aaa" AND NUM gt 1 and not B`, []int{2}},
		{`NUM eq 3 OR NUM EQ 100`, []int{1, 2}},
		{`NUM le 3 && NUM ge 3`, []int{1}},
		{`NUM lt 3 || NUM LT 1`, []int{0}},
		// && and || have one precedence and group to the left, as bison
		// declares them: this is (NUM == 0 || NUM == 3) && B.
		{`NUM == 0 || NUM == 3 && B`, []int{1}},
		{`NUM == 3 && B || NUM == 0`, []int{0, 1}},
		// ! binds like a comparison: (!NUM) == false.
		{`!NUM == false`, []int{1, 2, 3, 4}},
		{`!(NUM == 3)`, []int{0, 2, 3, 4}},
		{`not not B`, []int{1, 3, 4}},
		// Literals and size suffixes.
		{`NUM > 7K`, []int{3, 4}},
		{`NUM > 8K`, []int{4}},
		{`NUM < 1KiB`, []int{0, 1, 2}},
		{`'bbb' == NAME`, []int{1}},
		{`NAME == "  bbb "`, []int{1}},
		{`1`, []int{0, 1, 2, 3, 4}},
		{`false`, nil},
		// Missing values: no numeric comparison holds; as a string a
		// missing value sorts first and matches regular expressions as "".
		{`ENUM == 0 || ENUM != 0`, nil},
		{`EMPTY != "x" && EMPTY < "" && EMPTY =~ "^$"`, []int{0, 1, 2, 3, 4}},
		{`EMPTY == ""`, nil},
		// A column compared with a number literal compares numbers; a
		// string that is not a number does not match.
		{`NAME == 0`, nil},
		{`NUM =~ "^[0-9]{3}$"`, []int{2}},
		{`nUm == 3`, []int{1}},
		{"NUM\t==\n3", []int{1}},
	}
	for _, tt := range tests {
		if got := selected(t, tt.expr); !slices.Equal(got, tt.want) {
			t.Errorf("%s: selected %v, want %v", tt.expr, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		expr string
		pos  int // 1-based
		msg  string
	}{
		// libsmartcols's error tests.
		{`NUM == 100)`, 11, `unexpected ")"`},
		{`(NUM == 100`, 12, `expected ")"`},
		{` == 100`, 2, `expected a column`},
		{`NUM == `, 8, `end of expression`},
		{`NUM ** 100`, 5, `unexpected character '*'`},
		{`NUM = 100`, 5, `unexpected character '='`},
		{`XXX == 100`, 1, `unknown column "XXX"`},
		{`NUM == 1y0`, 9, `unexpected "y0"`},
		{`NUM == 100 . 5`, 12, `unexpected character '.'`},
		// More.
		{``, 1, `end of expression`},
		{`NAME == "abc`, 9, `unterminated string`},
		{"NAME == 'a\nb'", 9, `unterminated string`},
		{`NAME =~ NAME`, 9, `string literal`},
		{`NAME =~ "("`, 9, `bad regular expression`},
		{`NUM > 99999999999999999999`, 7, `too large`},
		{`NUM > 20EiB`, 7, `too large`},
		{`()`, 2, `expected a column`},
		{`NUM == 1 NAME`, 10, `unexpected "NAME"`},
		{`!`, 2, `end of expression`},
		{`NUM && ||`, 8, `expected a column`},
	}
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err == nil {
			err = e.Bind(testLookup)
		}
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: error %v, want an *Error", tt.expr, err)
			continue
		}
		if fe.Pos+1 != tt.pos || !strings.Contains(fe.Msg, tt.msg) {
			t.Errorf("%q: %v, want position %d and %q", tt.expr, err, tt.pos, tt.msg)
		}
	}
}

func TestColumns(t *testing.T) {
	e, err := Parse(`num > 1 && (NAME == "x" || NUM < 3) && b`)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Bind(testLookup); err != nil {
		t.Fatal(err)
	}
	if got, want := e.Columns(), []string{"NUM", "NAME", "B"}; !slices.Equal(got, want) {
		t.Errorf("Columns() = %v, want %v", got, want)
	}
}

// FuzzParse checks that any expression either parses, binds and evaluates
// without panicking, or fails with an *Error at a position inside it.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{`NUM == 100`, `(NUM >= 3 && NUM <= 100) || NUM == 0`, `NAME =~ "aaa.*"`,
		`!B == false`, `NUM > 8KiB`, `F != 100.5`, `'x' NE NAME or not NUM`, `NUM == 100)`, `"`, `((((`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := Parse(expr)
		if err == nil {
			err = e.Bind(testLookup)
		}
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Pos < 0 || fe.Pos > len(expr) || strings.Contains(fe.Error(), "\n") && !strings.Contains(expr, "\n") {
				t.Fatalf("%q: bad error %v", expr, err)
			}
			return
		}
		for _, r := range testRows {
			e.Match(r.value)
		}
	})
}
