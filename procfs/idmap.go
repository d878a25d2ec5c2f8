package procfs

import (
	"bytes"
	"fmt"
	"strconv"
)

// IDRange is one line of a uid_map or gid_map: Count IDs starting at Inside
// in the namespace map to IDs starting at Outside in the reader's namespace.
type IDRange struct {
	Inside  uint32
	Outside uint32
	Count   uint32
}

// ParseIDMap parses the content of /proc/PID/uid_map or gid_map. An empty
// file (a user namespace whose map is not written yet) gives an empty,
// non-nil slice.
func ParseIDMap(data []byte) ([]IDRange, error) {
	ranges := []IDRange{}
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		fields := bytes.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("id map line %d: want 3 fields, have %d", i+1, len(fields))
		}
		var nums [3]uint32
		for j, f := range fields {
			n, err := strconv.ParseUint(string(f), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("id map line %d: bad number %q", i+1, f)
			}
			nums[j] = uint32(n)
		}
		ranges = append(ranges, IDRange{Inside: nums[0], Outside: nums[1], Count: nums[2]})
	}
	return ranges, nil
}
