package binlog

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startHealth(t *testing.T, addr string, m *Metrics, ready func() error) *HealthServer {
	t.Helper()
	logger, _ := newCapturedLogger()
	s := NewHealthServer(addr, m, ready, logger)
	if err := s.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(context.Background()); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

func healthGet(t *testing.T, s *HealthServer, path string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Addr()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthServerEndpoints(t *testing.T) {
	clock := newMetricsClock()
	m, _, _ := newTestWatch(t, clock, time.Second)
	var notReady error
	s := startHealth(t, "127.0.0.1:0", m, func() error { return notReady })

	if code, _ := healthGet(t, s, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d, want 200", code)
	}
	// Nothing applied yet: lag unknown, not ready.
	if code, body := healthGet(t, s, "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "lag unknown") {
		t.Fatalf("/readyz before any observation = %d %q, want 503 lag unknown", code, body)
	}

	m.ObserveApplied(1, 2, 30, clock.Now())
	if code, body := healthGet(t, s, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz caught up = %d %q, want 200", code, body)
	}
	code, body := healthGet(t, s, "/metrics")
	if code != http.StatusOK || !strings.Contains(body, `pilotlight_replication_lag_seconds{stream="s1"} 0`) ||
		!strings.Contains(body, `pilotlight_replication_applied_rows_total{stream="s1"} 2`) {
		t.Fatalf("/metrics = %d, lacks lag or rows series:\n%s", code, body)
	}

	clock.Advance(3 * time.Second)
	code, body = healthGet(t, s, "/readyz")
	if code != http.StatusServiceUnavailable || body != "replication lag over RPO target: lag 3s exceeds RPO 1s\n" {
		t.Fatalf("/readyz over RPO = %d %q, want 503 with the reason", code, body)
	}
	if _, body := healthGet(t, s, "/metrics"); !strings.Contains(body, `pilotlight_replication_rpo_breached{stream="s1"} 1`) {
		t.Fatalf("/metrics in breach lacks rpo_breached 1:\n%s", body)
	}

	m.ObserveHeartbeat(clock.Now()) // idle primary, heartbeat applied: fresh again
	if code, body := healthGet(t, s, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz after heartbeat = %d %q, want 200", code, body)
	}

	notReady = errors.New("standby connection lost\nretrying")
	if code, body := healthGet(t, s, "/readyz"); code != http.StatusServiceUnavailable ||
		body != "not ready: standby connection lost retrying\n" {
		t.Fatalf("/readyz with ready() failing = %d %q, want 503 one-line reason", code, body)
	}
	if code, _ := healthGet(t, s, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz while not ready = %d, want 200", code)
	}
}

func TestHealthServerWithoutRPOOrReady(t *testing.T) {
	m := newTestMetrics(t, newMetricsClock())
	s := startHealth(t, "127.0.0.1:0", m, nil)
	if code, body := healthGet(t, s, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz without RPO target and ready func = %d %q, want 200", code, body)
	}
}

func TestHealthServerPortInUse(t *testing.T) {
	m := newTestMetrics(t, newMetricsClock())
	first := startHealth(t, "127.0.0.1:0", m, nil)

	second := NewHealthServer(first.Addr(), m, nil, nil)
	err := second.Start(t.Context())
	if err == nil {
		_ = second.Shutdown(context.Background())
		t.Fatal("Start on a port in use: want error")
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), first.Addr()) {
		t.Fatalf("Start on a port in use = %v, want EADDRINUSE naming %s", err, first.Addr())
	}
	if err := second.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown of a server that never started: %v", err)
	}
}

func TestHealthServerShutdownFreesPort(t *testing.T) {
	m := newTestMetrics(t, newMetricsClock())
	logger, _ := newCapturedLogger()
	s := NewHealthServer("127.0.0.1:0", m, nil, logger)
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	if code, _ := healthGet(t, s, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		t.Fatalf("port %s not free after Shutdown: %v", addr, err)
	}
	_ = ln.Close()
}
