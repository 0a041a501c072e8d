package testenv

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// proxyDialTimeout bounds the proxy's connection to its target.
const proxyDialTimeout = 10 * time.Second

// Proxy is a TCP proxy on a free loopback port that forwards every connection to a target
// address. A test puts it between a client and a server to cut the network between them:
// Cut, Restore and Reset. Its methods are safe for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	cut       bool
	links     map[*link]struct{} // forwarded connections
	held      map[net.Conn]struct{}
	forwarded int
}

// link is one forwarded connection: the client's side and the target's.
type link struct{ client, target net.Conn }

func (l *link) close() {
	_ = l.client.Close()
	_ = l.target.Close()
}

// NewProxy starts a proxy to target (host:port) and closes it when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: proxy listen: %v", err)
	}
	p := &Proxy{target: target, ln: ln, links: map[*link]struct{}{}, held: map[net.Conn]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.Close)
	return p
}

// Addr is the proxy's address, 127.0.0.1:PORT; it does not change for the proxy's life.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every forwarded connection and black-holes new ones until Restore: they are
// accepted (the kernel completes the TCP handshake) but nothing is forwarded either way,
// as when a firewall drops the packets, and Restore closes them.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	p.mu.Unlock()
	p.Reset()
}

// Restore ends a Cut: the connections black-holed during it are closed, new ones are
// forwarded again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	held := p.held
	p.held = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range held {
		_ = c.Close()
	}
}

// Reset closes every forwarded connection (both sides) and keeps accepting new ones.
func (p *Proxy) Reset() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}

// Live is the number of connections being forwarded now.
func (p *Proxy) Live() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Held is the number of connections black-holed by the current Cut.
func (p *Proxy) Held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.held)
}

// Forwarded is the number of connections forwarded to the target since the proxy started.
func (p *Proxy) Forwarded() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forwarded
}

// Close stops the proxy: no more connections, every live one closed. NewProxy's cleanup calls
// it; calling it again does nothing.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.Restore()
	p.Reset()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		switch {
		case p.closed:
			_ = c.Close()
		case p.cut:
			p.held[c] = struct{}{}
		default:
			p.wg.Go(func() { p.forward(c) })
		}
		p.mu.Unlock()
	}
}

// forward connects c to the target and copies both ways until both directions end.
func (p *Proxy) forward(c net.Conn) {
	u, err := net.DialTimeout("tcp", p.target, proxyDialTimeout)
	if err != nil {
		_ = c.Close()
		return
	}
	l := &link{client: c, target: u}
	p.mu.Lock()
	if p.closed || p.cut { // cut while dialing
		p.mu.Unlock()
		l.close()
		return
	}
	p.links[l] = struct{}{}
	p.forwarded++
	p.mu.Unlock()

	var dirs sync.WaitGroup
	dirs.Go(func() { pipe(l, u, c) })
	dirs.Go(func() { pipe(l, c, u) })
	dirs.Wait()
	l.close()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// pipe copies src to dst. At src's end of stream it half-closes dst, so the other side sees
// the EOF and the other direction keeps going; on an error (a reset, a Cut) it closes both
// connections, which ends the other direction too.
func pipe(l *link, dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if tc, ok := dst.(*net.TCPConn); ok && err == nil && tc.CloseWrite() == nil {
		return
	}
	l.close()
}
