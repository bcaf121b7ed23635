// Command markaz is the one Markaz binary: web UI, JSON API and administration commands.
package main

import (
	"context"
	"fmt"
	"os"

	"markaz/cli"
)

func main() {
	if err := cli.Run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "markaz:", err)
		os.Exit(1)
	}
}
