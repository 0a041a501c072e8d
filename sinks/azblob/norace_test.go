//go:build !race

package azblob

const raceEnabled = false
