package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndpointPasswordSpecialCharacters: a password with "/", "#", "?" and
// "%" written as is in a mysql:// URL is one line naming the likely cause and
// the fix, exit 1, the password nowhere in the output; percent-encoded, or
// in a file named by ?password_file=, the same password connects to a real
// MariaDB and the snapshot is taken.
func TestEndpointPasswordSpecialCharacters(t *testing.T) {
	src := newSnapSource(t, 10)
	const user, password = "snap", "Tr1cky/pa#ss?w0rd%41"
	src.exec(t, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password),
		fmt.Sprintf("GRANT ALL ON *.* TO '%s'@'%%'", user))
	hostPort := fmt.Sprintf("127.0.0.1:%d", src.Port)
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}

	raw := "mysql://" + user + ":" + password + "@" + hostPort + "/"
	args := []string{"snapshot", "--source", raw, "--to", "file://" + t.TempDir()}
	r := pl(t, env, nil, args...)
	r.want(t, exitFailure, "snapshot", "--source", "<unencoded>") // a bad URL is a bad setting: exit 1, as everywhere
	oneLineError(t, r, `the user name or password holds a "/" that is not percent-encoded`, password, "pa#ss", "w0rd%41")
	if !strings.Contains(r.stderr, "/ is %2F, # is %23") || !strings.Contains(r.stderr, "password_file") {
		t.Errorf("the error does not give the fix:\n%s", r.stderr)
	}

	pwFile := filepath.Join(t.TempDir(), "snap.pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, source := range []string{
		"mysql://" + user + ":Tr1cky%2Fpa%23ss%3Fw0rd%2541@" + hostPort + "/",
		"mysql://" + user + "@" + hostPort + "/?password_file=" + pwFile,
	} {
		args := []string{"snapshot", "--source", source, "--to", "file://" + t.TempDir()}
		r := pl(t, env, nil, args...)
		r.want(t, exitOK, "snapshot", "--source", source)
		if strings.Contains(r.stdout+r.stderr, "w0rd") {
			t.Errorf("%s: the output shows the password:\n%s%s", source, r.stdout, r.stderr)
		}
	}
}
