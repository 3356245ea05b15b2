// Command addingov is the command line for users, administrators and support
// engineers; see `addingov --help`.
package main

import (
	"os"

	"addingov/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
