package sinktest

import (
	"errors"
	"strings"
	"testing"
)

// CheckError checks what an operator would read at 3 a.m.: err wraps the
// sentinel want, fits on one line, mentions every string in mention, and
// shows none of secrets. It reports false when err does not wrap want (the
// other checks are then skipped).
func CheckError(t testing.TB, what string, err, want error, mention, secrets []string) bool {
	t.Helper()
	t.Logf("%s: %v", what, err)
	if !errors.Is(err, want) {
		t.Errorf("%s = %v, want an error wrapping %q", what, err, want)
		return false
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("%s: error is not one line: %q", what, msg)
	}
	for _, m := range mention {
		if !strings.Contains(msg, m) {
			t.Errorf("%s: error %q does not mention %q", what, msg, m)
		}
	}
	for _, sec := range secrets {
		if sec != "" && strings.Contains(msg, sec) {
			t.Errorf("%s: error shows a secret: %q", what, msg)
		}
	}
	return true
}
