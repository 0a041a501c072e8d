// Package mysqlx holds what pilotlight needs to talk to MySQL and MariaDB servers:
// endpoint URLs (mysql://user:password@host:3306/?tls=true), flavor and settings
// detection, and GTID set arithmetic for both GTID flavors.
package mysqlx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// ErrBadURL is returned (wrapped) for a MySQL endpoint URL that cannot be used.
var ErrBadURL = errors.New("bad MySQL endpoint URL")

// DefaultPort is the port used when the URL names none.
const DefaultPort = 3306

// TLSMode says whether and how the connection is encrypted.
type TLSMode string

// The TLS modes, spelled as in go-sql-driver/mysql's tls parameter.
const (
	TLSOff        TLSMode = "false"       // plaintext
	TLSVerify     TLSMode = "true"        // TLS, server certificate verified against the system roots
	TLSSkipVerify TLSMode = "skip-verify" // TLS, certificate not verified
	TLSPreferred  TLSMode = "preferred"   // TLS without verification when the server offers it
)

// acceptedParams are the query parameters ParseURL knows; anything else is an error
// so that a typo (?tsl=true) does not silently connect in plaintext.
var acceptedParams = []string{"tls", "timeout", "readTimeout", "writeTimeout", "password_file"}

// Endpoint is one MySQL or MariaDB server as given by an endpoint URL.
type Endpoint struct {
	Scheme   string // "mysql" or "mariadb": a hint only, the flavor is detected on the server
	Host     string
	Port     int
	User     string
	Password string
	// PasswordFile is where Password was read from (?password_file=), or "".
	PasswordFile string
	TLS          TLSMode
	// Timeout bounds connection setup; ReadTimeout and WriteTimeout bound each network
	// read or write (zero: none).
	Timeout, ReadTimeout, WriteTimeout time.Duration
}

// ParseURL parses mysql://user:password@host:3306/?tls=true&timeout=5s (or mariadb://).
// User and password are percent-decoded; the port defaults to 3306; tls is one of
// true, false, skip-verify, preferred (default false); timeout, readTimeout and
// writeTimeout are Go durations; password_file names a file holding the password
// (read here; one trailing line break is ignored), for passwords kept out of URLs
// and of the environment. The path must be empty or "/": pilotlight works on
// whole servers, never on one database. Errors never contain the password; a
// password with an unencoded "/", "?", "#" or "%" is named as the likely cause.
func ParseURL(raw string) (Endpoint, error) {
	e, err := parseURL(raw)
	if err != nil {
		if c, shown, ok := unencodedUserinfo(raw); ok {
			return Endpoint{}, unencodedError(c, shown)
		}
	}
	return e, err
}

func parseURL(raw string) (Endpoint, error) {
	shown := redact.URL(raw)
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Endpoint{}, fmt.Errorf("%w %q: %s", ErrBadURL, shown, redact.String(err.Error(), redact.Secrets(raw)...))
	}
	bad := func(format string, args ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("%w %q: %s", ErrBadURL, shown, fmt.Sprintf(format, args...))
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return bad("scheme must be mysql:// or mariadb://")
	}
	e := Endpoint{Scheme: u.Scheme, Host: u.Hostname(), Port: DefaultPort, TLS: TLSOff}
	if e.Host == "" {
		return bad("missing host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return bad("port %q is not a number between 1 and 65535", p)
		}
		e.Port = n
	}
	if u.User != nil {
		e.User = u.User.Username()
		e.Password, _ = u.User.Password()
	}
	if e.User == "" {
		return bad("missing user (mysql://user:password@host:port/)")
	}
	if u.Path != "" && u.Path != "/" {
		return bad("unexpected path %q: pilotlight works on the whole server, not on one database", u.Path)
	}
	q := u.Query()
	for k := range q {
		if !slices.Contains(acceptedParams, k) {
			return bad("unknown parameter %q; %s:// accepts %s", k, u.Scheme, strings.Join(acceptedParams, ", "))
		}
	}
	if v := q.Get("tls"); v != "" {
		switch m := TLSMode(strings.ToLower(v)); m {
		case TLSOff, TLSVerify, TLSSkipVerify, TLSPreferred:
			e.TLS = m
		default:
			return bad("tls=%q: want true, false, skip-verify or preferred", v)
		}
	}
	for name, dst := range map[string]*time.Duration{"timeout": &e.Timeout, "readTimeout": &e.ReadTimeout, "writeTimeout": &e.WriteTimeout} {
		if v := q.Get(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return bad("%s=%q: want a duration such as 5s", name, v)
			}
			*dst = d
		}
	}
	if q.Has("password_file") {
		if e.Password != "" {
			return bad("a password and password_file: give one of them")
		}
		if e.Password, err = readPasswordFile(q.Get("password_file")); err != nil {
			return bad("%v", err)
		}
		e.PasswordFile = q.Get("password_file")
	}
	return e, nil
}

// maxPasswordFile bounds what is read as a password.
const maxPasswordFile = 4096

// readPasswordFile returns the password in path without one trailing line
// break (echo and most secret stores add one). Errors never contain it.
func readPasswordFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("password_file is empty: give the path of a file holding the password")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("password_file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return "", fmt.Errorf("password_file %s: %w", path, err)
	}
	if len(b) > maxPasswordFile {
		return "", fmt.Errorf("password_file %s is larger than %d bytes: not a password", path, maxPasswordFile)
	}
	pw := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if pw == "" {
		return "", fmt.Errorf("password_file %s is empty", path)
	}
	return pw, nil
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String is the endpoint as a URL with the password masked, safe for logs and errors.
func (e Endpoint) String() string {
	scheme := e.Scheme
	if scheme == "" {
		scheme = "mysql"
	}
	u := url.URL{Scheme: scheme, User: url.User(e.User), Host: e.Addr(), Path: "/"}
	q := url.Values{}
	switch {
	case e.PasswordFile != "":
		q.Set("password_file", e.PasswordFile)
	case e.Password != "":
		u.User = url.UserPassword(e.User, redact.Mask)
	}
	if e.TLS != "" && e.TLS != TLSOff {
		q.Set("tls", string(e.TLS))
	}
	for name, d := range map[string]time.Duration{"timeout": e.Timeout, "readTimeout": e.ReadTimeout, "writeTimeout": e.WriteTimeout} {
		if d > 0 {
			q.Set(name, d.String())
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// DriverConfig is a go-sql-driver/mysql configuration for the endpoint, with no
// database selected, times in UTC, parseTime, interpolateParams and multiStatements
// off: values travel as server-side prepared parameters and come back as bytes.
func (e Endpoint) DriverConfig() *mysql.Config {
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", e.Addr()
	cfg.User, cfg.Passwd = e.User, e.Password
	cfg.Loc = time.UTC
	cfg.ParseTime = false
	cfg.InterpolateParams = false
	cfg.MultiStatements = false
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = e.Timeout, e.ReadTimeout, e.WriteTimeout
	if e.TLS != "" {
		cfg.TLSConfig = string(e.TLS)
	}
	return cfg
}

// TLSConfig is the crypto/tls configuration for clients that take one directly
// (go-mysql's BinlogSyncerConfig.TLSConfig); nil means plaintext. go-mysql cannot fall
// back to plaintext, so "preferred" gives an unverified TLS connection there.
func (e Endpoint) TLSConfig() *tls.Config {
	switch e.TLS {
	case TLSVerify:
		return &tls.Config{ServerName: e.Host, MinVersion: tls.VersionTLS12}
	case TLSSkipVerify, TLSPreferred:
		return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by the URL
	default:
		return nil
	}
}

// SyncerParams holds the connection fields of go-mysql's replication.BinlogSyncerConfig.
type SyncerParams struct {
	Host      string
	Port      uint16
	User      string
	Password  string
	TLSConfig *tls.Config
}

// SyncerParams returns the values to copy into a replication.BinlogSyncerConfig.
func (e Endpoint) SyncerParams() SyncerParams {
	return SyncerParams{Host: e.Host, Port: uint16(e.Port), User: e.User, Password: e.Password, TLSConfig: e.TLSConfig()}
}
