package e2e

import (
	"os"
	"testing"

	"github.com/namespaces-of/namespaces_of/internal/nstest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	nstest.Cleanup()
	os.Exit(code)
}
