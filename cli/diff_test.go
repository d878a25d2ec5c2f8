package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseChanges(t *testing.T) {
	accepts := []struct {
		args  []string
		check func(*Config) bool
	}{
		{[]string{"--diff=a.json"}, func(c *Config) bool { return slices.Equal(c.Diff, []string{"a.json"}) && c.Watch == 0 }},
		{[]string{"--diff", "a,b.json", "--diff=c.json", "--output=json"}, func(c *Config) bool {
			return slices.Equal(c.Diff, []string{"a,b.json", "c.json"}) && c.Output == "json"
		}},
		{[]string{"--diff=a.json", "--deep-scan", "--pidns"}, func(c *Config) bool { return c.DeepScan && c.PIDNS }},
		{[]string{"--diff=a.json", "12"}, func(c *Config) bool { return slices.Equal(c.PIDs, []int{12}) }},
		{[]string{"--watch"}, func(c *Config) bool { return c.Watch == time.Second }},
		{[]string{"--watch=250ms", "--output=json", "1"}, func(c *Config) bool { return c.Watch == 250*time.Millisecond }},
		{[]string{"--watch=1h", "--search-tasks", "-v"}, func(c *Config) bool { return c.Watch == time.Hour && c.SearchTasks }},
	}
	for _, tt := range accepts {
		cfg, err := Parse(tt.args)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.args, err)
			continue
		}
		if !tt.check(cfg) {
			t.Errorf("Parse(%q) = %+v", tt.args, cfg)
		}
	}

	rejects := []struct {
		args []string
		want string
	}{
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
	}
	for _, tt := range rejects {
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
