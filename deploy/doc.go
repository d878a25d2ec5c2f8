// Package deploy holds no code: it is the container image definition
// (Containerfile) and the Kubernetes and Prometheus manifests of the
// namespaces_of service, and a test that decodes them strictly into the
// Kubernetes and Prometheus Operator API types.
package deploy
