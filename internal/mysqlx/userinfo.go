package mysqlx

import (
	"fmt"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// percentHelp says how to write the characters a URL reserves.
const percentHelp = `percent-encode such characters (/ is %2F, # is %23, ? is %3F, % is %25, @ is %40, a space is %20), ` +
	`or keep the password out of the URL with ?password_file=PATH`

// unencodedUserinfo recognises the likely cause of a URL that ParseURL
// refused: a user name or password holding a character the URL syntax
// reserves. "/", "?" and "#" end the host part early (mysql://u:pa/ss@h/
// reads as host "u" and port "pa", the rest as a path), so an "@" after one
// of them is the sign; a "%" not followed by two hex digits is not a valid
// escape. It returns the character and the URL as it may be shown: the user
// name up to the first reserved character, the password masked, whatever
// the parse made of them. ok is false when the URL has no such problem.
func unencodedUserinfo(raw string) (c byte, shown string, ok bool) {
	scheme, rest, found := strings.Cut(raw, "://")
	if !found {
		return 0, "", false
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return 0, "", false
	}
	userinfo := rest[:at]
	switch i := strings.IndexAny(rest, "/?#"); {
	case i >= 0 && i < at && !strings.Contains(rest[i:at], "password_file="): // that "@" may be in the file's path
		c = rest[i]
	default:
		for j := 0; j < len(userinfo) && c == 0; j++ {
			if userinfo[j] == '%' && (j+2 >= len(userinfo) || !isHex(userinfo[j+1]) || !isHex(userinfo[j+2])) {
				c = '%'
			}
		}
		if c == 0 {
			return 0, "", false
		}
	}
	user, _, hasPassword := strings.Cut(userinfo, ":")
	if i := strings.IndexAny(user, "/?#@%"); i >= 0 {
		user = user[:i]
	}
	shown = scheme + "://" + user
	if hasPassword {
		shown += ":" + redact.Mask
	}
	return c, shown + "@" + rest[at+1:], true
}

// unencodedError is the ErrBadURL for a reserved character c in the user
// name or password, never repeating either.
func unencodedError(c byte, shown string) error {
	return fmt.Errorf("%w %q: the user name or password holds a %q that is not percent-encoded, so the URL ends "+
		"early or decodes to something else: %s", ErrBadURL, shown, string(c), percentHelp)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
