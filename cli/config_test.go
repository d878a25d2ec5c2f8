package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/namespaces-of/namespaces_of/nsfs"
	"github.com/namespaces-of/namespaces_of/render/list"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		args  []string
		check func(*Config) bool
	}{
		{nil, func(c *Config) bool { return c.Output == "tree" && c.Color == "auto" && len(c.PIDs) == 0 }},
		{[]string{"12", "7", "12"}, func(c *Config) bool { return slices.Equal(c.PIDs, []int{12, 7}) }},
		{[]string{"--no-pids", "5", "--namespaces=net,uts"}, func(c *Config) bool {
			return c.NoPIDs && slices.Equal(c.PIDs, []int{5}) && c.Namespaces == nsfs.NewTypeSet(nsfs.Net, nsfs.UTS)
		}},
		{[]string{"--namespaces", "user"}, func(c *Config) bool { return c.Namespaces == nsfs.NewTypeSet(nsfs.User) }},
		{[]string{"--subtree=9"}, func(c *Config) bool { return c.SubtreePID == 9 }},
		{[]string{"--subtree", "9"}, func(c *Config) bool { return c.SubtreePID == 9 }},
		{[]string{"--pidns", "--all-pids", "--show-comm"}, func(c *Config) bool { return c.PIDNS && c.AllPIDs && c.ShowComm }},
		{[]string{"--color", "always"}, func(c *Config) bool { return c.Color == "always" }},
		{[]string{"--no-color"}, func(c *Config) bool { return c.Color == "never" }},
		{[]string{"--no-color", "--color=never"}, func(c *Config) bool { return c.Color == "never" }},
		{[]string{"--", "3"}, func(c *Config) bool { return slices.Equal(c.PIDs, []int{3}) }},
		{[]string{"--deep-scan", "--search-tasks", "--holders", "-v"}, func(c *Config) bool {
			return c.DeepScan && c.SearchTasks && c.Holders && c.Verbose
		}},
		{[]string{"--output=list", "--columns=ns,Type", "--raw", "--no-headings"}, func(c *Config) bool {
			return c.Output == "list" && slices.Equal(c.Columns, []list.Column{list.NS, list.Type}) && c.Raw && c.NoHeadings
		}},
		{[]string{"--output", "json"}, func(c *Config) bool { return c.Output == "json" }},
		{[]string{"--deep-scan", "--output=html"}, func(c *Config) bool { return c.Output == "html" && c.DeepScan }},
		{[]string{"-h"}, func(c *Config) bool { return c.Help }},
		{[]string{"--version", "abc"}, func(c *Config) bool { return c.Version }},
		// --diff and --watch
		{[]string{"--diff=a.json"}, func(c *Config) bool { return slices.Equal(c.Diff, []string{"a.json"}) && c.Watch == 0 }},
		{[]string{"--diff", "a,b.json", "--diff=c.json", "--output=json"}, func(c *Config) bool {
			return slices.Equal(c.Diff, []string{"a,b.json", "c.json"}) && c.Output == "json"
		}},
		{[]string{"--diff=a.json", "--deep-scan", "--pidns"}, func(c *Config) bool { return c.DeepScan && c.PIDNS }},
		{[]string{"--diff=a.json", "12"}, func(c *Config) bool { return slices.Equal(c.PIDs, []int{12}) }},
		{[]string{"--watch"}, func(c *Config) bool { return c.Watch == time.Second }},
		{[]string{"--watch=250ms", "--output=json", "1"}, func(c *Config) bool { return c.Watch == 250*time.Millisecond }},
		{[]string{"--watch=1h", "--search-tasks", "-v"}, func(c *Config) bool { return c.Watch == time.Hour && c.SearchTasks }},
		// lsns's options.
		{[]string{"-V"}, func(c *Config) bool { return c.Version }},
		{[]string{"-P"}, func(c *Config) bool { return c.Persistent && c.DeepScan }},
		{[]string{"--persistent", "--pidns"}, func(c *Config) bool { return c.Persistent && c.PIDNS }},
		{[]string{"-t", "net", "--type=uts", "-t", "net"}, func(c *Config) bool { return c.Types == nsfs.NewTypeSet(nsfs.Net, nsfs.UTS) }},
		{[]string{"-p", "7", "--task=9", "7"}, func(c *Config) bool {
			return slices.Equal(c.TaskPIDs, []int{7, 9}) && slices.Equal(c.PIDs, []int{7, 9})
		}},
		{[]string{"-Q", `TYPE == "net" && NPROCS == 0`}, func(c *Config) bool {
			return c.Filter != nil && slices.Equal(c.Filter.Columns(), []string{"TYPE", "NPROCS"})
		}},
		{[]string{"-l", "-o", "NS,pns"}, func(c *Config) bool {
			return c.Output == "list" && slices.Equal(c.Columns, []list.Column{list.NS, list.PNS})
		}},
		{[]string{"-l", "--output-all", "-u", "-W", "-n", "-r"}, func(c *Config) bool {
			return slices.Equal(c.Columns, list.AllColumns()) && c.NoTruncate && c.NoWrap && c.NoHeadings && c.Raw
		}},
		{[]string{"--output=list", "-l", "--noheadings"}, func(c *Config) bool { return c.Output == "list" && c.NoHeadings }},
		{[]string{"-J"}, func(c *Config) bool { return c.Output == "json" }},
		{[]string{"-H", "-r"}, func(c *Config) bool { return c.ListColumns && c.Raw }},
		{[]string{"-H", "-J", "1", "--deep-scan"}, func(c *Config) bool { return c.ListColumns && c.Output == "json" }},
	}
	for _, tt := range tests {
		cfg, err := Parse(tt.args)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.args, err)
			continue
		}
		if !tt.check(cfg) {
			t.Errorf("Parse(%q) = %+v", tt.args, cfg)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		args []string
		want string // part of the message
	}{
		{[]string{"abc"}, `"abc"`},
		{[]string{"-5"}, `"-5"`},
		{[]string{"0"}, `"0"`},
		{[]string{"+7"}, `"+7"`},
		{[]string{"99999999999999999999"}, "invalid PID"},
		{[]string{"--subtree=x"}, "--subtree"},
		{[]string{"--subtree="}, "--subtree"},
		{[]string{"--namespaces=net,bogus"}, `"bogus"`},
		{[]string{"--namespaces="}, "--namespaces"},
		{[]string{"--bogus"}, "--bogus"},
		{[]string{"--color=sometimes"}, `"sometimes"`},
		{[]string{"--no-color", "--color=always"}, "--no-color"},
		{[]string{"--output=xml"}, `"xml"`},
		{[]string{"--output=list", "--columns=NS,nope"}, `"nope"`},
		{[]string{"--raw"}, "--output=list"},
		{[]string{"--columns=NS"}, "--output=list"},
		{[]string{"--output=html", "--no-headings"}, "--output=list"},
		{[]string{"1", "--deep-scan"}, "PID arguments"},
		{[]string{"1", "--search-tasks"}, "PID arguments"},
		{[]string{"1", "--subtree=1"}, "PID arguments"},
		{[]string{"--namespaces=net", "--pidns"}, "--pidns"},
		{[]string{"--all-pids"}, "--all-pids"},
		{[]string{"--no-pids", "--show-comm"}, "--no-pids"},
		{[]string{"--pidns", "--no-pids", "--all-pids"}, "--no-pids"},
		// --diff and --watch
		{[]string{"--diff=a", "--watch"}, "--diff cannot be combined with --watch"},
		{[]string{"--watch=0"}, `"0"`},
		{[]string{"--watch=-1s"}, `"-1s"`},
		{[]string{"--watch=soon"}, `"soon"`},
		{[]string{"--watch="}, "--watch"},
		{[]string{"--watch", "2s"}, "--watch=2s"},
		{[]string{"--diff=a", "--diff=b", "--diff=c"}, "not 3"},
		{[]string{"--diff="}, "empty file name"},
		{[]string{"--diff=a", "--output=list"}, "--output=list"},
		{[]string{"--watch", "--output=dot"}, "--output=dot"},
		{[]string{"--watch", "--holders"}, "--holders"},
		{[]string{"--diff=a", "--no-pids"}, "--no-pids"},
		{[]string{"--diff=a", "--diff=b", "--deep-scan"}, "--deep-scan"},
		{[]string{"--diff=a", "--diff=b", "5"}, "PID arguments"},
		// lsns's options.
		{[]string{"-t", "bogus"}, `"bogus"`},
		{[]string{"-t", "net,uts"}, `"net,uts"`},
		{[]string{"-p", "0"}, "--task"},
		{[]string{"-p", "3", "-P"}, "--persistent"},
		{[]string{"1", "--persistent"}, "--persistent"},
		{[]string{"-Q", `NPROCS == 0)`}, "position 12"},
		{[]string{"-Q", `BOGUS`}, `unknown column "BOGUS"`},
		{[]string{"-Q", "TYPE == 'a\nb'"}, "position 9"},
		{[]string{"-o", "NS"}, "--output=list"},
		{[]string{"--output-all"}, "--output=list"},
		{[]string{"-W"}, "--output=list"},
		{[]string{"-l", "--output-all", "-o", "NS"}, "--output-all"},
		{[]string{"-l", "--output=json"}, "-l/--list"},
		{[]string{"-l", "-J"}, "conflicts"},
		{[]string{"-H", "--output=xml"}, `"xml"`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.args)
		var usage *UsageError
		if !errors.As(err, &usage) {
			t.Errorf("Parse(%q) = %v, want a usage error", tt.args, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
			t.Errorf("Parse(%q) message %q: want one line containing %q", tt.args, msg, tt.want)
		}
	}
}

// FuzzParse checks that any command line either parses into a consistent
// configuration or fails with a one-line usage error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"", "1 2 3", "--pidns --all-pids", "--subtree=1", "-5", "--namespaces=net,uts x",
		"--output=list --columns=NS,TYPE --raw", "-- -3", "--color always 4", "-vh", "--no-pids --show-comm"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cfg, err := Parse(strings.Fields(line))
		if err != nil {
			var usage *UsageError
			if !errors.As(err, &usage) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Parse(%q): %v: want a one-line usage error", line, err)
			}
			return
		}
		if cfg.Help || cfg.Version {
			return
		}
		seen := map[int]bool{}
		for _, pid := range cfg.PIDs {
			if pid <= 0 || seen[pid] {
				t.Fatalf("Parse(%q): bad PID list %v", line, cfg.PIDs)
			}
			seen[pid] = true
		}
		if len(cfg.PIDs) > 0 && (cfg.DeepScan || cfg.SearchTasks || cfg.SubtreePID != 0) {
			t.Fatalf("Parse(%q): forbidden combination accepted", line)
		}
		if cfg.AllPIDs && !cfg.PIDNS || cfg.NoPIDs && (cfg.ShowComm || cfg.AllPIDs) {
			t.Fatalf("Parse(%q): forbidden combination accepted", line)
		}
		if !slices.Contains(outputs, cfg.Output) || !slices.Contains([]string{"auto", "always", "never"}, cfg.Color) {
			t.Fatalf("Parse(%q): bad output or colour %+v", line, cfg)
		}
	})
}
