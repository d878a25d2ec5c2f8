package cli

import (
	"io"
	"regexp"
	"strings"

	"github.com/spf13/pflag"

	"github.com/namespaces-of/namespaces_of/cli/completion"
)

// FlagSet returns the command's options as Parse defines them, each with
// its one-line summary from --help as its usage string. The completion
// scripts are generated from it.
func FlagSet() *pflag.FlagSet {
	fs := newFlagSet(&Config{}, &rawFlags{})
	help := HelpOptions()
	fs.VisitAll(func(f *pflag.Flag) { f.Usage = help[f.Name].Summary })
	return fs
}

// writeCompletion writes the completion script for shell.
func writeCompletion(w io.Writer, shell string) error {
	return completion.Write(w, shell, completion.Command{
		Name:  "namespaces_of",
		Flags: FlagSet(),
		Args:  completion.KindPID,
	})
}

// HelpOption is one option as the Options section of --help describes it.
type HelpOption struct {
	Long, Short string // without dashes; Short may be empty
	Summary     string // the description's first clause
	Description string // the whole description, on one line
}

// An option line of --help: "  -v, --verbose   Say..." or "      --output=FORMAT  Output...".
var helpOptionLine = regexp.MustCompile(`^  (?:-([[:alnum:]]), |    )--([[:alnum:]][[:alnum:]-]*)(\[?=[^ ]+)?(?: {2,}(.*))?$`)

// HelpOptions parses the Options section of --help, by long option name.
func HelpOptions() map[string]HelpOption {
	opts := map[string]HelpOption{}
	var current *HelpOption
	flush := func() {
		if current != nil {
			current.Summary = summarize(current.Description)
			opts[current.Long] = *current
			current = nil
		}
	}
	_, section, _ := strings.Cut(helpText, "\nOptions:\n")
	for line := range strings.Lines(section) {
		line = strings.TrimRight(line, "\n")
		if line == "" {
			break
		}
		if m := helpOptionLine.FindStringSubmatch(line); m != nil {
			flush()
			current = &HelpOption{Short: m[1], Long: m[2], Description: m[4]}
			continue
		}
		if current != nil {
			current.Description = strings.TrimSpace(current.Description + " " + strings.TrimSpace(line))
		}
	}
	flush()
	return opts
}

// summarize cuts a description down to its first clause, for the short
// descriptions zsh and fish show beside each option. A leading condition
// ("With --output=list: no heading line") goes after it.
func summarize(desc string) string {
	if cond, rest, ok := strings.Cut(desc, ": "); ok && strings.HasPrefix(cond, "With ") && !strings.Contains(cond, ". ") {
		rest = firstClause(rest)
		return strings.ToUpper(rest[:1]) + rest[1:] + " (" + strings.ToLower(cond[:1]) + cond[1:] + ")"
	}
	return firstClause(desc)
}

func firstClause(s string) string {
	end := len(s)
	for _, stop := range []string{". ", ": ", "; ", " (", ", e.g."} {
		if i := strings.Index(s, stop); i >= 0 && i < end {
			end = i
		}
	}
	return strings.TrimSuffix(s[:end], ".")
}
