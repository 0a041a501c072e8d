package testenv

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// echoServer is a real TCP server that upper-cases each line it reads and closes the
// connection once the client half-closes it. It counts the connections it accepted.
type echoServer struct {
	ln       net.Listener
	accepted atomic.Int32
	wg       sync.WaitGroup
}

func newEchoServer(t *testing.T) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echoServer{ln: ln}
	e.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			e.accepted.Add(1)
			e.wg.Go(func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := io.WriteString(c, strings.ToUpper(sc.Text())+"\n"); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() { ln.Close(); e.wg.Wait() })
	return e
}

// dial connects to addr with a deadline long enough never to fire in a passing test.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends one line and returns the answer.
func roundTrip(t *testing.T, c net.Conn, line string) (string, error) {
	t.Helper()
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// closedByPeer asserts that reading c ends with EOF or a reset, not a timeout: the proxy
// closed it.
func closedByPeer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	n, err := c.Read(make([]byte, 64))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: read %d bytes, %v; want the connection closed", what, n, err)
	}
	if n != 0 {
		t.Fatalf("%s: got %d bytes, want none", what, n)
	}
}

func TestProxyForwardsBothWaysAndHalfCloses(t *testing.T) {
	t.Parallel()
	e := newEchoServer(t)
	p := NewProxy(t, e.ln.Addr().String())
	if p.Addr() == e.ln.Addr().String() || !strings.HasPrefix(p.Addr(), "127.0.0.1:") {
		t.Fatalf("proxy address %s", p.Addr())
	}
	c := dial(t, p.Addr())
	if got, err := roundTrip(t, c, "hello"); err != nil || got != "HELLO\n" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}
	if p.Live() != 1 || p.Forwarded() != 1 {
		t.Fatalf("live %d forwarded %d, want 1 1", p.Live(), p.Forwarded())
	}
	// The client's half-close reaches the server, which answers what it still had and closes.
	if _, err := io.WriteString(c, "last\n"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(c)
	if err != nil || string(rest) != "LAST\n" {
		t.Fatalf("after half-close: %q, %v; want LAST then EOF", rest, err)
	}
}

func TestProxyCutBlackHolesUntilRestore(t *testing.T) {
	t.Parallel()
	e := newEchoServer(t)
	p := NewProxy(t, e.ln.Addr().String())
	live := dial(t, p.Addr())
	if _, err := roundTrip(t, live, "a"); err != nil {
		t.Fatal(err)
	}

	p.Cut()
	closedByPeer(t, live, "live connection after Cut")
	during := dial(t, p.Addr()) // the kernel accepts it, the proxy forwards nothing
	if _, err := io.WriteString(during, "lost\n"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); p.Held() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the proxy holds %d connections made during the cut, want 1", p.Held())
		}
	}
	if n := e.accepted.Load(); n != 1 {
		t.Fatalf("the server accepted %d connections during the cut, want only the first", n)
	}

	p.Restore()
	closedByPeer(t, during, "connection made during the cut, after Restore")
	if n := e.accepted.Load(); n != 1 {
		t.Fatalf("a connection made during the cut reached the server after Restore (%d accepted)", n)
	}
	after := dial(t, p.Addr())
	if got, err := roundTrip(t, after, "b"); err != nil || got != "B\n" {
		t.Fatalf("after Restore: %q, %v", got, err)
	}
	if p.Forwarded() != 2 {
		t.Errorf("forwarded %d connections, want 2", p.Forwarded())
	}
}

func TestProxyResetClosesLiveOnly(t *testing.T) {
	t.Parallel()
	e := newEchoServer(t)
	p := NewProxy(t, e.ln.Addr().String())
	a, b := dial(t, p.Addr()), dial(t, p.Addr())
	for _, c := range []net.Conn{a, b} {
		if _, err := roundTrip(t, c, "x"); err != nil {
			t.Fatal(err)
		}
	}
	p.Reset()
	closedByPeer(t, a, "first connection after Reset")
	closedByPeer(t, b, "second connection after Reset")
	c := dial(t, p.Addr())
	if got, err := roundTrip(t, c, "y"); err != nil || got != "Y\n" {
		t.Fatalf("new connection after Reset: %q, %v", got, err)
	}
}

func TestProxyTargetDownClosesTheClient(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := NewProxy(t, addr)
	closedByPeer(t, dial(t, p.Addr()), "connection to a proxy whose target refuses")
	if p.Forwarded() != 0 || p.Live() != 0 {
		t.Fatalf("forwarded %d live %d, want 0 0", p.Forwarded(), p.Live())
	}
}

// TestProxyMariaDB: MySQL sessions through the proxy work, die on Reset and Cut, and new
// ones work again afterwards.
func TestProxyMariaDB(t *testing.T) {
	t.Parallel()
	srv := MariaDBPrimary(t)
	p := NewProxy(t, srv.addr())
	via := srv.Via(p)
	if via.Port == srv.Port || srv.Via(p).URL() == srv.URL() || !strings.Contains(via.DSN(""), p.Addr()) {
		t.Fatalf("Via: %s / %s does not name the proxy %s", via.URL(), via.DSN(""), p.Addr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db := openDB(t, via.DSN(""))
	var id int
	conn, err := db.Conn(ctx)
	if err == nil {
		err = conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id)
	}
	if err != nil {
		t.Fatalf("through the proxy: %v", err)
	}
	p.Reset()
	if err := conn.PingContext(ctx); err == nil {
		t.Fatal("a session survived Reset")
	}
	conn.Close()

	p.Cut()
	p.Restore()
	var again int
	if err := db.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&again); err != nil || again == id {
		t.Fatalf("after Cut and Restore: session %d (before %d), %v", again, id, err)
	}
	if p.Forwarded() < 2 {
		t.Errorf("forwarded %d connections, want at least 2", p.Forwarded())
	}
}
