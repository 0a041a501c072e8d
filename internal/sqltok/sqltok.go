// Package sqltok is a small lexer for the first tokens of a MySQL or MariaDB
// statement: enough to tell what a statement is (SET, CREATE ... TRIGGER, GRANT),
// where its clauses lie and what it names, without a full SQL parser.
package sqltok

import "bytes"

// Versioned comments (/*!50013 ... */, /*M!100101 ... */) are code to the
// server, so their markers count as white space and their content as tokens;
// plain comments are white space.

// Kind is what a Token is.
type Kind uint8

const (
	EOF    Kind = iota // end of the text, or more text is needed (Tokenizer.Short)
	Word               // keyword or bare identifier
	Quoted             // '...', "..." or `...`, quote included
	Punct              // any other single byte
)

// Token is one token: its kind and its byte offsets in the Tokenizer's text.
type Token struct {
	Kind       Kind
	Start, End int
}

// Tokenizer walks S from Off. Short is set when the text ended inside a token
// or comment: the statement may continue past the text given. Final says S is
// the whole text: nothing follows it.
type Tokenizer struct {
	S         []byte
	Off       int
	versioned bool // inside /*! ... */
	Short     bool
	Final     bool
}

// IsSpace reports whether c is SQL white space.
func IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// IsWordByte: the bytes of a bare identifier or keyword (any non-ASCII byte
// may be part of a UTF-8 identifier).
func IsWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// VersionedOpener returns the length of "/*!NNNNN" or "/*M!NNNNNN" at s[i:],
// or 0.
func VersionedOpener(s []byte, i int) int {
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

// SkipTrivia moves past white space, plain comments and versioned-comment
// markers.
func (z *Tokenizer) SkipTrivia() {
	s := z.S
	for z.Off < len(s) {
		c := s[z.Off]
		switch {
		case IsSpace(c):
			z.Off++
		case c == '#' || c == '-' && z.Off+1 < len(s) && s[z.Off+1] == '-' && (z.Off+2 >= len(s) || IsSpace(s[z.Off+2])):
			if z.Off+2 >= len(s) && c == '-' && !z.Final {
				z.Short = true // "--" at the end: comment or not, we cannot tell yet
				return
			}
			nl := indexByteFrom(s, z.Off, '\n')
			if nl < 0 {
				z.Off, z.Short = len(s), !z.Final
				return
			}
			z.Off = nl + 1
		case c == '*' && z.versioned && z.Off+1 < len(s) && s[z.Off+1] == '/':
			z.versioned = false
			z.Off += 2
		case c == '/' && z.Off+1 < len(s) && s[z.Off+1] == '*':
			if n := VersionedOpener(s, z.Off); n > 0 {
				if z.versioned {
					return // not valid SQL; let the caller see "/"
				}
				z.versioned = true
				z.Off += n
				continue
			}
			end := indexFrom(s, z.Off+2, "*/")
			if end < 0 {
				z.Off, z.Short = len(s), true
				return
			}
			z.Off = end + 2
		default:
			return
		}
	}
}

// Next returns the next token; EOF at the end of the text.
func (z *Tokenizer) Next() Token {
	z.SkipTrivia()
	s := z.S
	if z.Off >= len(s) {
		return Token{Kind: EOF, Start: z.Off, End: z.Off}
	}
	start := z.Off
	c := s[start]
	switch {
	case c == '\'' || c == '"' || c == '`':
		end := QuotedEnd(s, start, z.Final)
		if end < 0 {
			z.Off, z.Short = len(s), true
			return Token{Kind: EOF, Start: start, End: start}
		}
		z.Off = end
		return Token{Kind: Quoted, Start: start, End: end}
	case IsWordByte(c):
		i := start + 1
		for i < len(s) && IsWordByte(s[i]) {
			i++
		}
		if i == len(s) && !z.Final {
			z.Short = true // the word may go on
		}
		z.Off = i
		return Token{Kind: Word, Start: start, End: i}
	}
	z.Off++
	return Token{Kind: Punct, Start: start, End: start + 1}
}

// QuotedEnd returns the offset just past the quoted token starting at s[i],
// or -1 if the text ends first. Backslash escapes apply in '...' and "...";
// a doubled quote is part of the token in all three kinds.
func QuotedEnd(s []byte, i int, final bool) int {
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

// Unquote returns the content of a quoted token, escapes resolved.
func Unquote(tok []byte) string {
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

// WordIs reports whether tok is the bare word w, ignoring case (w is upper case).
func (z *Tokenizer) WordIs(tok Token, w string) bool {
	return tok.Kind == Word && tok.End-tok.Start == len(w) && UpperEq(z.S[tok.Start:tok.End], w)
}

// PunctIs reports whether tok is the punctuation byte c.
func (z *Tokenizer) PunctIs(tok Token, c byte) bool {
	return tok.Kind == Punct && z.S[tok.Start] == c
}

// UpperEq compares b with the upper-case ASCII string w, ignoring b's case.
func UpperEq(b []byte, w string) bool {
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
