package coord_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/pilotlight-dr/pilotlight/internal/coord"
)

func Example() {
	dir, _ := os.MkdirTemp("", "leases")
	defer os.RemoveAll(dir)
	c, err := coord.NewFile(dir)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	lease, err := c.Acquire(ctx, "replicate/main", false)
	if errors.Is(err, coord.ErrHeld) {
		fmt.Println("another replicate runs:", err)
		return
	}
	if err != nil {
		panic(err)
	}
	defer lease.Release(ctx)
	// Every checkpoint commit carries lease.Token(); the checkpoint row
	// refuses tokens lower than the highest it has stored.
	fmt.Println("token", lease.Token())
	_, err = c.Acquire(ctx, "replicate/main", false)
	fmt.Println(errors.Is(err, coord.ErrHeld))
	// Output:
	// token 1
	// true
}
