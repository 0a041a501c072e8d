package sanitize

import "bytes"

// The streaming lexer: it finds where each statement ends, the way the
// mysql/mariadb client splits a script, while the bytes pass through. It
// holds no text, only its state, so a statement may be any length and may
// cross any number of buffer refills.

type lexState uint8

const (
	stCode         lexState = iota
	stSingle                // inside '...'
	stDouble                // inside "..."
	stBacktick              // inside `...`
	stLineComment           // after -- or #, up to the end of the line
	stBlockComment          // inside /* ... */ (not a versioned comment)
)

func (s lexState) String() string {
	return [...]string{"code", "a '...' string", `a "..." string`, "a `...` identifier", "a -- comment", "a /* */ comment"}[s]
}

// lexer tracks quotes, comments and the delimiter. Versioned comments
// (/*!50003 ... */) are code: the client ends a statement at a delimiter
// inside one, and so does this lexer.
type lexer struct {
	st        lexState
	versioned bool
	delim     []byte
	special   [256]bool // bytes that may change the state in code
	openAt    int64     // input offset where the current string or comment began
	// noBackslash: the dump set a sql_mode with NO_BACKSLASH_ESCAPES (as
	// mysqldump does before a routine created under it), so a backslash in
	// a string is an ordinary byte; the client follows the server there too.
	noBackslash bool
}

func newLexer() *lexer {
	l := &lexer{}
	l.setDelimiter([]byte(";"))
	return l
}

func (l *lexer) setDelimiter(d []byte) {
	l.delim = append([]byte(nil), d...)
	l.special = [256]bool{}
	for _, c := range []byte("'\"`#-/*") {
		l.special[c] = true
	}
	l.special[d[0]] = true
}

// lookahead is the most scan needs past a byte to decide what it starts.
func (l *lexer) lookahead() int { return max(4, len(l.delim)) }

// scan advances over b, whose first byte is at input offset base. It
// returns how many bytes it consumed and whether they end with the
// statement's delimiter. It stops short of the end of b (need) when the
// last bytes could begin a token it cannot yet tell (a delimiter, "--", a
// backslash escape); then call again with more input. eof says nothing
// follows b.
func (l *lexer) scan(b []byte, eof bool, base int64) (n int, end, need bool) {
	i := 0
	for i < len(b) {
		switch l.st {
		case stCode:
			j := l.indexSpecial(b[i:])
			if j < 0 {
				return len(b), false, false
			}
			i += j
			if len(b)-i < l.lookahead() && !eof {
				return i, false, true
			}
			c := b[i]
			if c == l.delim[0] && bytes.HasPrefix(b[i:], l.delim) {
				return i + len(l.delim), true, false
			}
			i += l.code(b, i, base)
		case stSingle, stDouble:
			q := byte('\'')
			if l.st == stDouble {
				q = '"'
			}
			k, esc := stringEnd(b[i:], q, l.noBackslash)
			switch {
			case k >= 0:
				i += k + 1
				l.st = stCode
			case esc && !eof:
				return len(b) - 1, false, true // a backslash is the last byte
			default:
				return len(b), false, false
			}
		case stBacktick:
			k := bytes.IndexByte(b[i:], '`')
			if k < 0 {
				return len(b), false, false
			}
			i += k + 1
			l.st = stCode
		default: // a comment
			k, done := commentEnd(b[i:], l.st, eof)
			i += k
			if !done {
				return i, false, i < len(b)
			}
			l.st = stCode
		}
	}
	return i, false, false
}

// code handles the special byte at b[i] in code and returns how many bytes
// it takes; b holds at least lookahead bytes from i, or all there is.
func (l *lexer) code(b []byte, i int, base int64) int {
	at := func(k int) byte {
		if i+k < len(b) {
			return b[i+k]
		}
		return 0
	}
	switch c := b[i]; c {
	case '\'':
		l.st, l.openAt = stSingle, base+int64(i)
		return 1
	case '"':
		l.st, l.openAt = stDouble, base+int64(i)
		return 1
	case '`':
		l.st, l.openAt = stBacktick, base+int64(i)
		return 1
	case '#':
		l.st, l.openAt = stLineComment, base+int64(i)
		return 1
	case '-':
		// "--" starts a comment only before white space or a control
		// character (or at the end), as in the server and the client.
		if at(1) == '-' && (i+2 >= len(b) || b[i+2] <= ' ') {
			l.st, l.openAt = stLineComment, base+int64(i)
			return 2
		}
	case '/':
		if at(1) == '*' {
			if !l.versioned && (at(2) == '!' || at(2) == 'M' && at(3) == '!') {
				l.versioned = true
				return 3
			}
			l.st, l.openAt = stBlockComment, base+int64(i)
			return 2
		}
	case '*':
		if l.versioned && at(1) == '/' {
			l.versioned = false
			return 2
		}
	}
	return 1
}

// indexSpecial returns the index of the first byte in b that may change the
// state, or -1.
func (l *lexer) indexSpecial(b []byte) int {
	for i, c := range b {
		if l.special[c] {
			return i
		}
	}
	return -1
}

// stringEnd returns the index of the quote q that closes a string whose
// content starts at b[0], or -1; esc reports that b ends with an unpaired
// backslash. A doubled quote closes the string and reopens it at once,
// which is the same thing to the lexer.
func stringEnd(b []byte, q byte, noBackslash bool) (k int, esc bool) {
	if noBackslash {
		return bytes.IndexByte(b, q), false
	}
	i := 0
	next := -2 // index of the next quote at or after i; -2: not searched yet
	for {
		if next < i && next != -1 {
			next = bytes.IndexByte(b[i:], q)
			if next >= 0 {
				next += i
			}
		}
		limit := len(b)
		if next >= 0 {
			limit = next
		}
		bs := bytes.IndexByte(b[i:limit], '\\')
		if bs < 0 {
			return next, false
		}
		i += bs + 2 // the backslash and the byte it escapes
		if i > len(b) {
			return -1, true
		}
	}
}

// commentEnd returns how many bytes of b belong to the comment the lexer is
// in (st), and whether that includes its end. A "*" at the end of b, which
// may begin "*/", is left for the next call unless eof.
func commentEnd(b []byte, st lexState, eof bool) (int, bool) {
	if st == stLineComment {
		if k := bytes.IndexByte(b, '\n'); k >= 0 {
			return k + 1, true
		}
		return len(b), false
	}
	if k := bytes.Index(b, []byte("*/")); k >= 0 {
		return k + 2, true
	}
	if len(b) > 0 && b[len(b)-1] == '*' && !eof {
		return len(b) - 1, false
	}
	return len(b), false
}
