package sanitize

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// decompress looks at the first bytes of src and returns the plain SQL
// stream: src itself, or a gzip or zstd reader over it. Other compressions
// are named in the error, so the operator knows what to pipe through.
func decompress(src io.Reader) (io.Reader, string, func(), error) {
	head := make([]byte, 6)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, "", nil, fmt.Errorf("read the dump: %w", err)
	}
	head = head[:n]
	r := io.MultiReader(bytes.NewReader(head), src)
	has := func(magic string) bool { return bytes.HasPrefix(head, []byte(magic)) }
	switch {
	case has("\x1f\x8b"):
		gz, err := gzip.NewReader(r) // reads concatenated members too, as pigz and cat a.gz b.gz make
		if err != nil {
			return nil, "", nil, fmt.Errorf("the input starts like gzip but is not valid gzip: %w", err)
		}
		return corruptIs(gz, "gzip"), "gzip", func() { gz.Close() }, nil
	case has("\x28\xb5\x2f\xfd"):
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, "", nil, fmt.Errorf("open the zstd input: %w", err)
		}
		return corruptIs(zr, "zstd"), "zstd", zr.Close, nil
	}
	for _, o := range []struct{ magic, name, tool string }{
		{"\xfd7zXZ\x00", "xz", "xz -dc"}, {"BZh", "bzip2", "bzip2 -dc"}, {"\x04\x22\x4d\x18", "lz4", "lz4 -dc"},
		{"PK\x03\x04", "a zip archive", "unzip -p"}, {"\xff\xfe", "UTF-16 text (as a Windows PowerShell > redirect writes)", "iconv -f UTF-16 -t UTF-8"},
		{"\xfe\xff", "UTF-16 text", "iconv -f UTF-16 -t UTF-8"},
	} {
		if has(o.magic) {
			return nil, "", nil, fmt.Errorf("the input is %s, %w: convert it first, e.g. %s dump | pilotlight snapshot sanitize", o.name, ErrNotSQL, o.tool)
		}
	}
	return r, "plain", func() {}, nil
}

// corruptReader names the compression in read errors: "the gzip input is
// corrupt or truncated: unexpected EOF" says more than "unexpected EOF".
type corruptReader struct {
	r    io.Reader
	name string
}

func corruptIs(r io.Reader, name string) io.Reader { return &corruptReader{r, name} }

func (c *corruptReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("the %s input is corrupt or truncated: %w", c.name, err)
	}
	return n, err
}

// checkText refuses input that is plainly not SQL text, before anything is
// written: a NUL byte near the start (mysqldump escapes NUL as \0, so a dump
// has none), or no SQL statement where one must be (see sniff). A UTF-8
// byte order mark is copied and skipped.
func (f *filter) checkText() error {
	if _, err := f.ensure(f.window()); err != nil {
		return err
	}
	b := f.buf[f.pos:f.end]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Errorf("the input has binary data at byte %d, %w (a mysqldump, mariadb-dump or mysqlpump file, plain, gzip or zstd)", i, ErrNotSQL)
	}
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		f.pos += 3
		b = b[3:]
	}
	return sniff(b, f.eof)
}
