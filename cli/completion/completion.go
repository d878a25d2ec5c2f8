// Package completion writes bash, zsh and fish completion scripts for a
// command from its [pflag.FlagSet], so the scripts offer exactly the options
// the command accepts.
//
// How an option's value is completed is recorded on the flag set itself, as a
// flag annotation set by [OneOf], [ListOf], [PID], [File] or [Free]; a boolean
// option needs none. Flag usage strings become the descriptions zsh and fish
// show.
package completion

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Shells are the shells a script can be written for.
var Shells = []string{"bash", "zsh", "fish"}

// Kind says what an option's value (or a positional argument) is.
type Kind string

const (
	KindOneOf  Kind = "one-of"  // one of a fixed list of words
	KindListOf Kind = "list-of" // a comma-separated list of words from a fixed list
	KindPID    Kind = "pid"     // a process ID
	KindFile   Kind = "file"    // a file name
	KindFree   Kind = "free"    // anything: nothing to offer
)

// annotation is the pflag annotation key that holds the kind, then the words.
const annotation = "completion"

// Value is how one option's value is completed.
type Value struct {
	Kind  Kind
	Words []string // for KindOneOf and KindListOf
}

// OneOf says that the value of option name is one of words.
func OneOf(fs *pflag.FlagSet, name string, words ...string) { set(fs, name, KindOneOf, words) }

// ListOf says that the value of option name is a comma-separated list of words.
func ListOf(fs *pflag.FlagSet, name string, words ...string) { set(fs, name, KindListOf, words) }

// PID says that the value of option name is a process ID.
func PID(fs *pflag.FlagSet, name string) { set(fs, name, KindPID, nil) }

// File says that the value of option name is a file name.
func File(fs *pflag.FlagSet, name string) { set(fs, name, KindFile, nil) }

// Free says that the value of option name is free text, with nothing to offer.
func Free(fs *pflag.FlagSet, name string) { set(fs, name, KindFree, nil) }

func set(fs *pflag.FlagSet, name string, kind Kind, words []string) {
	// Failing here is a mistake in the program's flag definitions.
	if err := fs.SetAnnotation(name, annotation, append([]string{string(kind)}, words...)); err != nil {
		panic(err)
	}
}

// Of returns how the value of f is completed; ok is false for an option
// that takes a value but was given no completion.
func Of(f *pflag.Flag) (v Value, ok bool) {
	a := f.Annotations[annotation]
	if len(a) == 0 {
		return Value{}, false
	}
	return Value{Kind: Kind(a[0]), Words: a[1:]}, true
}

// TakesValue reports whether f takes a value, that is, is not a switch
// such as a boolean or counting option.
func TakesValue(f *pflag.Flag) bool {
	return f.NoOptDefVal == "" || f.Value.Type() != "bool" && f.Value.Type() != "count"
}

// optionalValue reports whether f's value may be left out, and then must be
// attached with "=" (as --opt[=VALUE]).
func optionalValue(f *pflag.Flag) bool { return TakesValue(f) && f.NoOptDefVal != "" }

// Command is what the scripts complete.
type Command struct {
	Name  string
	Flags *pflag.FlagSet
	Args  Kind // what positional arguments are; "" for none
}

// option is one flag as the script templates need it.
type option struct {
	long, short string
	summary     string
	value       *Value // nil for a switch
	optional    bool   // the value may be omitted (then it is attached with "=")
	repeatable  bool   // may be given more than once (pflag array and slice values)
}

func options(cmd Command) ([]option, error) {
	var opts []option
	var err error
	cmd.Flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		typ := f.Value.Type()
		o := option{long: f.Name, short: f.Shorthand, summary: f.Usage,
			repeatable: strings.HasSuffix(typ, "Array") || strings.HasSuffix(typ, "Slice") || typ == "count"}
		if TakesValue(f) {
			v, ok := Of(f)
			if !ok && err == nil {
				err = fmt.Errorf("option --%s takes a value but has no completion (call completion.OneOf, ListOf, PID, File or Free)", f.Name)
			}
			o.value = &v
			o.optional = optionalValue(f)
		}
		opts = append(opts, o)
	})
	return opts, err
}

// Write writes the completion script for shell ("bash", "zsh" or "fish").
func Write(w io.Writer, shell string, cmd Command) error {
	opts, err := options(cmd)
	if err != nil {
		return err
	}
	var script string
	switch shell {
	case "bash":
		script = bashScript(cmd, opts)
	case "zsh":
		script = zshScript(cmd, opts)
	case "fish":
		script = fishScript(cmd, opts)
	default:
		return fmt.Errorf("no completion for shell %q (want %s)", shell, strings.Join(Shells, ", "))
	}
	_, err = io.WriteString(w, script)
	return err
}

// identifier turns a command name into a shell function name part.
func identifier(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, name)
}

// singleQuote quotes s for bash and zsh.
func singleQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
