package completion_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/namespaces-of/namespaces_of/cli"
	"github.com/namespaces-of/namespaces_of/cli/completion"
	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

// script writes namespaces_of's completion script for shell to a file.
func script(t *testing.T, shell string) string {
	t.Helper()
	var buf bytes.Buffer
	err := completion.Write(&buf, shell, completion.Command{Name: "namespaces_of", Flags: cli.FlagSet(), Args: completion.KindPID})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "namespaces_of."+shell)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr)
	}
	return string(out)
}

// words returns the words option name of namespaces_of completes, with
// prefix, that start with start: what the scripts must offer.
func words(name, prefix, start string) []string {
	v, _ := completion.Of(cli.FlagSet().Lookup(name))
	var out []string
	for _, w := range v.Words {
		if strings.HasPrefix(w, start) {
			out = append(out, prefix+w)
		}
	}
	return out
}

// completionCases are command lines and exactly what completing their last
// word must offer, as the word would read afterwards.
var completionCases = []struct {
	line string
	want []string
}{
	{"namespaces_of --out", []string{"--output=", "--output-all"}},
	{"namespaces_of --output=", words("output", "--output=", "")},
	{"namespaces_of --output=j", []string{"--output=json"}},
	{"namespaces_of --output l", []string{"list"}},
	{"namespaces_of --color=", []string{"--color=auto", "--color=always", "--color=never"}},
	{"namespaces_of --completion=", []string{"--completion=bash", "--completion=zsh", "--completion=fish"}},
	{"namespaces_of --namespaces=net,u", []string{"--namespaces=net,user", "--namespaces=net,uts"}},
	{"namespaces_of --namespaces=user,net,", []string{"--namespaces=user,net,cgroup", "--namespaces=user,net,ipc",
		"--namespaces=user,net,mnt", "--namespaces=user,net,pid", "--namespaces=user,net,time", "--namespaces=user,net,uts"}},
	{"namespaces_of --output=list --columns=NS,TY", []string{"--columns=NS,TYPE"}},
	{"namespaces_of --columns N", words("columns", "", "N")},
	{"namespaces_of --no-p", []string{"--no-pids"}},
	{"namespaces_of --verb", []string{"--verbose"}},
}

// TestBash drives the bash script as bash would, through COMP_LINE and
// COMP_POINT, and reads COMPREPLY.
func TestBash(t *testing.T) {
	bash := nstest.Program(t, "bash")
	path := script(t, "bash")
	if got := run(t, bash, "-c", "source <(cat "+path+"); complete -p namespaces_of"); got != "complete -F _namespaces_of namespaces_of\n" {
		t.Errorf("complete -p namespaces_of printed %q", got)
	}
	pid := strconv.Itoa(os.Getpid())
	cases := append(completionCases[:len(completionCases):len(completionCases)],
		struct {
			line string
			want []string
		}{"namespaces_of --subtree=" + pid, []string{"--subtree=" + pid}},
		struct {
			line string
			want []string
		}{"namespaces_of 1 " + pid, []string{pid}})
	for _, c := range cases {
		// Bash splits the words at COMP_WORDBREAKS and replaces only the
		// text after the last break: rebuild the whole word from it.
		prog := `source "$1"; COMP_LINE=$2; COMP_POINT=${#2}; _namespaces_of
			cur=${2##* }; keep=${cur%"${cur##*[=:]}"}
			for w in "${COMPREPLY[@]}"; do printf '%s\n' "$keep$w"; done`
		got := strings.Fields(run(t, bash, "-c", prog, "bash", path, c.line))
		if strings.HasPrefix(c.line, "namespaces_of --subtree=") || strings.HasPrefix(c.line, "namespaces_of 1 ") {
			// Other processes' PIDs may start with ours.
			if !slices.Contains(got, c.want[0]) {
				t.Errorf("bash completes %q to %q, want %q among them", c.line, got, c.want[0])
			}
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("bash completes %q to %q, want %q", c.line, got, c.want)
		}
	}
}

// TestFish asks fish itself what it would offer.
func TestFish(t *testing.T) {
	fish := nstest.Program(t, "fish")
	path := script(t, "fish")
	run(t, fish, "-n", path)
	// fish completes only commands it can find.
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "namespaces_of"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// One fish for every line: each answer ends with a line "<end>".
	args := []string{"--no-config", "-c", `source $argv[1]; for line in $argv[2..]; complete -C $line; echo "<end>"; end`, path}
	for _, c := range completionCases {
		args = append(args, c.line)
	}
	cmd := exec.Command(fish, args...)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("fish: %v", err)
	}
	answers := strings.Split(strings.TrimSuffix(string(out), "<end>\n"), "<end>\n")
	if len(answers) != len(completionCases) {
		t.Fatalf("fish answered %d lines of %d:\n%s", len(answers), len(completionCases), out)
	}
	for i, c := range completionCases {
		var got []string
		for line := range strings.Lines(answers[i]) {
			word, _, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
			got = append(got, word)
		}
		// fish sorts the candidates; an option name in the line is
		// offered without "=" after it.
		want := slices.Clone(c.want)
		for i, w := range want {
			want[i] = strings.TrimSuffix(w, "=")
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("fish completes %q to %q, want %q", c.line, got, want)
		}
	}
}

// TestZsh checks the script's syntax, and that sourcing it registers the
// completion function with a freshly initialised completion system.
func TestZsh(t *testing.T) {
	zsh := nstest.Program(t, "zsh")
	path := script(t, "zsh")
	run(t, zsh, "-n", path)
	dump := filepath.Join(t.TempDir(), "zcompdump")
	got := run(t, zsh, "-f", "-c", `autoload -Uz compinit && compinit -u -d "$1" && source "$2" && print -r -- $_comps[namespaces_of]`, "zsh", dump, path)
	if got != "_namespaces_of\n" {
		t.Errorf("after sourcing, zsh completes namespaces_of with %q, want _namespaces_of", got)
	}
}

// TestValueOptionsNeedCompletion checks that an option taking a value
// cannot silently go without completion.
func TestValueOptionsNeedCompletion(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("diff", "", "")
	fs.Bool("quiet", false, "")
	err := completion.Write(&bytes.Buffer{}, "bash", completion.Command{Name: "x", Flags: fs})
	if err == nil || !strings.Contains(err.Error(), "--diff") {
		t.Fatalf("Write with an uncompleted --diff: %v, want an error naming --diff", err)
	}
	completion.File(fs, "diff")
	for _, shell := range completion.Shells {
		if err := completion.Write(&bytes.Buffer{}, shell, completion.Command{Name: "x", Flags: fs}); err != nil {
			t.Errorf("%s: %v", shell, err)
		}
	}
	if err := completion.Write(&bytes.Buffer{}, "tcsh", completion.Command{Name: "x", Flags: fs}); err == nil {
		t.Error("Write for tcsh succeeded")
	}
}
