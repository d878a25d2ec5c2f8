package procfs

import (
	"bufio"
	"bytes"
	"io"

	"github.com/moby/sys/mountinfo"
)

// nsfsMarker is what the optional-fields separator and filesystem type look
// like in a mountinfo line of an nsfs mount. It only pre-selects lines; the
// decision is taken on the parsed filesystem-type field, by
// [mountinfo.FSTypeFilter].
var nsfsMarker = []byte(" - nsfs ")

// NSFSMounts returns the mount points (octal escapes decoded, relative to
// the reading process's root) of the nsfs mounts in a mountinfo file: the
// bind mounts of namespace files. Other mounts are never returned, whatever
// their paths or sources contain.
func NSFSMounts(r io.Reader) ([]string, error) {
	var paths []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.Contains(line, nsfsMarker) {
			continue
		}
		infos, err := mountinfo.GetMountsFromReader(bytes.NewReader(line), mountinfo.FSTypeFilter("nsfs"))
		if err != nil {
			return paths, err
		}
		for _, info := range infos {
			paths = append(paths, info.Mountpoint)
		}
	}
	return paths, sc.Err()
}
