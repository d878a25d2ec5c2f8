package nsfs

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// NetNSIDs asks the network subsystem, over one rtnetlink socket of the
// caller's network namespace, which id (if any) that namespace has given
// peer network namespaces: the NETNSID of lsns and `ip netns list-id`. It
// sends the peer as an fd (RTM_GETNSID with NETNSA_FD), so no thread ever
// enters another namespace.
type NetNSIDs struct {
	fd  int
	seq uint32
}

// NetNSIDNotAssigned is the id of a peer the caller's namespace has no id
// for (NETNSA_NSID_NOT_ASSIGNED).
const NetNSIDNotAssigned = unix.NETNSA_NSID_NOT_ASSIGNED

// OpenNetNSIDs opens the rtnetlink socket. Close it when done.
func OpenNetNSIDs() (*NetNSIDs, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("rtnetlink socket: %w", err)
	}
	// The kernel answers at once; the timeout only guards against a reply
	// that never comes, so the scan can never hang here.
	tv := unix.Timeval{Sec: 2}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtnetlink socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("rtnetlink socket: %w", err)
	}
	return &NetNSIDs{fd: fd}, nil
}

// Close closes the socket.
func (q *NetNSIDs) Close() error { return unix.Close(q.fd) }

// Request layout: nlmsghdr, rtgenmsg padded to 4 bytes, one rtattr with
// the int32 fd.
const (
	genmsgLen  = 4 // NLMSG_ALIGN(sizeof(struct rtgenmsg))
	rtattrLen  = 4
	requestLen = unix.SizeofNlMsghdr + genmsgLen + rtattrLen + 4
)

// Of returns the id of the network namespace nsFD refers to, or
// NetNSIDNotAssigned.
func (q *NetNSIDs) Of(nsFD int) (int32, error) {
	q.seq++
	req := make([]byte, requestLen)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], requestLen)
	ne.PutUint16(req[4:], unix.RTM_GETNSID)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], q.seq)
	req[unix.SizeofNlMsghdr] = unix.AF_UNSPEC
	attr := req[unix.SizeofNlMsghdr+genmsgLen:]
	ne.PutUint16(attr[0:], rtattrLen+4)
	ne.PutUint16(attr[2:], unix.NETNSA_FD)
	ne.PutUint32(attr[4:], uint32(int32(nsFD)))
	if err := unix.Sendto(q.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("RTM_GETNSID: %w", err)
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := unix.Recvfrom(q.fd, buf, 0)
		if err != nil {
			return 0, fmt.Errorf("RTM_GETNSID reply: %w", err)
		}
		id, done, err := parseNSIDReply(buf[:n], q.seq)
		if done || err != nil {
			return id, err
		}
	}
}

// parseNSIDReply reads the messages of one datagram; done is false when
// none of them answers request seq (a stale reply).
func parseNSIDReply(b []byte, seq uint32) (id int32, done bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofNlMsghdr {
		msgLen := int(ne.Uint32(b[0:]))
		if msgLen < unix.SizeofNlMsghdr || msgLen > len(b) {
			return 0, true, fmt.Errorf("RTM_GETNSID reply: bad message length %d", msgLen)
		}
		typ, msgSeq := ne.Uint16(b[4:]), ne.Uint32(b[8:])
		body := b[unix.SizeofNlMsghdr:msgLen]
		b = b[min(len(b), (msgLen+3)&^3):]
		if msgSeq != seq {
			continue
		}
		switch typ {
		case unix.NLMSG_ERROR:
			if len(body) < 4 {
				return 0, true, fmt.Errorf("RTM_GETNSID: short error reply")
			}
			if errno := -int32(ne.Uint32(body)); errno != 0 {
				return 0, true, fmt.Errorf("RTM_GETNSID: %w", unix.Errno(errno))
			}
			return 0, true, fmt.Errorf("RTM_GETNSID: acknowledged without an id")
		case unix.RTM_NEWNSID:
			if len(body) < genmsgLen {
				return 0, true, fmt.Errorf("RTM_NEWNSID: short reply")
			}
			for attrs := body[genmsgLen:]; len(attrs) >= rtattrLen; {
				l, t := int(ne.Uint16(attrs[0:])), ne.Uint16(attrs[2:])
				if l < rtattrLen || l > len(attrs) {
					break
				}
				if t == unix.NETNSA_NSID && l >= rtattrLen+4 {
					return int32(ne.Uint32(attrs[rtattrLen:])), true, nil
				}
				attrs = attrs[min(len(attrs), (l+3)&^3):]
			}
			return 0, true, fmt.Errorf("RTM_NEWNSID: no NETNSA_NSID")
		}
	}
	return 0, false, nil
}
