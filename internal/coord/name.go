package coord

import (
	"errors"
	"fmt"
	"strings"
)

// maxEscapedName keeps "<escaped>.token.tmp" well under the usual 255-byte
// file name limit.
const maxEscapedName = 200

// escapeName turns a lease name into a safe, flat file name. Letters, digits,
// '-' and '_' are kept; every other byte (including '/', '.' and '%') becomes
// %XX. The mapping is injective, so distinct names never share a lock, and
// the result can never be "", ".", ".." or contain a path separator.
func escapeName(name string) (string, error) {
	if name == "" {
		return "", errors.New("coord: empty lease name")
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() > maxEscapedName {
		return "", fmt.Errorf("coord: lease name %q is too long (%d bytes escaped, max %d)", name, b.Len(), maxEscapedName)
	}
	return b.String(), nil
}
