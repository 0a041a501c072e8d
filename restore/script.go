package restore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// runScript reads a SQL script as the mysql client does and calls exec with
// each statement, in order, without its delimiter: statements end at the
// delimiter outside quotes and comments, "DELIMITER x" lines change it (the
// snapshot's routines and triggers are written between DELIMITER ;; lines),
// plain comments are dropped and versioned ones (/*!40101 ... */) kept, since
// they are code to the server. An error from r (a snapshot object that fails
// its SHA-256 at the end) or from exec stops it and comes back as is.
func runScript(r io.Reader, exec func(stmt []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	s := scanner{delim: []byte(";")}
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer: one long value
			line = bytes.Clone(line)
			for errors.Is(err, bufio.ErrBufferFull) {
				var more []byte
				more, err = br.ReadSlice('\n')
				line = append(line, more...)
			}
		}
		if len(line) > 0 {
			if xerr := s.line(line, exec); xerr != nil {
				return xerr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if s.quote != 0 {
		return fmt.Errorf("the script ends inside a quoted string or name (%c)", s.quote)
	}
	if stmt := bytes.TrimSpace(s.stmt); len(stmt) > 0 {
		return exec(stmt)
	}
	return nil
}

// scanner is runScript's state between lines.
type scanner struct {
	delim   []byte
	stmt    []byte // the statement so far
	quote   byte   // the open quote, 0 outside one
	comment bool   // inside /* ... */ (not a versioned comment)
}

// line scans one line (with its newline, if any).
func (s *scanner) line(line []byte, exec func([]byte) error) error {
	if s.quote == 0 && !s.comment && len(bytes.TrimSpace(s.stmt)) == 0 {
		if d, ok := delimiterCommand(line); ok {
			s.delim, s.stmt = d, s.stmt[:0]
			return nil
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case s.comment:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.comment = false
				i++
			}
		case s.quote != 0:
			// Most of a chunk is quoted values: copy up to the next quote or
			// backslash at once.
			if k := indexQuoteEnd(line[i:], s.quote); k > 0 {
				s.stmt = append(s.stmt, line[i:i+k]...)
				i += k - 1
				continue
			} else if k < 0 {
				s.stmt = append(s.stmt, line[i:]...)
				return nil
			}
			s.stmt = append(s.stmt, c)
			switch {
			case c == '\\' && s.quote != '`' && i+1 < len(line):
				i++
				s.stmt = append(s.stmt, line[i])
			case c == s.quote && i+1 < len(line) && line[i+1] == s.quote: // '' inside '...'
				i++
				s.stmt = append(s.stmt, line[i])
			case c == s.quote:
				s.quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			s.quote = c
			s.stmt = append(s.stmt, c)
		case c == '#' || c == '-' && i+2 < len(line) && line[i+1] == '-' && isSpace(line[i+2]) ||
			c == '-' && i+2 == len(line) && line[i+1] == '-':
			s.stmt = append(s.stmt, '\n') // the rest of the line is a comment
			return nil
		case c == '/' && i+2 < len(line) && line[i+1] == '*' && line[i+2] != '!' &&
			!(line[i+2] == 'M' && i+3 < len(line) && line[i+3] == '!'):
			s.comment = true
			i++
		case bytes.HasPrefix(line[i:], s.delim):
			if stmt := bytes.TrimSpace(s.stmt); len(stmt) > 0 {
				if err := exec(stmt); err != nil {
					return err
				}
			}
			s.stmt = s.stmt[:0]
			i += len(s.delim) - 1
		default:
			// Copy up to the next byte that may mean something (a quote, a
			// comment, the delimiter) at once.
			k := indexSpecial(line[i:], s.delim[0])
			if k < 0 {
				k = len(line) - i
			}
			if k == 0 {
				k = 1
			}
			s.stmt = append(s.stmt, line[i:i+k]...)
			i += k - 1
		}
	}
	return nil
}

// indexQuoteEnd is the index in b of the next byte that can end or escape a
// quoted string opened by q (q itself, or a backslash inside '...' and
// "..."), -1 when there is none.
func indexQuoteEnd(b []byte, q byte) int {
	if q == '`' {
		return bytes.IndexByte(b, q)
	}
	for i, c := range b {
		if c == q || c == '\\' {
			return i
		}
	}
	return -1
}

// indexSpecial is the index in b of the next byte outside quotes that may
// start a quote, a comment or the delimiter (whose first byte is d), -1 when
// there is none.
func indexSpecial(b []byte, d byte) int {
	for i, c := range b {
		switch c {
		case '\'', '"', '`', '#', '-', '/', d:
			return i
		}
	}
	return -1
}

// delimiterCommand reads a "DELIMITER x" line.
func delimiterCommand(line []byte) ([]byte, bool) {
	t := bytes.TrimSpace(line)
	const kw = "DELIMITER"
	if len(t) <= len(kw) || !bytes.EqualFold(t[:len(kw)], []byte(kw)) || !isSpace(t[len(kw)]) {
		return nil, false
	}
	d := bytes.TrimSpace(t[len(kw):])
	if len(d) == 0 {
		return nil, false
	}
	return bytes.Clone(d), true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
