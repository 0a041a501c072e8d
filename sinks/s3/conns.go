package s3

import (
	"context"
	"net"
	"net/http"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// newHTTPClient returns the SDK's HTTP client (so that AWS_CA_BUNDLE and
// the SDK's timeouts and redirect rules apply) with its connections tracked,
// so that Close can close them: the SDK client has no Close of its own.
func newHTTPClient() (*awshttp.BuildableClient, *connTracker) {
	ct := &connTracker{conns: map[*trackedConn]struct{}{}}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		dial := tr.DialContext
		if dial == nil {
			dial = (&net.Dialer{}).DialContext
		}
		tr.DialContext = ct.wrap(dial)
	})
	return hc, ct
}

type connTracker struct {
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

func (ct *connTracker) wrap(dial dialFunc) dialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: conn, ct: ct}
		ct.mu.Lock()
		defer ct.mu.Unlock()
		if ct.closed {
			conn.Close()
			return nil, errClosed
		}
		ct.conns[tc] = struct{}{}
		return tc, nil
	}
}

// closeAll closes every open connection and refuses new ones.
func (ct *connTracker) closeAll() {
	ct.mu.Lock()
	ct.closed = true
	conns := ct.conns
	ct.conns = map[*trackedConn]struct{}{}
	ct.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

type trackedConn struct {
	net.Conn
	ct   *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.ct.mu.Lock()
		delete(c.ct.conns, c)
		c.ct.mu.Unlock()
	})
	return c.Conn.Close()
}
