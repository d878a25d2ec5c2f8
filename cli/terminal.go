package cli

import (
	"os"

	"golang.org/x/term"
)

// terminal reports whether f is a terminal, and its width.
func terminal(f *os.File) (bool, int) {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return false, 0
	}
	w, _, err := term.GetSize(fd)
	if err != nil {
		return true, 0
	}
	return true, w
}
