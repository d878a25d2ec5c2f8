// Package cli is the namespaces_of command line: flags, validation, exit
// codes, and the glue between discovery and the renderers.
package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/namespaces-of/namespaces_of/cli/completion"
	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/list"
)

// Exit statuses.
const (
	ExitOK      = 0 // success
	ExitFailure = 1 // the scan or the output failed
	ExitUsage   = 2 // bad options or arguments
)

// UsageError is a mistake in the command line; it exits with ExitUsage.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}

// Config is a parsed and validated command line.
type Config struct {
	PIDs        []int         // PID arguments, de-duplicated, in the given order
	SubtreePID  int           // --subtree, 0 if not given
	PIDNS       bool          // --pidns
	Namespaces  nsfs.TypeSet  // --namespaces, 0 if not given
	NoPIDs      bool          // --no-pids
	ShowComm    bool          // --show-comm
	AllPIDs     bool          // --all-pids
	SearchTasks bool          // --search-tasks
	DeepScan    bool          // --deep-scan
	Holders     bool          // --holders
	Color       string        // auto, always or never
	Verbose     bool          // -v, --verbose
	Help        bool          // -h, --help
	Version     bool          // --version
	Completion  string        // --completion: a shell, "" if not given
	Output      string        // tree, json, list or dot
	Columns     []list.Column // --columns (list output)
	NoHeadings  bool          // --no-headings (list output)
	Raw         bool          // --raw (list output)
}

// Output formats.
var outputs = []string{"tree", "json", "list", "dot"}

// Values of --color.
var colors = []string{"auto", "always", "never"}

// columnNames lists the --columns names.
func columnNames() []string {
	var names []string
	for _, c := range list.AllColumns() {
		names = append(names, c.String())
	}
	return names
}

var negativeNumber = regexp.MustCompile(`^-[0-9]+$`)

// rawFlags holds the text of options that Parse checks after pflag has run.
type rawFlags struct {
	subtree, namespaces, columns string
	noColor                      bool
}

// newFlagSet defines every option. Parse reads the command line with it and
// [FlagSet] hands it to the completion scripts and the documentation tests,
// so those cannot drift from what Parse accepts.
func newFlagSet(cfg *Config, raw *rawFlags) *pflag.FlagSet {
	fs := pflag.NewFlagSet("namespaces_of", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	fs.StringVar(&raw.subtree, "subtree", "", "")
	fs.BoolVar(&cfg.PIDNS, "pidns", false, "")
	fs.StringVar(&raw.namespaces, "namespaces", "", "")
	fs.BoolVar(&cfg.NoPIDs, "no-pids", false, "")
	fs.BoolVar(&cfg.ShowComm, "show-comm", false, "")
	fs.BoolVar(&cfg.AllPIDs, "all-pids", false, "")
	fs.BoolVar(&cfg.SearchTasks, "search-tasks", false, "")
	fs.BoolVar(&cfg.DeepScan, "deep-scan", false, "")
	fs.BoolVar(&cfg.Holders, "holders", false, "")
	fs.BoolVar(&raw.noColor, "no-color", false, "")
	fs.StringVar(&cfg.Color, "color", "auto", "")
	fs.BoolVarP(&cfg.Verbose, "verbose", "v", false, "")
	fs.BoolVarP(&cfg.Help, "help", "h", false, "")
	fs.BoolVar(&cfg.Version, "version", false, "")
	fs.StringVar(&cfg.Completion, "completion", "", "")
	fs.StringVar(&cfg.Output, "output", "tree", "")
	fs.StringVar(&raw.columns, "columns", "", "")
	fs.BoolVar(&cfg.NoHeadings, "no-headings", false, "")
	fs.BoolVar(&cfg.Raw, "raw", false, "")

	// How the shells complete each option's value (package completion); a
	// test fails for an option that takes a value and is not listed here.
	completion.PID(fs, "subtree")
	completion.ListOf(fs, "namespaces", nsfs.TypeNames()...)
	completion.OneOf(fs, "color", colors...)
	completion.OneOf(fs, "completion", completion.Shells...)
	completion.OneOf(fs, "output", outputs...)
	completion.ListOf(fs, "columns", columnNames()...)
	return fs
}

// Parse parses and validates args (without the program name).
func Parse(args []string) (*Config, error) {
	cfg := &Config{}
	var raw rawFlags
	fs := newFlagSet(cfg, &raw)
	// "-5" would otherwise be taken for a cluster of short options.
	for _, a := range args {
		if a == "--" {
			break
		}
		if negativeNumber.MatchString(a) {
			return nil, usagef("invalid PID %q: a PID is a positive integer", a)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, usagef("%s", strings.TrimSuffix(err.Error(), "\n"))
	}
	if cfg.Help || cfg.Version {
		return cfg, nil
	}
	if fs.Changed("completion") {
		if !slices.Contains(completion.Shells, cfg.Completion) {
			return nil, usagef("--completion: invalid value %q (want %s)", cfg.Completion, strings.Join(completion.Shells, ", "))
		}
		return cfg, nil
	}

	seen := map[int]bool{}
	for _, a := range fs.Args() {
		pid, err := parsePID(a)
		if err != nil {
			return nil, err
		}
		if !seen[pid] {
			seen[pid] = true
			cfg.PIDs = append(cfg.PIDs, pid)
		}
	}
	if fs.Changed("subtree") {
		pid, err := parsePID(raw.subtree)
		if err != nil {
			return nil, usagef("--subtree: %v", err)
		}
		cfg.SubtreePID = pid
	}
	if fs.Changed("namespaces") {
		set, err := nsfs.ParseTypeSet(raw.namespaces)
		if err != nil {
			return nil, usagef("--namespaces: %v", err)
		}
		cfg.Namespaces = set
	}
	if !slices.Contains(colors, cfg.Color) {
		return nil, usagef("--color: invalid value %q (want auto, always or never)", cfg.Color)
	}
	if raw.noColor {
		if fs.Changed("color") && cfg.Color != "never" {
			return nil, usagef("--no-color conflicts with --color=%s", cfg.Color)
		}
		cfg.Color = "never"
	}
	if !slices.Contains(outputs, cfg.Output) {
		return nil, usagef("--output: invalid value %q (want %s)", cfg.Output, strings.Join(outputs, ", "))
	}
	if fs.Changed("columns") {
		cols, err := list.ParseColumns(raw.columns)
		if err != nil {
			return nil, usagef("--columns: %v", err)
		}
		cfg.Columns = cols
	}
	return cfg, validate(cfg, fs)
}

// validate enforces the rules on combining options.
func validate(cfg *Config, fs *pflag.FlagSet) error {
	switch {
	case len(cfg.PIDs) > 0 && (cfg.DeepScan || cfg.SearchTasks || cfg.SubtreePID != 0):
		return usagef("PID arguments cannot be combined with --deep-scan, --search-tasks or --subtree")
	case fs.Changed("namespaces") && cfg.PIDNS:
		return usagef("--namespaces cannot be combined with --pidns")
	case cfg.AllPIDs && !cfg.PIDNS:
		return usagef("--all-pids requires --pidns")
	case cfg.NoPIDs && (cfg.ShowComm || cfg.AllPIDs):
		return usagef("--no-pids cannot be combined with --show-comm or --all-pids")
	case cfg.Output != "list" && (fs.Changed("columns") || cfg.NoHeadings || cfg.Raw):
		return usagef("--columns, --no-headings and --raw require --output=list")
	}
	return nil
}

var errNotPID = errors.New("a PID is a positive integer")

// parsePID accepts a positive decimal integer.
func parsePID(s string) (int, error) {
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 || strings.HasPrefix(s, "+") {
		return 0, usagef("invalid PID %q: %v", s, errNotPID)
	}
	return pid, nil
}
