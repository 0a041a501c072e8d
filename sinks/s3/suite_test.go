package s3

import (
	"testing"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// servers are the real S3 implementations every test runs against.
var servers = []struct {
	name string
	get  func(testing.TB) *testenv.S3Server
}{
	{"MinIO", testenv.MinIO},
	{"Moto", testenv.Moto},
}

func TestSuite(t *testing.T) {
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			server := srv.get(t)
			sinktest.Run(t, sinktest.Harness{
				New: func(t *testing.T) sinks.Sink {
					return newTestSink(t, server, sinks.Options{}, testConfig{})
				},
				Corrupt:   corrupt,
				Leftovers: leftovers,
			})
		})
	}
}
