package discover

import (
	"errors"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/namespaces-of/namespaces_of/model"
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
	r := report(k, true)
	if r.Ran || r.Reason == "" {
		t.Errorf("report = %+v, want not ran with a reason", r)
	}
	if more := k.scanHost(nil, &found{}); more {
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
	kn := &known{m: newTestModel(map[uint64]bool{1: true, 3: true})}
	f := &found{}
	k.scanHost(kn, f)
	if !slices.Equal(opened, []uint64{2, 4}) {
		t.Errorf("opened %v, want [2 4] (1 and 3 are known)", opened)
	}
	if len(f.holders) != 1 || f.holders[0].holder.Kind != model.HolderKernelList {
		t.Errorf("holders = %+v, want one kernel-listed holding", f.holders)
	}
	for _, h := range f.holders {
		unix.Close(h.fd)
	}
	if r := report(k, true); !r.Ran || r.Reason != "1 listed namespaces could not be opened" {
		t.Errorf("report = %+v", r)
	}
	again := &found{}
	if k.scanHost(kn, again) {
		t.Error("the list is read once per scan")
	}
	for _, h := range again.holders {
		unix.Close(h.fd)
	}
}
