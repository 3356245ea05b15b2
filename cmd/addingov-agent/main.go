// Command addingov-agent shows the addingov daemon's notices in the user's session. The
// installers start it at logon: on Windows it is built as a GUI-subsystem program that
// lives in the notification area, so no console window opens; on Linux it sends
// freedesktop notifications. `addingov agent` is the same agent for a shell.
package main

import (
	"os"

	"addingov/cli"
)

func main() { os.Exit(cli.AgentMain(os.Args[1:])) }
