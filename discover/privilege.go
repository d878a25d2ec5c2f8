package discover

import (
	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
)

// hasCapability reports whether the calling thread has capability c in its
// effective set.
func hasCapability(c int) bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[c/32].Effective&(1<<(uint(c)%32)) != 0
}

// limitedBy marks a report of a source that ran but can only look into the
// caller's own processes, for want of a capability.
func limitedBy(r model.SourceReport, capable bool, capName string) model.SourceReport {
	if r.Ran && !capable && r.Reason == "" {
		r.Reason = "limited to processes of the caller's own user (no " + capName + ")"
	}
	return r
}
