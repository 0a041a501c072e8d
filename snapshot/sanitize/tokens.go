package sanitize

import "bytes"

// A small lexer for the first tokens of one statement: enough to tell what
// the statement is (SET, CHANGE MASTER, CREATE ... VIEW) and where its
// DEFINER clause lies. Versioned comments (/*!50013 ... */, /*M!100101 ... */)
// are code to the server, so their markers count as white space and their
// content as tokens; plain comments are white space.

type tokKind uint8

const (
	tokEOF    tokKind = iota // end of the text, or more text is needed (tokenizer.short)
	tokWord                  // keyword or bare identifier
	tokQuoted                // '...', "..." or `...`, quote included
	tokPunct                 // any other single byte
)

type token struct {
	kind       tokKind
	start, end int // byte offsets in the tokenizer's text
}

// tokenizer walks text from off. short is set when the text ended inside a
// token or comment: the statement may continue past the text given.
type tokenizer struct {
	s         []byte
	off       int
	versioned bool // inside /*! ... */
	short     bool
	final     bool // s is the whole text: nothing follows it
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// isWordByte: the bytes of a bare identifier or keyword (any non-ASCII byte
// may be part of a UTF-8 identifier).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// versionedOpener returns the length of "/*!NNNNN" or "/*M!NNNNNN" at s[i:],
// or 0.
func versionedOpener(s []byte, i int) int {
	if i+2 >= len(s) || s[i] != '/' || s[i+1] != '*' {
		return 0
	}
	j := i + 2
	if s[j] == 'M' && j+1 < len(s) && s[j+1] == '!' {
		j++
	}
	if s[j] != '!' {
		return 0
	}
	j++
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// skipTrivia moves past white space, plain comments and versioned-comment
// markers.
func (z *tokenizer) skipTrivia() {
	s := z.s
	for z.off < len(s) {
		c := s[z.off]
		switch {
		case isSpace(c):
			z.off++
		case c == '#' || c == '-' && z.off+1 < len(s) && s[z.off+1] == '-' && (z.off+2 >= len(s) || isSpace(s[z.off+2])):
			if z.off+2 >= len(s) && c == '-' && !z.final {
				z.short = true // "--" at the end: comment or not, we cannot tell yet
				return
			}
			nl := indexByteFrom(s, z.off, '\n')
			if nl < 0 {
				z.off, z.short = len(s), !z.final
				return
			}
			z.off = nl + 1
		case c == '*' && z.versioned && z.off+1 < len(s) && s[z.off+1] == '/':
			z.versioned = false
			z.off += 2
		case c == '/' && z.off+1 < len(s) && s[z.off+1] == '*':
			if n := versionedOpener(s, z.off); n > 0 {
				if z.versioned {
					return // not valid SQL; let the caller see "/"
				}
				z.versioned = true
				z.off += n
				continue
			}
			end := indexFrom(s, z.off+2, "*/")
			if end < 0 {
				z.off, z.short = len(s), true
				return
			}
			z.off = end + 2
		default:
			return
		}
	}
}

// next returns the next token; tokEOF at the end of the text.
func (z *tokenizer) next() token {
	z.skipTrivia()
	s := z.s
	if z.off >= len(s) {
		return token{kind: tokEOF, start: z.off, end: z.off}
	}
	start := z.off
	c := s[start]
	switch {
	case c == '\'' || c == '"' || c == '`':
		end := quotedEnd(s, start, z.final)
		if end < 0 {
			z.off, z.short = len(s), true
			return token{kind: tokEOF, start: start, end: start}
		}
		z.off = end
		return token{kind: tokQuoted, start: start, end: end}
	case isWordByte(c):
		i := start + 1
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
		if i == len(s) && !z.final {
			z.short = true // the word may go on
		}
		z.off = i
		return token{kind: tokWord, start: start, end: i}
	}
	z.off++
	return token{kind: tokPunct, start: start, end: start + 1}
}

// quotedEnd returns the offset just past the quoted token starting at s[i],
// or -1 if the text ends first. Backslash escapes apply in '...' and "...";
// a doubled quote is part of the token in all three kinds.
func quotedEnd(s []byte, i int, final bool) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			if j+1 == len(s) && !final {
				return -1 // a doubled quote may follow
			}
			return j + 1
		}
	}
	return -1
}

// unquote returns the content of a quoted token, escapes resolved.
func unquote(tok []byte) string {
	if len(tok) < 2 {
		return string(tok)
	}
	q := tok[0]
	body := tok[1 : len(tok)-1]
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && q != '`' && i+1 < len(body):
			i++
			out = append(out, unescape(body[i]))
		case c == q && i+1 < len(body) && body[i+1] == q:
			i++
			out = append(out, q)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case '0':
		return 0
	case 'Z':
		return 26
	case 'b':
		return '\b'
	}
	return c
}

// wordIs reports whether tok is the bare word w, ignoring case (w is upper case).
func (z *tokenizer) wordIs(tok token, w string) bool {
	return tok.kind == tokWord && tok.end-tok.start == len(w) && upperEq(z.s[tok.start:tok.end], w)
}

func (z *tokenizer) punctIs(tok token, c byte) bool {
	return tok.kind == tokPunct && z.s[tok.start] == c
}

// upperEq compares b with the upper-case ASCII string w, ignoring b's case.
func upperEq(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

func indexByteFrom(s []byte, from int, c byte) int {
	if i := bytes.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}

func indexFrom(s []byte, from int, sep string) int {
	if from > len(s) {
		return -1
	}
	if i := bytes.Index(s[from:], []byte(sep)); i >= 0 {
		return from + i
	}
	return -1
}
