package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// RedisServer is a Redis 7 server that keeps nothing on disk.
type RedisServer struct {
	Addr string `json:"addr"` // 127.0.0.1:PORT
}

// Redis returns the test binary's Redis server, starting it on first use.
func Redis(t testing.TB) *RedisServer {
	t.Helper()
	return server(t, KindRedis).Redis
}

// check sends PING and expects +PONG.
func (r *RedisServer) check(ctx context.Context) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	} else {
		_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return fmt.Errorf("PING %s: %w", r.Addr, err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("PING %s: %w", r.Addr, err)
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING %s: answered %q", r.Addr, strings.TrimSpace(line))
	}
	return nil
}

func startRedis(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("redis-server")
	if err != nil {
		return nil, err
	}
	port, err := freePort(false)
	if err != nil {
		return nil, err
	}
	rec := &record{Redis: &RedisServer{Addr: "127.0.0.1:" + strconv.Itoa(port)}}
	// Foreground (--daemonize no) so that the process stays ours to stop.
	p, err := launch(dir, detached, nil, bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir)
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindRedis, rec, p)
}
