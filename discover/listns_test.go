package discover

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeListns serves IDs like listns(2): those after req.Ns_id, at most
// len(ids) of them.
func fakeListns(all []uint64, calls *[]uint64) func(*unix.NsIdReq, []uint64, uint) (int, error) {
	return func(req *unix.NsIdReq, ids []uint64, flags uint) (int, error) {
		if req.Size != unix.NS_ID_REQ_SIZE_VER0 {
			return 0, unix.EINVAL
		}
		*calls = append(*calls, req.Ns_id)
		n := 0
		for _, id := range all {
			if id > req.Ns_id && n < len(ids) {
				ids[n] = id
				n++
			}
		}
		return n, nil
	}
}

func TestListAllPages(t *testing.T) {
	all := []uint64{3, 5, 8, 13, 21, 34, 55}
	for _, size := range []int{1, 2, 3, 7, 8, 100} {
		var calls []uint64
		k := &kernelNamespaceList{listns: fakeListns(all, &calls), pageSize: size}
		got, err := k.listAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, all) {
			t.Errorf("page size %d: got %v, want %v", size, got, all)
		}
		if calls[0] != 0 {
			t.Errorf("page size %d: first request starts at %d, want 0", size, calls[0])
		}
		for i := 1; i < len(calls); i++ {
			if calls[i] <= calls[i-1] {
				t.Errorf("page size %d: requests do not advance: %v", size, calls)
			}
		}
	}
}

func TestListnsUnavailable(t *testing.T) {
	k := &kernelNamespaceList{
		listns:   func(*unix.NsIdReq, []uint64, uint) (int, error) { return 0, unix.ENOSYS },
		pageSize: 4,
	}
	k.probe()
	if !errors.Is(k.unavailable, unix.ENOSYS) {
		t.Fatalf("probe: unavailable = %v, want ENOSYS", k.unavailable)
	}
	r := k.report()
	if r.Ran || r.Reason == "" {
		t.Errorf("report = %+v, want not ran with a reason", r)
	}
	if more := k.scanAfterResolve(nil, newBatch()); more {
		t.Error("an unavailable source must not ask for another round")
	}
}

func TestListnsOpensOnlyUnknownIDs(t *testing.T) {
	var calls []uint64
	var opened []uint64
	k := &kernelNamespaceList{
		listns:   fakeListns([]uint64{1, 2, 3, 4}, &calls),
		pageSize: 2,
		openByID: func(id uint64) (int, error) {
			opened = append(opened, id)
			if id == 4 {
				return -1, unix.ESTALE
			}
			return unix.Open("/proc/self/ns/uts", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		},
	}
	s := &scanner{m: newTestModel(map[uint64]bool{1: true, 3: true})}
	b := newBatch()
	k.scanAfterResolve(s, b)
	if !slices.Equal(opened, []uint64{2, 4}) {
		t.Errorf("opened %v, want [2 4] (1 and 3 are known)", opened)
	}
	if len(b.holdings) != 1 || !b.holdings[0].ifNew {
		t.Errorf("holdings = %+v, want one kernel-listed holding", b.holdings)
	}
	for _, h := range b.holdings {
		unix.Close(h.fd)
	}
	if r := k.report(); !r.Ran || r.Reason != "1 listed namespaces could not be opened" {
		t.Errorf("report = %+v", r)
	}
	if k.scanAfterResolve(s, newBatch()) {
		t.Error("the list is read once per scan")
	}
}
