package mysqlx

import "time"

// Default network timeouts of the source's SQL connections in a long-running job
// (replicate's purged-binlog checks and heartbeat writes): short statements, so
// a primary that stops answering (a black-holed network) is noticed within
// these rather than after the kernel's TCP timeout, a quarter of an hour or more.
const (
	DefaultSourceReadTimeout  = 30 * time.Second
	DefaultSourceWriteTimeout = 30 * time.Second
	DefaultConnectTimeout     = 10 * time.Second
)

// WithDefaultTimeouts returns e with the timeouts the URL did not set (timeout,
// readTimeout, writeTimeout) set to connect, read and write.
func (e Endpoint) WithDefaultTimeouts(connect, read, write time.Duration) Endpoint {
	if e.Timeout == 0 {
		e.Timeout = connect
	}
	if e.ReadTimeout == 0 {
		e.ReadTimeout = read
	}
	if e.WriteTimeout == 0 {
		e.WriteTimeout = write
	}
	return e
}
