// Command namespaces_of shows the namespaces of a Linux host in the user or
// PID namespace hierarchy. See `namespaces_of --help`.
package main

import (
	"os"

	"github.com/namespaces-of/namespaces_of/cli"
)

func main() { os.Exit(cli.Main()) }
