package procfs

import (
	"bytes"
	"errors"
)

// Stat holds the fields of /proc/PID/stat that namespace tools use.
// Reading stat costs the kernel less than status, and its comm field is the
// raw command name, as /proc/PID/comm shows it.
type Stat struct {
	Comm string
	PPID int
}

var errStat = errors.New("malformed stat line")

// ParseStat parses the content of /proc/PID/stat: "PID (COMM) STATE PPID ...".
// COMM may itself contain spaces and parentheses, so it runs from the first
// '(' to the last ')'. Only the fields wanted are cut out: this runs for
// every process of a scan.
func ParseStat(data []byte) (Stat, error) {
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return Stat{}, errStat
	}
	state, rest := nextField(data[closing+1:])
	ppid, _ := nextField(rest)
	n, ok := decimal(ppid)
	if len(state) == 0 || !ok {
		return Stat{}, errStat
	}
	return Stat{Comm: string(data[open+1 : closing]), PPID: n}, nil
}

// nextField returns the first blank-separated field of b and what follows.
func nextField(b []byte) (field, rest []byte) {
	b = bytes.TrimLeft(b, " \t\n")
	end := bytes.IndexAny(b, " \t\n")
	if end < 0 {
		return b, nil
	}
	return b[:end], b[end:]
}

// decimal parses a non-negative decimal number that fits an int32.
func decimal(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
