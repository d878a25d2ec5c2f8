// Package procfs parses the /proc files namespace discovery reads: namespace
// link targets, /proc/PID/status, uid_map/gid_map and mountinfo. The parsers
// work on bytes already read, so they are pure and easy to test and fuzz.
package procfs
