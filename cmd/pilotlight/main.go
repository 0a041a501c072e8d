// Command pilotlight keeps a standby MySQL inside its RPO target and fails
// over to it safely. This package wires the subcommands; it is the only one
// that exits the process.
package main

import (
	"os"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.LookupEnv))
}
