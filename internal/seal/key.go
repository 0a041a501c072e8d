package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
)

// maxKeyFile bounds what LoadKeyFile reads: every accepted encoding of a key
// is well under it, so a larger file is a mistake (a dump, not a key).
const maxKeyFile = 4 << 10

// Key is a 256-bit encryption key. Its String, GoString, Format and slog
// forms show only the fingerprint: a Key can be logged without leaking it.
// The zero Key is not usable.
type Key struct {
	b    [keySize]byte
	id   [keyIDSize]byte
	ok   bool
	warn string
}

// NewKey makes a Key of exactly 32 bytes of key material.
func NewKey(raw []byte) (Key, error) {
	if len(raw) != keySize {
		return Key{}, fmt.Errorf("%w: a key is %d bytes, got %d", ErrBadKey, keySize, len(raw))
	}
	var k Key
	copy(k.b[:], raw)
	h := sha256.New()
	h.Write([]byte(idDomain))
	h.Write(k.b[:])
	copy(k.id[:], h.Sum(nil))
	k.ok = true
	return k, nil
}

// LoadKeyFile reads a key file holding 32 raw bytes, 64 hex characters, or
// the base64 of 32 bytes (surrounding whitespace ignored). Errors name the
// file and what is wrong with it, never its content. When the file is
// readable by its group or by others the key still loads, and Warning says
// so, for the caller to log.
func LoadKeyFile(path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return Key{}, fmt.Errorf("key file %s: %w", path, scrubPathError(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("key file %s: %w", path, scrubPathError(err))
	}
	if !fi.Mode().IsRegular() {
		return Key{}, fmt.Errorf("%w: key file %s is not a regular file", ErrBadKey, path)
	}
	buf := make([]byte, maxKeyFile+1)
	n, err := readFull(f, buf)
	if err != nil {
		return Key{}, fmt.Errorf("key file %s: %w", path, scrubPathError(err))
	}
	data := buf[:n]
	defer clear(buf)
	if n > maxKeyFile {
		return Key{}, fmt.Errorf("%w: key file %s is larger than %d bytes; %s", ErrBadKey, path, maxKeyFile, keyHelp(path))
	}
	raw, err := decodeKey(data)
	if err != nil {
		return Key{}, fmt.Errorf("%w: key file %s %v; %s", ErrBadKey, path, err, keyHelp(path))
	}
	k, err := NewKey(raw)
	clear(raw)
	if err != nil {
		return Key{}, err
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		k.warn = fmt.Sprintf("key file %s is readable by other users (mode %04o): chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	return k, nil
}

func keyHelp(path string) string {
	return "a key file holds 32 random bytes, 64 hex characters or base64 of 32 bytes; create one with: (umask 077; openssl rand -hex 32 > " + path + ")"
}

// decodeKey turns the content of a key file into 32 bytes of key material.
func decodeKey(data []byte) ([]byte, error) {
	// Raw bytes first, untrimmed: random bytes may begin or end with what
	// looks like white space.
	if len(data) == keySize && !printable(data) {
		return bytes.Clone(data), nil
	}
	text := bytes.TrimSpace(data)
	switch {
	case len(text) == 0:
		return nil, errors.New("is empty")
	case len(text) == 2*keySize:
		raw := make([]byte, keySize)
		if _, err := hex.Decode(raw, text); err == nil {
			return raw, nil
		}
		return nil, errors.New("has 64 characters but they are not hex digits")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw := make([]byte, enc.DecodedLen(len(text)))
		if n, err := enc.Decode(raw, text); err == nil && n == keySize {
			return raw[:n], nil
		}
	}
	if isHex(text) {
		return nil, fmt.Errorf("holds %d hex digits; a key is 64 (32 bytes)", len(text))
	}
	if len(data) == keySize {
		// 32 printable characters: a passphrase, not 256 random bits.
		return nil, errors.New("holds 32 printable characters, which looks like a passphrase rather than random key bytes")
	}
	return nil, fmt.Errorf("holds %d bytes that are not a key in any accepted encoding", len(text))
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// printable reports whether b is all printable ASCII or white space, which
// 32 random bytes practically never are (p < 1e-13).
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// readFull reads until buf is full or EOF.
func readFull(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return n, err
}

// scrubPathError drops the *PathError's own copy of the path (the caller
// names the file once) and keeps the cause: "no such file or directory".
func scrubPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ID is the key's fingerprint: 16 hex characters of a SHA-256 over a
// domain-separation string and the key. It tells keys apart and reveals
// nothing usable about the key.
func (k Key) ID() string { return hex.EncodeToString(k.id[:]) }

// Warning is a message worth logging about where the key came from (a key
// file readable by other users), or "".
func (k Key) Warning() string { return k.warn }

// Valid reports whether k holds a key (the zero Key does not).
func (k Key) Valid() bool { return k.ok }

// String shows the fingerprint only.
func (k Key) String() string {
	if !k.ok {
		return "seal.Key(none)"
	}
	return "seal.Key(id " + k.ID() + ")"
}

// GoString shows the fingerprint only, for %#v.
func (k Key) GoString() string { return k.String() }

// Format prints the fingerprint whatever the verb (%x, %v, %+v, %d ...), so
// that no format string can print the key bytes.
func (k Key) Format(s fmt.State, _ rune) { _, _ = fmt.Fprint(s, k.String()) }

// LogValue shows the fingerprint only, for log/slog.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText shows the fingerprint only, so that encoding a struct that
// holds a Key (JSON, YAML) cannot leak it either.
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// streamAEAD derives the AES-256-GCM of one stream from the key and the
// stream's salt.
func (k Key) streamAEAD(salt []byte) (cipher.AEAD, error) {
	if !k.ok {
		return nil, fmt.Errorf("%w: no key loaded", ErrBadKey)
	}
	sk, err := hkdf.Key(sha256.New, k.b[:], salt, hkdfInfo, keySize)
	if err != nil {
		return nil, fmt.Errorf("seal: derive stream key: %w", err)
	}
	defer clear(sk)
	block, err := aes.NewCipher(sk)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return aead, nil
}
