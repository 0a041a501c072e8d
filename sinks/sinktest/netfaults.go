package sinktest

import (
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// NetFault is an endpoint where a sink cannot talk to its storage, and what
// every cloud sink's error must say about it. The texts come from
// sinks.ClassifyNet, so a backend that maps a case itself fails the check.
type NetFault struct {
	Name     string   // refused, https-to-plain, http-to-tls
	Endpoint string   // to put in the sink's URL or configuration
	Mention  []string // the problem and the fix
}

// NetFaults returns three faults around the real server at endpoint
// (http://host:port[/path]): a port where nothing listens; the server's own
// address with https:// (a TLS hello answered in plain HTTP); and http://
// to a TLS front of the server, a reverse proxy terminating TLS as a load
// balancer would (a plain-HTTP request answered by a TLS server). The front
// closes when t ends.
func NetFaults(t testing.TB, endpoint string) []NetFault {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil || target.Scheme != "http" || target.Host == "" {
		t.Fatalf("NetFaults: %q is not an http://host:port endpoint", endpoint)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()

	front := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: target.Host}))
	front.Config.ErrorLog = log.New(io.Discard, "", 0) // the plain-HTTP requests it refuses
	front.StartTLS()
	t.Cleanup(front.Close)
	path := strings.TrimRight(target.Path, "/")
	return []NetFault{
		{"refused", refused + path, []string{"cannot connect to " + refused, "connection refused", "that the server is running"}},
		{"https-to-plain", "https://" + target.Host + path, []string{"answers plain HTTP, not TLS", "write http:// in the endpoint"}},
		{"http-to-tls", "http://" + strings.TrimPrefix(front.URL, "https://") + path, []string{"speaks TLS, not plain HTTP", "write https:// in the endpoint"}},
	}
}

// CheckNetFault checks the error of an operation on a sink configured with
// f.Endpoint: ErrUnreachable, not marked for a retry, one line, mentioning
// f's problem and fix and none of secrets.
func CheckNetFault(t testing.TB, what string, err error, f NetFault, secrets ...string) {
	t.Helper()
	if !CheckError(t, what+" ("+f.Name+")", err, sinks.ErrUnreachable, f.Mention, secrets) {
		return
	}
	if sinks.IsTransient(err) {
		t.Errorf("%s (%s): %v is marked transient: an unreachable endpoint does not come back by retrying", what, f.Name, err)
	}
}
