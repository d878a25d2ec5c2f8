package procfs

import "bytes"

// MaxCmdline is how much of /proc/PID/cmdline is read; longer command
// lines are cut there.
const MaxCmdline = 64 << 10

// ParseCmdline turns the content of /proc/PID/cmdline (NUL-terminated
// arguments) into one line, arguments separated by single spaces, as lsns
// and ps show it. Trailing NULs and blanks are dropped; a kernel thread's
// empty file gives "".
func ParseCmdline(data []byte) string {
	data = bytes.TrimRight(data, "\x00")
	out := bytes.ReplaceAll(data, []byte{0}, []byte{' '})
	return string(bytes.TrimRight(out, " "))
}
