package cli

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/namespaces-of/namespaces_of/cli/completion"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

const manPage = "../docs/namespaces_of.8"

// documented is an option as one source (flag set, --help, man page)
// presents it.
type documented struct {
	short      string // "-v", or ""
	takesValue bool
}

func flagSetOptions() map[string]documented {
	opts := map[string]documented{}
	newFlagSet(&Config{}, &rawFlags{}).VisitAll(func(f *pflag.Flag) {
		d := documented{takesValue: completion.TakesValue(f)}
		if f.Shorthand != "" {
			d.short = "-" + f.Shorthand
		}
		opts["--"+f.Name] = d
	})
	return opts
}

func helpOptions() map[string]documented {
	opts := map[string]documented{}
	for line := range strings.Lines(helpText) {
		m := helpOptionLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			continue
		}
		d := documented{takesValue: m[3] != ""}
		if m[1] != "" {
			d.short = "-" + m[1]
		}
		opts["--"+m[2]] = d
	}
	return opts
}

// manSection returns the lines of section name of the man page.
func manSection(t *testing.T, name string) []string {
	t.Helper()
	text, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for line := range strings.Lines(string(text)) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, ".Sh ") {
			in = line == ".Sh "+name
			continue
		}
		if in {
			lines = append(lines, line)
		}
	}
	if len(lines) == 0 {
		t.Fatalf("%s has no section %s", manPage, name)
	}
	return lines
}

// An option entry of the man page: ".It Fl v , Fl -verbose" or
// ".It Fl -output Ns = Ns Ar format".
var manOptionFlag = regexp.MustCompile(`Fl (-?[[:alnum:]][[:alnum:]-]*)`)

func manOptions(t *testing.T) map[string]documented {
	opts := map[string]documented{}
	for _, line := range manSection(t, "OPTIONS") {
		if !strings.HasPrefix(line, ".It Fl ") {
			continue
		}
		var d documented
		var long string
		for _, m := range manOptionFlag.FindAllStringSubmatch(line, -1) {
			if strings.HasPrefix(m[1], "-") {
				long = "-" + m[1]
			} else {
				d.short = "-" + m[1]
			}
		}
		d.takesValue = strings.Contains(line, "= Ns Ar ") // --opt=value, --opt[=value]
		if long == "" {
			t.Errorf("%s: %q names no long option", manPage, line)
			continue
		}
		opts[long] = d
	}
	return opts
}

func describe(name string, d documented) string {
	s := "    " + name
	if d.short != "" {
		s = d.short + ", " + name
	}
	if d.takesValue {
		s += "=VALUE"
	}
	return s
}

func manEntry(name string, d documented) string {
	s := ".It Fl " + strings.TrimPrefix(name, "-")
	if d.short != "" {
		s = ".It Fl " + strings.TrimPrefix(d.short, "-") + " , Fl " + strings.TrimPrefix(name, "-")
	}
	if d.takesValue {
		s += " Ns = Ns Ar value"
	}
	return s
}

// TestOptionsDocumented checks, both ways, that the options Parse accepts
// are the options --help lists and the options the man page describes,
// with the same short forms and the same need for a value.
func TestOptionsDocumented(t *testing.T) {
	flags, help, man := flagSetOptions(), helpOptions(), manOptions(t)
	if len(help) == 0 {
		t.Fatal("found no option in the Options section of --help (cli/help.go)")
	}
	for _, name := range slices.Sorted(maps.Keys(flags)) {
		f := flags[name]
		h, inHelp := help[name]
		switch {
		case !inHelp:
			t.Errorf("%s is an option (newFlagSet, cli/config.go) that --help does not list: add a line\n  %q\nto the Options section of cli/help.go, where it belongs", name, fmt.Sprintf("  %-24sWhat it does.", describe(name, f)))
		case h != f:
			t.Errorf("--help (cli/help.go) lists %q, but the option is %q (newFlagSet, cli/config.go)", describe(name, h), describe(name, f))
		}
		m, inMan := man[name]
		switch {
		case !inMan:
			t.Errorf("%s is an option (newFlagSet, cli/config.go) that the man page does not describe: add\n  %s\nand a paragraph to the OPTIONS list (.Bl ... .El) of docs/namespaces_of.8, then check it with mandoc -T lint -W warning", name, manEntry(name, f))
		case m != f:
			t.Errorf("docs/namespaces_of.8 has %q, but the option wants %q (newFlagSet, cli/config.go)", manEntry(name, m), manEntry(name, f))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(help)) {
		if _, ok := flags[name]; !ok {
			t.Errorf("--help (cli/help.go) lists %s, which Parse does not accept: define it in newFlagSet (cli/config.go) or remove it from cli/help.go", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(man)) {
		if _, ok := flags[name]; !ok {
			t.Errorf("docs/namespaces_of.8 describes %s, which Parse does not accept: define it in newFlagSet (cli/config.go) or remove its .It entry from the man page", name)
		}
	}
}

// manWords returns the words of ".It Cm WORD" entries in a man page section.
func manWords(t *testing.T, section string) []string {
	var words []string
	for _, line := range manSection(t, section) {
		if w, ok := strings.CutPrefix(line, ".It Cm "); ok {
			words = append(words, w)
		}
	}
	return words
}

// TestValuesDocumented checks that the man page describes every output
// format and every --columns column, and nothing else.
func TestValuesDocumented(t *testing.T) {
	for _, c := range []struct {
		section, what string
		want, got     []string
	}{
		{"OUTPUT FORMATS", "output formats (var outputs, cli/config.go)", outputs, manWords(t, "OUTPUT FORMATS")},
		{"OPTIONS", "columns of --output=list (render/list)", columnNames(), manWords(t, "OPTIONS")},
	} {
		for _, w := range c.want {
			if !slices.Contains(c.got, w) {
				t.Errorf("%s are %q; docs/namespaces_of.8 lacks %s: add \".It Cm %s\" and its description to section %s", c.what, c.want, w, w, c.section)
			}
		}
		for _, w := range c.got {
			if !slices.Contains(c.want, w) {
				t.Errorf("docs/namespaces_of.8 section %s has \".It Cm %s\", which is not one of the %s %q", c.section, w, c.what, c.want)
			}
		}
	}
}

// TestManPageLint renders the man page with mandoc's checker: no warnings.
func TestManPageLint(t *testing.T) {
	mandoc := nstest.Program(t, "mandoc")
	out, err := exec.Command(mandoc, "-T", "lint", "-W", "warning", manPage).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("mandoc -T lint -W warning docs/namespaces_of.8: %v\n%s", err, out)
	}
}

// TestEveryValueOptionCompletes checks that every option that takes a
// value says how the shells complete it, and that each shell's script can
// be generated.
func TestEveryValueOptionCompletes(t *testing.T) {
	newFlagSet(&Config{}, &rawFlags{}).VisitAll(func(f *pflag.Flag) {
		if _, ok := completion.Of(f); completion.TakesValue(f) && !ok {
			t.Errorf("--%s takes a value but the shells cannot complete it: after the options in newFlagSet (cli/config.go), add\n"+
				"  completion.Free(fs, %[2]q) for free text, or completion.File(fs, %[2]q), completion.PID(fs, %[2]q),\n"+
				"  completion.OneOf(fs, %[2]q, words...) or completion.ListOf(fs, %[2]q, words...) for a comma-separated list", f.Name, f.Name)
		}
	})
	if t.Failed() {
		return
	}
	for _, shell := range completion.Shells {
		if err := writeCompletion(&bytes.Buffer{}, shell); err != nil {
			t.Errorf("--completion=%s: %v", shell, err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"--completion=tcsh"}, Env{Stdout: &stdout, Stderr: &stderr}); code != ExitUsage || stdout.Len() > 0 ||
		!strings.Contains(stderr.String(), `"tcsh"`) {
		t.Errorf("--completion=tcsh: exit %d, stdout %q, stderr %q; want exit 2 and one message naming tcsh", code, &stdout, &stderr)
	}
}

// TestManPageSections checks that the man page has the sections a Linux
// tool's page has, and refers to the pages its users need next.
func TestManPageSections(t *testing.T) {
	for _, name := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "OUTPUT FORMATS", "ENVIRONMENT",
		"FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"} {
		manSection(t, name)
	}
	seeAlso := strings.Join(manSection(t, "SEE ALSO"), "\n")
	for _, ref := range []string{"lsns 8", "nsenter 1", "namespaces 7", "ioctl_ns 2"} {
		if !strings.Contains(seeAlso, ".Xr "+ref) {
			t.Errorf("docs/namespaces_of.8: SEE ALSO lacks .Xr %s", ref)
		}
	}
	exit := strings.Join(manSection(t, "EXIT STATUS"), "\n")
	for _, code := range []int{ExitOK, ExitFailure, ExitUsage} {
		if !strings.Contains(exit, fmt.Sprintf(".It %d\n", code)) {
			t.Errorf("docs/namespaces_of.8: EXIT STATUS lacks .It %d", code)
		}
	}
}
