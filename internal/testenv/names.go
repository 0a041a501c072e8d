package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
)

// uniqueName returns a name valid as an S3 or GCS bucket, an Azure container and a MySQL
// database: lowercase letters, digits and single hyphens, 3 to 63 characters, starting and
// ending with a letter or digit. It carries the test's name for whoever reads a server's state.
func uniqueName(t testing.TB) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(t.Name()) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			hyphen = false
		case !hyphen && b.Len() > 0:
			b.WriteByte('-')
			hyphen = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" {
		base = "test"
	}
	return "pl-" + base + "-" + randomHex(4)
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails
	return hex.EncodeToString(buf)
}
