//go:build race

package azblob

// raceEnabled: the race detector multiplies memory use, so RSS bounds are not checked.
const raceEnabled = true
