package procfs

import (
	"bytes"
	"strconv"

	"github.com/namespaces-of/namespaces_of/nsfs"
)

// ParseNSLink parses the target of a namespace link or of an fd that refers
// to a namespace, "net:[4026531833]", into its type and inode number.
// ok is false for anything else ("socket:[12]", "/dev/null", "pipe:[3]").
func ParseNSLink(target []byte) (t nsfs.Type, ino uint64, ok bool) {
	colon := bytes.IndexByte(target, ':')
	if colon <= 0 || len(target) < colon+4 || target[colon+1] != '[' || target[len(target)-1] != ']' {
		return 0, 0, false
	}
	t, ok = nsfs.ParseType(string(target[:colon]))
	if !ok {
		return 0, 0, false
	}
	digits := target[colon+2 : len(target)-1]
	if len(digits) == 0 || digits[0] == '+' || digits[0] == '-' {
		return 0, 0, false
	}
	ino, err := strconv.ParseUint(string(digits), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return t, ino, true
}
