package binlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HealthServer serves the sidecar's observability endpoints (--listen):
//
//	/metrics  Prometheus exposition of the stream's own registry
//	/healthz  200 while the process runs (liveness)
//	/readyz   200 when ready() is nil and the RPO is met, else 503 with a
//	          one-line plain-text reason (readiness)
//
// It owns its serving goroutine: Start launches it, Shutdown stops it and
// waits for it.
type HealthServer struct {
	addr   string
	m      *Metrics
	ready  func() error
	logger *slog.Logger

	mu       sync.Mutex
	srv      *http.Server
	ln       net.Listener
	done     chan struct{} // closed when the serving goroutine returns
	serveErr error
}

// NewHealthServer prepares a server for addr (":9187", "127.0.0.1:0").
// ready reports whether the replication pipeline is up (nil: ready); it may
// be nil. m may carry an RPOWatch, whose Check then also gates /readyz.
func NewHealthServer(addr string, m *Metrics, ready func() error, logger *slog.Logger) *HealthServer {
	if logger == nil {
		logger = slog.Default()
	}
	return &HealthServer{addr: addr, m: m, ready: ready, logger: logger}
}

// Handler is the endpoints' mux, also usable without a listener.
func (s *HealthServer) Handler() http.Handler {
	mux := http.NewServeMux()
	if s.m != nil {
		reg := s.m.Registry()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
			Registry:      reg, // counts its own errors in promhttp_metric_handler_errors_total
			ErrorLog:      slog.NewLogLogger(s.logger.Handler(), slog.LevelError),
			ErrorHandling: promhttp.ContinueOnError,
		}))
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.readiness(); err != nil {
			// One line, whatever ready() put in its error.
			writeText(w, http.StatusServiceUnavailable, strings.Join(strings.Fields(err.Error()), " "))
			return
		}
		writeText(w, http.StatusOK, "ok")
	})
	return mux
}

// readiness is nil when the pipeline reports ready and the RPO is met.
func (s *HealthServer) readiness() error {
	if s.ready != nil {
		if err := s.ready(); err != nil {
			return fmt.Errorf("not ready: %w", err)
		}
	}
	if s.m != nil {
		if w := s.m.watch.Load(); w != nil {
			if err := w.Check(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Start binds the listening address and serves in the background. Binding
// errors, such as the port already being in use, are returned here rather
// than logged later. ctx bounds the bind and is the base context of every
// request; stopping the server is Shutdown's job.
func (s *HealthServer) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("health server: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("health server: listen on %q for /metrics, /healthz and /readyz "+
			"(is the port in use? choose another with --listen): %w", s.addr, err)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	s.srv, s.ln, s.done = srv, ln, make(chan struct{})
	go s.serve(srv, ln, s.done)
	s.logger.Info("serving metrics and health endpoints", slog.String("addr", ln.Addr().String()))
	return nil
}

func (s *HealthServer) serve(srv *http.Server, ln net.Listener, done chan struct{}) {
	defer close(done)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.logger.Error("health server stopped", slog.String("addr", ln.Addr().String()), slog.Any("error", err))
		s.mu.Lock()
		s.serveErr = err
		s.mu.Unlock()
	}
}

// Addr is the bound address (useful with port 0), or "" before Start.
func (s *HealthServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting connections, lets in-flight requests finish
// until ctx is done, and waits for the serving goroutine. Calling it again,
// or before Start, is a no-op.
func (s *HealthServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		// Deadline hit with requests still open: cut them so the goroutine ends.
		err = errors.Join(fmt.Errorf("health server: shutdown: %w", err), srv.Close())
	}
	<-done
	s.mu.Lock()
	serveErr := s.serveErr
	s.mu.Unlock()
	if serveErr != nil {
		err = errors.Join(err, fmt.Errorf("health server: serve: %w", serveErr))
	}
	return err
}

func writeText(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, msg+"\n")
}
