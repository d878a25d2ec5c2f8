// Package e2e holds end-to-end tests of the namespaces_of binary against
// namespaces the tests create; it has no non-test code.
package e2e
