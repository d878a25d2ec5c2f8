package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// missingPID returns a PID that no process has: pid_max itself (PIDs are
// below it, so it cannot appear while the test runs), checked in /proc.
func missingPID(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); !os.IsNotExist(err) {
		t.Fatalf("/proc/%d (pid_max) exists: %v", pid, err)
	}
	return pid
}

// Acceptance 10: bad input exits 2 with exactly one stderr line that names
// the input, and nothing on stdout.
func TestBadInput(t *testing.T) {
	self := strconv.Itoa(os.Getpid()) // a PID that exists
	missing := strconv.Itoa(missingPID(t))
	for _, c := range []struct {
		name string
		args []string
		// names are what the message must contain (the bad input, or the
		// options that cannot be combined).
		names []string
	}{
		{"nonexistent PID", []string{missing}, []string{missing}},
		{"nonexistent PID among good ones, verbose", []string{"-v", self, missing}, []string{missing}},
		{"non-numeric PID", []string{"abc"}, []string{"abc"}},
		{"negative PID", []string{"-5"}, []string{"-5"}},
		{"negative PID after --", []string{"--", "-5"}, []string{"-5"}},
		{"zero PID", []string{"0"}, []string{`"0"`}},
		{"PID with sign", []string{"+5"}, []string{"+5"}},
		{"PID beyond int range", []string{"99999999999999999999"}, []string{"99999999999999999999"}},
		{"PID with junk", []string{self + "x"}, []string{self + "x"}},
		{"option after -- is a PID", []string{"--", "--no-pids"}, []string{"--no-pids"}},
		{"unknown --namespaces type", []string{"--namespaces=net,bogus"}, []string{"bogus"}},
		{"empty --namespaces", []string{"--namespaces="}, []string{"--namespaces"}},
		{"PIDs with --deep-scan", []string{"--deep-scan", self}, []string{"--deep-scan"}},
		{"PIDs with --search-tasks", []string{self, "--search-tasks"}, []string{"--search-tasks"}},
		{"PIDs with --subtree", []string{"--subtree=" + self, self}, []string{"--subtree"}},
		{"--namespaces with --pidns", []string{"--namespaces=net", "--pidns"}, []string{"--namespaces", "--pidns"}},
		{"--all-pids without --pidns", []string{"--all-pids"}, []string{"--all-pids", "--pidns"}},
		{"--no-pids with --show-comm", []string{"--no-pids", "--show-comm"}, []string{"--no-pids", "--show-comm"}},
		{"--no-pids with --all-pids", []string{"--pidns", "--no-pids", "--all-pids"}, []string{"--no-pids", "--all-pids"}},
		{"--subtree with a nonexistent PID", []string{"--subtree=" + missing}, []string{missing}},
		{"--subtree with a nonexistent PID, verbose", []string{"-v", "--pidns", "--subtree", missing}, []string{missing}},
		{"--subtree with a bad PID", []string{"--subtree=abc"}, []string{"--subtree", "abc"}},
		{"--subtree without a value", []string{"--subtree"}, []string{"--subtree"}},
		{"unknown option", []string{"--bogus"}, []string{"--bogus"}},
		{"unknown short option", []string{"-q"}, []string{"-q"}},
		{"value for a boolean option", []string{"--pidns=maybe"}, []string{"--pidns", "maybe"}},
		{"bad --color", []string{"--color=sometimes"}, []string{"sometimes"}},
		{"--no-color with --color=always", []string{"--no-color", "--color=always"}, []string{"--no-color", "--color=always"}},
		{"bad --output", []string{"--output=xml"}, []string{"xml"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := nstest.Run(t, c.args...)
			if r.Code != 2 {
				t.Errorf("namespaces_of %q: exit status %d, want 2", c.args, r.Code)
			}
			if r.Stdout != "" {
				t.Errorf("namespaces_of %q: stdout %q, want it empty", c.args, r.Stdout)
			}
			lines := stderrLines(r.Stderr)
			if len(lines) != 1 || !strings.HasSuffix(r.Stderr, "\n") {
				t.Fatalf("namespaces_of %q: stderr %q, want exactly one line", c.args, r.Stderr)
			}
			if !strings.HasPrefix(lines[0], "namespaces_of: ") {
				t.Errorf("stderr %q does not start with the program name", lines[0])
			}
			for _, name := range c.names {
				if !strings.Contains(lines[0], name) {
					t.Errorf("stderr %q does not name %q", lines[0], name)
				}
			}
			if strings.Contains(lines[0], "vanished") {
				t.Errorf("stderr %q: the PID was looked for after a scan, want it rejected before", lines[0])
			}
		})
	}
}
