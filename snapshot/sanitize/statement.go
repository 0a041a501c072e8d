package sanitize

import (
	"github.com/pilotlight-dr/pilotlight/internal/sqltok"

	"bytes"
	"fmt"
	"log/slog"
)

type stmtKind uint8

const (
	kindOther       stmtKind = iota // copied through
	kindSet                         // SET ...: held, then SQL_LOG_BIN and GTID assignments removed
	kindReplication                 // CHANGE MASTER TO, START/STOP SLAVE: removed
	kindDefiner                     // CREATE ... DEFINER=: the clause edited, the rest copied
)

// run handles one statement after another until the input ends.
func (f *filter) run() error {
	if err := f.checkText(); err != nil {
		return err
	}
	for {
		more, err := f.statement()
		if err != nil {
			return err
		}
		if !more {
			return f.flushPending()
		}
	}
}

// statement handles the text up to and including the next delimiter. It
// returns false at the end of the input.
func (f *filter) statement() (bool, error) {
	if err := f.trivia(); err != nil {
		return false, err
	}
	if f.pos == f.end && f.eof {
		return false, f.atEOF()
	}
	if f.lex.st != stCode || f.lex.versioned {
		_, err := f.pass() // odd, but the client would run it: copy it as it is
		return true, err
	}
	if _, err := f.ensure(f.window()); err != nil {
		return true, err
	}
	win := f.buf[f.pos:f.end]
	if done, err := f.clientCommand(win); done || err != nil {
		return true, err
	}
	final := f.eof
	kind, d := classify(win, final)
	start := f.offset()
	switch kind {
	case kindDefiner:
		if err := f.editDefiner(d); err != nil {
			return true, err
		}
	case kindSet, kindReplication:
		if err := f.flushPending(); err != nil { // the white space and comments before it stay
			return true, err
		}
		f.capturing, f.held, f.heldAt = true, f.held[:0], start
	}
	ended, err := f.pass()
	if err != nil || !f.capturing {
		return true, err
	}
	if err := f.flushPending(); err != nil {
		return true, err
	}
	if !f.capturing { // overflow copied it out
		return true, nil
	}
	f.capturing = false
	return true, f.rewrite(kind, ended)
}

// trivia copies the white space and plain comments before a statement, so
// that any amount of them never fills the window a statement is told by.
func (f *filter) trivia() error {
	if f.dropLineEnd {
		f.dropLineEnd = false
		if _, err := f.ensure(256); err != nil {
			return err
		}
		i := f.pos
		for i < f.end && (f.buf[i] == ' ' || f.buf[i] == '\t' || f.buf[i] == '\r') {
			i++
		}
		if i < f.end && f.buf[i] == '\n' {
			f.pos = i + 1
			f.drop()
		}
	}
	for {
		if _, err := f.ensure(4); err != nil {
			return err
		}
		if f.pos == f.end || f.lex.st != stCode || f.lex.versioned {
			return nil
		}
		b := f.buf[f.pos:f.end]
		switch c := b[0]; {
		case sqltok.IsSpace(c):
			f.pos++
			continue
		case c == '#' || c == '-' && len(b) > 1 && b[1] == '-' && (len(b) == 2 || b[2] <= ' '):
			f.lex.st, f.lex.openAt = stLineComment, f.offset()
		case c == '/' && len(b) > 2 && b[1] == '*' && sqltok.VersionedOpener(b, 0) == 0:
			f.lex.st, f.lex.openAt = stBlockComment, f.offset()
			f.pos += 2
		default:
			return nil
		}
		if err := f.skipComment(); err != nil {
			return err
		}
	}
}

// skipComment copies the comment the lexer is in, up to its end.
func (f *filter) skipComment() error {
	for {
		n, done := commentEnd(f.buf[f.pos:f.end], f.lex.st, f.eof)
		f.pos += n
		if done {
			f.lex.st = stCode
			return nil
		}
		if f.eof && f.pos == f.end {
			return nil
		}
		if err := f.fill(); err != nil {
			return err
		}
	}
}

// atEOF checks the state the input ended in.
func (f *filter) atEOF() error {
	switch {
	case f.lex.st == stSingle || f.lex.st == stDouble || f.lex.st == stBacktick || f.lex.st == stBlockComment:
		return fmt.Errorf("the dump ends inside %s that begins at byte %d: the file is truncated, or it is not a SQL dump", f.lex.st, f.lex.openAt)
	case f.lex.versioned:
		return fmt.Errorf("the dump ends inside a /*! ... */ comment: the file is truncated, or it is not a SQL dump")
	}
	return nil
}

// clientCommand handles what the client itself reads at the start of a
// statement: DELIMITER, and MariaDB's sandbox-mode line. They end at the end
// of their line, not at a delimiter.
func (f *filter) clientCommand(win []byte) (bool, error) {
	const sandbox = "/*M!999999\\- enable the sandbox mode */"
	if bytes.HasPrefix(win, []byte(sandbox)) {
		f.pos += len(sandbox)
		return true, nil
	}
	if len(win) < 10 || !sqltok.UpperEq(win[:9], "DELIMITER") || (win[9] != ' ' && win[9] != '\t') {
		return false, nil
	}
	line := win
	if nl := bytes.IndexByte(win, '\n'); nl >= 0 {
		line = win[:nl+1]
	} else if !f.eof {
		return true, fmt.Errorf("DELIMITER line at byte %d is longer than %d bytes: not a SQL dump?", f.offset(), len(win))
	}
	d := bytes.TrimSpace(line[10:])
	if len(d) > 1 && (d[0] == '\'' || d[0] == '"' || d[0] == '`') && d[len(d)-1] == d[0] {
		d = d[1 : len(d)-1]
	} else if i := bytes.IndexAny(d, " \t"); i >= 0 {
		d = d[:i]
	}
	if len(d) == 0 || len(d) > 16 {
		return true, fmt.Errorf("DELIMITER at byte %d: %q is not a usable delimiter", f.offset(), d)
	}
	f.lex.setDelimiter(d)
	f.pos += len(line)
	return true, nil
}

// classify tells what the statement at the start of win is. final says win
// holds the rest of the input.
func classify(win []byte, final bool) (stmtKind, definer) {
	z := sqltok.Tokenizer{S: win, Final: final}
	t := z.Next()
	switch {
	case z.WordIs(t, "SET"):
		return kindSet, definer{}
	case z.WordIs(t, "CHANGE"):
		if t2 := z.Next(); z.WordIs(t2, "MASTER") || z.WordIs(t2, "REPLICATION") {
			return kindReplication, definer{}
		}
	case z.WordIs(t, "START") || z.WordIs(t, "STOP"):
		if t2 := z.Next(); z.WordIs(t2, "SLAVE") || z.WordIs(t2, "REPLICA") || z.WordIs(t2, "ALL") {
			return kindReplication, definer{}
		}
	case z.WordIs(t, "CREATE") || z.WordIs(t, "ALTER"):
		if d := findDefiner(win, final); d.found {
			return kindDefiner, d
		}
	}
	return kindOther, definer{}
}

// editDefiner writes the statement's header with its DEFINER clause
// replaced or stripped, and leaves pos after the clause.
func (f *filter) editDefiner(d definer) error {
	f.lex.scan(f.buf[f.pos:f.pos+d.end], true, f.offset()) // the clause's quotes, for the lexer's state
	ins, resume := definerEdit(f.buf[f.pos:f.end], d.start, d.end, f.clause)
	clause := string(f.buf[f.pos+d.start : f.pos+d.end])
	f.pos += d.start
	if err := f.flushPending(); err != nil {
		return err
	}
	if _, err := f.out.WriteString(ins); err != nil {
		return fmt.Errorf("write the sanitized SQL: %w", err)
	}
	f.pos += resume - d.start
	f.drop()
	f.rep.Definers++
	if f.opt.Logger != nil {
		f.opt.Logger.Debug("definer changed", slog.String("from", clause), slog.String("to", ins), slog.Int64("offset", f.offset()))
	}
	return nil
}
