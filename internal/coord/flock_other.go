//go:build !unix

package coord

import (
	"errors"
	"os"
)

func tryLock(*os.File) (bool, error) {
	return false, errors.New("coord: file leases need flock, which this platform lacks")
}

func sameFile(*os.File) (bool, error) { return false, nil }
