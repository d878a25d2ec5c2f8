package procfs

import (
	"bytes"
	"errors"
	"strconv"
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
// '(' to the last ')'.
func ParseStat(data []byte) (Stat, error) {
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return Stat{}, errStat
	}
	// After the comm: " STATE PPID ...".
	fields := bytes.Fields(data[closing+1:])
	if len(fields) < 2 {
		return Stat{}, errStat
	}
	ppid, err := strconv.Atoi(string(fields[1]))
	if err != nil || ppid < 0 {
		return Stat{}, errStat
	}
	return Stat{Comm: string(data[open+1 : closing]), PPID: ppid}, nil
}
