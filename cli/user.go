package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

func userCmd(ctx context.Context, args []string, getenv Env, stdout, stderr io.Writer) error {
	fmt.Fprintln(stderr, "usage: markaz user add|list|disable|passwd")
	return errors.New("user commands are being built")
}
