package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Kinds of server, as named in rig state files and `rig up --only`.
const (
	KindMinIO          = "minio"
	KindMoto           = "moto"
	KindFakeGCS        = "fakegcs"
	KindAzurite        = "azurite"
	KindMariaDBPrimary = "mariadb-primary"
	KindMariaDBStandby = "mariadb-standby"
	KindRedis          = "redis"
	KindBIND           = "bind"
)

// Kinds lists every kind of server, in the order the rig starts and prints them.
func Kinds() []string {
	return []string{KindMinIO, KindMoto, KindFakeGCS, KindAzurite,
		KindMariaDBPrimary, KindMariaDBStandby, KindRedis, KindBIND}
}

// record is one running server: how to reach it and how to stop it. It is what a rig state
// file stores per kind.
type record struct {
	Kind  string       `json:"kind"`
	PID   int          `json:"pid"`
	Dir   string       `json:"dir"`
	Log   string       `json:"log"`
	S3    *S3Server    `json:"s3,omitempty"`
	GCS   *GCSServer   `json:"gcs,omitempty"`
	Azure *AzureServer `json:"azure,omitempty"`
	MySQL *MySQLServer `json:"mysql,omitempty"`
	Redis *RedisServer `json:"redis,omitempty"`
	DNS   *DNSServer   `json:"dns,omitempty"`

	proc *process // nil for a server this process did not start
}

// startKind starts one server in dir (which exists and is empty) and waits until it answers.
// A start that lost its port to another process is retried on new ports.
func startKind(ctx context.Context, kind, dir string, detached bool) (*record, error) {
	var rec *record
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			if err := resetDir(dir); err != nil {
				return nil, err
			}
		}
		rec, err = startOnce(ctx, kind, dir, detached)
		if err == nil || !errors.Is(err, errPortInUse) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", kind, err)
	}
	rec.Dir = dir
	rec.PID, rec.Log = rec.proc.pid(), rec.proc.log
	return rec, nil
}

func startOnce(ctx context.Context, kind, dir string, detached bool) (*record, error) {
	switch kind {
	case KindMinIO:
		return startMinIO(ctx, dir, detached)
	case KindMoto:
		return startMoto(ctx, dir, detached)
	case KindFakeGCS:
		return startFakeGCS(ctx, dir, detached)
	case KindAzurite:
		return startAzurite(ctx, dir, detached)
	case KindMariaDBPrimary:
		return startMariaDB(ctx, kind, dir, detached, 1)
	case KindMariaDBStandby:
		return startMariaDB(ctx, kind, dir, detached, 2)
	case KindRedis:
		return startRedis(ctx, dir, detached)
	case KindBIND:
		return startBIND(ctx, dir, detached)
	}
	return nil, fmt.Errorf("unknown server kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
}

// check asks the server one protocol-level question.
func (r *record) check(ctx context.Context) error {
	switch {
	case r.Kind == KindMinIO:
		return httpCheck(ctx, r.S3.Endpoint+"/minio/health/live")
	case r.S3 != nil:
		return httpCheck(ctx, r.S3.Endpoint+"/")
	case r.GCS != nil:
		return httpCheck(ctx, r.GCS.Endpoint+"/storage/v1/b?project=test")
	case r.Azure != nil:
		return r.Azure.check(ctx)
	case r.MySQL != nil:
		return r.MySQL.check(ctx)
	case r.Redis != nil:
		return r.Redis.check(ctx)
	case r.DNS != nil:
		return r.DNS.check(ctx)
	}
	return fmt.Errorf("server record of kind %q names no server", r.Kind)
}

// waitAnswer polls r.check until it answers or ctx ends.
func waitAnswer(ctx context.Context, r *record, p *process) error {
	return poll(ctx, p, r.check)
}

// ready waits for the freshly launched p to answer r's check.
func ready(ctx context.Context, kind string, r *record, p *process) (*record, error) {
	r.Kind, r.proc = kind, p
	if err := waitReady(ctx, p, r.describe(), r.check); err != nil {
		return nil, err
	}
	return r, nil
}

// stop stops a server this process started, or a rig server by pid.
func (r *record) stop() error {
	if r.proc != nil {
		return r.proc.stop()
	}
	return stopPID(r.PID)
}

// describe is a one-line address for humans.
func (r *record) describe() string {
	switch {
	case r.S3 != nil:
		return r.S3.Endpoint
	case r.GCS != nil:
		return r.GCS.Endpoint
	case r.Azure != nil:
		return r.Azure.Endpoint
	case r.MySQL != nil:
		return r.MySQL.URL()
	case r.Redis != nil:
		return "redis://" + r.Redis.Addr
	case r.DNS != nil:
		return "dns://" + r.DNS.Addr + " zone " + r.DNS.Zone
	}
	return r.Kind
}

func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reset %s: %w", dir, err)
	}
	return nil
}
