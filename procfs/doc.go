// Package procfs parses the /proc files namespace discovery reads: namespace
// link targets ([ParseNSLink]), /proc/PID/stat ([ParseStat]),
// /proc/PID/status ([ParseStatus]), uid_map/gid_map ([ParseIDMap]) and
// mountinfo ([NSFSMounts]). The parsers
// work on bytes already read, so they are pure and easy to test and fuzz.
package procfs
