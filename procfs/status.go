package procfs

import (
	"bytes"
	"fmt"
	"strconv"
)

// Status holds the fields of /proc/PID/status that namespace tools use.
type Status struct {
	Name   string // command name (comm), as status escapes it
	TGID   int
	PPID   int
	UID    int   // real UID
	NStgid []int // the thread group ID in each PID namespace, outermost first
}

// ParseStatus parses the content of /proc/PID/status. Fields it does not
// know are ignored; a field it knows but cannot parse is an error.
func ParseStatus(data []byte) (Status, error) {
	var st Status
	for len(data) > 0 {
		line := data
		if nl := bytes.IndexByte(data, '\n'); nl >= 0 {
			line, data = data[:nl], data[nl+1:]
		} else {
			data = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key, value := line[:colon], bytes.TrimLeft(line[colon+1:], " \t")
		var err error
		switch string(key) {
		case "Name":
			// "Name:\t" then the comm, which may itself begin with
			// blanks: only the tab is a separator.
			st.Name = string(bytes.TrimPrefix(line[colon+1:], []byte{'\t'}))
		case "Tgid":
			st.TGID, err = atoi(value)
		case "PPid":
			st.PPID, err = atoi(value)
		case "Uid":
			fields := bytes.Fields(value)
			if len(fields) == 0 {
				err = fmt.Errorf("empty")
			} else {
				st.UID, err = atoi(fields[0])
			}
		case "NStgid":
			st.NStgid, err = parseIntList(value)
		}
		if err != nil {
			return Status{}, fmt.Errorf("status field %s: %w", key, err)
		}
	}
	return st, nil
}

func atoi(b []byte) (int, error) {
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil {
		return 0, fmt.Errorf("bad number %q", b)
	}
	return n, nil
}

func parseIntList(b []byte) ([]int, error) {
	fields := bytes.Fields(b)
	out := make([]int, 0, len(fields))
	for _, f := range fields {
		n, err := atoi(f)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
