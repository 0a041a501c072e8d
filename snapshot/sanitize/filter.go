package sanitize

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
)

// Options tune Sanitize.
type Options struct {
	// Definer, when set, replaces every DEFINER clause with this account (as
	// QuoteAccount takes it: app@%); empty strips them, so that the objects
	// belong to the user who loads the dump.
	Definer string
	// Logger gets one debug line per statement changed; nil logs nothing.
	Logger *slog.Logger
	// BufferSize is the read buffer (default 1 MiB, at least 256 bytes). Data
	// is copied through in slices of it, so it also bounds the memory used
	// besides the statements held for rewriting (MaxStatement).
	BufferSize int
	// MaxStatement bounds a SET or CHANGE MASTER statement held whole to be
	// rewritten (default 16 MiB).
	MaxStatement int
}

// Report says what Sanitize changed.
type Report struct {
	Input    string // "plain", "gzip" or "zstd"
	GTIDs    []GTID // the GTID positions removed, in dump order
	Removed  []Removal
	Definers int   // DEFINER clauses stripped or replaced
	BytesIn  int64 // SQL bytes read (after decompression)
	BytesOut int64
}

// GTID is the value of one removed GTID statement.
type GTID struct {
	Variable string // GTID_PURGED (MySQL) or gtid_slave_pos (MariaDB), as written
	Set      string // the set in the flavor's syntax, white space removed: uuid:1-5,uuid2:1-10 or 0-1-100
}

// Removal is one statement (or one assignment of a SET) taken out.
type Removal struct {
	What      string // GTID_PURGED, gtid_slave_pos, SQL_LOG_BIN, CHANGE MASTER, START SLAVE, ...
	Statement string // the text removed, shortened to one line
	Offset    int64  // where it began in the SQL input
}

const (
	defaultBuffer       = 1 << 20
	minBuffer           = 256
	defaultMaxStatement = 16 << 20
	headerWindow        = 64 << 10 // bytes looked at to tell what a statement is
)

// ErrNotSQL says the input is not a SQL dump (binary, UTF-16, an unknown
// compression); the error wrapping it says what it looks like.
var ErrNotSQL = errors.New("not a SQL dump")

// Sanitize copies the dump from src to dst without the statements that need
// SUPER and with the DEFINER clauses stripped or replaced (see the package
// doc). src may be plain SQL, gzip or zstd (detected from its first bytes);
// dst gets plain SQL. On error, dst has a prefix of the output.
func Sanitize(ctx context.Context, dst io.Writer, src io.Reader, opt Options) (Report, error) {
	var rep Report
	in, format, closeIn, err := decompress(src)
	if err != nil {
		return rep, err
	}
	defer closeIn()
	rep.Input = format
	if opt.BufferSize == 0 {
		opt.BufferSize = defaultBuffer
	}
	opt.BufferSize = max(opt.BufferSize, minBuffer)
	if opt.MaxStatement <= 0 {
		opt.MaxStatement = defaultMaxStatement
	}
	f := &filter{ctx: ctx, src: in, opt: opt, rep: &rep, lex: newLexer(), buf: make([]byte, opt.BufferSize)}
	if opt.Definer != "" {
		acct, err := QuoteAccount(opt.Definer)
		if err != nil {
			return rep, fmt.Errorf("--definer: %w", err)
		}
		f.clause = "DEFINER=" + acct
	}
	counted := &countWriter{w: dst}
	f.out = bufio.NewWriterSize(counted, min(opt.BufferSize, 256<<10))
	err = f.run()
	if ferr := f.out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("write the sanitized SQL: %w", ferr)
	}
	rep.BytesIn, rep.BytesOut = f.base+int64(f.end), counted.n
	return rep, err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// filter is one run of Sanitize. buf[pos:end] is input not yet scanned;
// buf[mark:pos] is scanned and not yet written out (or, while capturing,
// not yet added to the statement held).
type filter struct {
	ctx    context.Context
	src    io.Reader
	out    *bufio.Writer
	opt    Options
	rep    *Report
	lex    *lexer
	clause string // "DEFINER=`u`@`h`", or "" to strip

	buf            []byte
	pos, end, mark int
	base           int64 // input offset of buf[0]
	eof            bool
	capturing      bool
	held           []byte // the statement being captured
	heldAt         int64
	dropLineEnd    bool            // a removed statement's line end follows: drop it too
	savedModes     map[string]bool // user variables that saved sql_mode: NO_BACKSLASH_ESCAPES in it?
}

func (f *filter) window() int { return min(headerWindow, len(f.buf)/2) }

func (f *filter) offset() int64 { return f.base + int64(f.pos) }

// fill writes out (or captures) what was scanned, moves the unscanned rest
// to the front of the buffer and reads more after it.
func (f *filter) fill() error {
	if err := f.ctx.Err(); err != nil {
		return err
	}
	if err := f.flushPending(); err != nil {
		return err
	}
	if f.pos > 0 {
		n := copy(f.buf, f.buf[f.pos:f.end])
		f.base += int64(f.pos)
		f.pos, f.mark, f.end = 0, 0, n
	}
	for !f.eof && f.end < len(f.buf) {
		n, err := f.src.Read(f.buf[f.end:])
		f.end += n
		if errors.Is(err, io.EOF) {
			f.eof = true
		} else if err != nil {
			return fmt.Errorf("read the dump at byte %d: %w", f.base+int64(f.end), err)
		}
		if n > 0 {
			break
		}
	}
	return nil
}

// ensure makes n bytes from pos available unless the input ends first, and
// says whether they are.
func (f *filter) ensure(n int) (bool, error) {
	for f.end-f.pos < n && !f.eof {
		if err := f.fill(); err != nil {
			return false, err
		}
	}
	return f.end-f.pos >= n, nil
}

func (f *filter) flushPending() error {
	p := f.buf[f.mark:f.pos]
	f.mark = f.pos
	if len(p) == 0 {
		return nil
	}
	if f.capturing {
		f.held = append(f.held, p...)
		if len(f.held) > f.opt.MaxStatement {
			return f.overflow()
		}
		return nil
	}
	if _, err := f.out.Write(p); err != nil {
		return fmt.Errorf("write the sanitized SQL: %w", err)
	}
	return nil
}

// drop discards what was scanned and not yet written.
func (f *filter) drop() { f.mark = f.pos }

// pass scans to the end of the current statement, writing or capturing it
// as it goes. It reports whether the statement ended with its delimiter.
func (f *filter) pass() (bool, error) {
	for {
		n, end, _ := f.lex.scan(f.buf[f.pos:f.end], f.eof, f.offset())
		f.pos += n
		if end {
			return true, nil
		}
		if f.eof && f.pos == f.end {
			return false, nil
		}
		if err := f.fill(); err != nil {
			return false, err
		}
	}
}
