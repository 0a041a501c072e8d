// Package s3 is the s3:// sink: Amazon S3 and S3-compatible stores (MinIO,
// Ceph, R2, ...).
//
//	s3://bucket/prefix?region=us-east-1&endpoint=http://127.0.0.1:9000&path_style=true
//
// Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, IMDS); the URL carries none.
//
// Objects that fit in one part are stored with one PutObject carrying their
// SHA-256. Larger ones are uploaded in parts to a staging key under
// ".pilotlight-tmp/" and then copied server-side, with their SHA-256 as
// metadata, to their key: the object appears there complete and with its
// checksum in one step, and a failed Put leaves any earlier object untouched.
package s3

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

const (
	minPartSize     = 5 << 20   // S3's smallest part (except the last)
	maxPartSize     = 5 << 30   // S3's largest part
	maxParts        = 10000     // S3's most parts per upload
	maxCopyObject   = 5 << 30   // largest object CopyObject can copy in one call
	defaultCopyPart = 512 << 20 // part size of multipart copies (no local memory)
)

// sink is an s3:// sink.
type sink struct {
	loc           location
	client        *s3.Client
	conns         *connTracker
	log           *slog.Logger
	partSize      int64
	concurrency   int
	copyThreshold int64 // larger staged objects are copied with UploadPartCopy
	copyPartSize  int64
	endpoint      string // for messages
	partition     string // for ARNs in messages
	secrets       *secretSet
	bufs          sync.Pool // *[]byte of partSize
	closed        atomic.Bool
}

// testConfig holds knobs for tests; production uses the zero value.
type testConfig struct {
	creds         aws.CredentialsProvider // nil: the SDK's default chain
	copyThreshold int64
	copyPartSize  int64
	maxAttempts   int // SDK attempts per request (retries included)
}

// Open opens the sink named by u (sinks.Opener).
func Open(ctx context.Context, u *url.URL, opts sinks.Options) (sinks.Sink, error) {
	return open(ctx, u, opts, testConfig{})
}

func open(ctx context.Context, u *url.URL, opts sinks.Options, tc testConfig) (*sink, error) {
	opts = opts.WithDefaults()
	loc, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	s := &sink{
		loc:           loc,
		log:           opts.Logger.With("sink", loc.display),
		partSize:      min(max(opts.PartSize, minPartSize), maxPartSize),
		concurrency:   opts.Concurrency,
		copyThreshold: maxCopyObject,
		copyPartSize:  defaultCopyPart,
		secrets:       &secretSet{},
	}
	if s.partSize != opts.PartSize {
		s.log.Info("s3: part size adjusted to S3's limits", "requested", opts.PartSize, "used", s.partSize)
	}
	if tc.copyThreshold > 0 {
		s.copyThreshold = tc.copyThreshold
	}
	if tc.copyPartSize > 0 {
		s.copyPartSize = tc.copyPartSize
	}
	s.bufs.New = func() any { b := make([]byte, s.partSize); return &b }

	hc, conns := newHTTPClient()
	s.conns = conns
	load := []func(*config.LoadOptions) error{
		config.WithHTTPClient(hc),
		// Newer SDKs send CRC32 checksums by default, which MinIO and other
		// S3-compatible stores reject or mishandle: only when required.
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if loc.region != "" {
		load = append(load, config.WithRegion(loc.region))
	}
	if tc.creds != nil {
		load = append(load, config.WithCredentialsProvider(tc.creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("s3 %s: %w: loading the AWS configuration failed: %s; check AWS_PROFILE, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE",
			loc.display, sinks.ErrAuth, sinks.Describe(err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Credentials != nil {
		cfg.Credentials = recordingProvider{inner: cfg.Credentials, secrets: s.secrets}
	}
	s.partition = partition(cfg.Region)
	s.endpoint = loc.endpoint
	if s.endpoint == "" {
		s.endpoint = "https://s3." + cfg.Region + ".amazonaws.com"
	}
	s.client = s3.NewFromConfig(cfg, func(o *s3.Options) {
		if loc.endpoint != "" {
			o.BaseEndpoint = aws.String(loc.endpoint)
		}
		o.UsePathStyle = loc.pathStyle
		// After the SDK set up its client (AWS_CA_BUNDLE, timeouts): a
		// plain-HTTP endpoint that speaks TLS is named as such.
		o.HTTPClient = sinks.DetectTLSEndpoint(o.HTTPClient)
		if tc.maxAttempts > 0 {
			o.RetryMaxAttempts = tc.maxAttempts
		}
	})
	return s, nil
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// full returns the object name of a sink key.
func (s *sink) full(key string) string { return sinks.JoinPrefix(s.loc.prefix, key) }

// relative returns the sink key of an object name under the prefix.
func (s *sink) relative(name string) string {
	if s.loc.prefix == "" {
		return name
	}
	return strings.TrimPrefix(name, s.loc.prefix+"/")
}

func (s *sink) String() string { return s.loc.display }

// Close closes the sink's connections; the sink must not be used afterwards.
func (s *sink) Close() error {
	s.closed.Store(true)
	s.conns.closeAll()
	return nil
}

var errClosed = errors.New("s3 sink is closed")

// begin checks that the sink is open and that key is usable.
func (s *sink) begin(key string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", s.loc.display, errClosed)
	}
	if err := checkKey(key); err != nil {
		return fmt.Errorf("s3 %s: %w", s.loc.display, err)
	}
	return nil
}
