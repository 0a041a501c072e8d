//go:build race

package s3

// raceEnabled: the race detector multiplies memory use, so RSS limits
// cannot be checked under it (the Go heap still is).
const raceEnabled = true
