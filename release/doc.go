// Package release holds the tests of how namespaces_of is built, installed
// and says what it is: --version against the checkout's revision, the
// completion scripts of the built binary, and `go install ...@latest` from a
// clean GOPATH. The release script itself is release/build; .ci/release runs
// it and checks its binaries and Debian packages. This package has no
// non-test code.
package release
