// Package gcs is the Google Cloud Storage sink: gs://bucket/prefix.
//
// Credentials come from the standard chain (GOOGLE_APPLICATION_CREDENTIALS,
// workload identity, gcloud application-default credentials). The optional
// ?endpoint= parameter points the sink at a private endpoint (https://…,
// authenticated) or at an emulator (http://…, unauthenticated, like the SDK's
// STORAGE_EMULATOR_HOST, which is honoured too).
package gcs

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// defaultEndpoint is what the SDK talks to when neither ?endpoint= nor
// STORAGE_EMULATOR_HOST says otherwise (used in error messages).
const defaultEndpoint = "https://storage.googleapis.com"

// sdkAttempts bounds the SDK's own retries of one request (the default is to
// retry until the context ends). The retry wrapper in sinks retries further
// when an error is marked transient.
const sdkAttempts = 4

type sink struct {
	client    *storage.Client
	bucket    *storage.BucketHandle
	name      string // bucket name
	prefix    string // object name prefix, no leading or trailing slash
	url       string // redacted URL, for String and error messages
	endpoint  string // for error messages
	chunkSize int
	log       *slog.Logger
	transport *http.Transport // the emulator client's, nil otherwise
}

// Open opens the sink for gs://bucket/prefix[?endpoint=URL].
func Open(ctx context.Context, u *url.URL, opts sinks.Options) (sinks.Sink, error) {
	opts = opts.WithDefaults()
	shown := redact.URL(u.String())
	q, err := sinks.QueryParams(u, "endpoint")
	if err != nil {
		return nil, err
	}
	bucket, prefix, err := parseLocation(u, shown)
	if err != nil {
		return nil, err
	}
	s := &sink{
		name:      bucket,
		prefix:    prefix,
		url:       shown,
		endpoint:  defaultEndpoint,
		chunkSize: chunkSize(opts.PartSize),
		log:       opts.Logger.With("sink", shown),
	}
	if host := os.Getenv("STORAGE_EMULATOR_HOST"); host != "" {
		s.endpoint = host
	}
	var copts []option.ClientOption
	if raw := q.Get("endpoint"); raw != "" {
		ep, emulator, err := parseEndpoint(raw)
		if err != nil {
			return nil, fmt.Errorf("%w %q: %v", sinks.ErrBadURL, shown, err)
		}
		s.endpoint = raw // as the user wrote it, for messages
		copts = append(copts, option.WithEndpoint(ep))
		if emulator {
			copts = append(copts, option.WithoutAuthentication(), option.WithHTTPClient(s.emulatorClient()))
		}
	}
	client, err := storage.NewClient(ctx, copts...)
	if err != nil {
		return nil, s.mapErr(ctx, err, opConnect, "")
	}
	client.SetRetry(storage.WithMaxAttempts(sdkAttempts), storage.WithErrorFunc(shouldRetry))
	s.client = client
	s.bucket = client.Bucket(bucket)
	s.log.Debug("gcs sink opened", "endpoint", s.endpoint, "chunk_size", s.chunkSize)
	return s, nil
}

// bucketName follows the GCS naming rules (the dotted form may be longer).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

func parseLocation(u *url.URL, shown string) (bucket, prefix string, err error) {
	if u.Opaque != "" || u.Host == "" {
		return "", "", fmt.Errorf("%w %q: missing bucket; use gs://BUCKET/PREFIX", sinks.ErrBadURL, shown)
	}
	if u.User != nil {
		return "", "", fmt.Errorf("%w %q: gs:// URLs carry no credentials; use GOOGLE_APPLICATION_CREDENTIALS or workload identity", sinks.ErrBadURL, shown)
	}
	if u.Port() != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("%w %q: use gs://BUCKET/PREFIX (no port, no #fragment; a custom endpoint goes in ?endpoint=)", sinks.ErrBadURL, shown)
	}
	bucket = u.Host
	if !bucketName.MatchString(bucket) || (!strings.Contains(bucket, ".") && len(bucket) > 63) {
		return "", "", fmt.Errorf("%w %q: %q is not a valid bucket name (3-63 lowercase letters, digits, '-', '_' or '.')", sinks.ErrBadURL, shown, bucket)
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix != "" {
		if err := sinks.ValidateKey(prefix); err != nil {
			return "", "", fmt.Errorf("%w %q: prefix %q has an empty, '.' or '..' segment or a control character", sinks.ErrBadURL, shown, prefix)
		}
	}
	return bucket, prefix, nil
}

// parseEndpoint turns ?endpoint=http://host:port into the JSON API base URL
// the SDK wants. The SDK's emulator mode (STORAGE_EMULATOR_HOST) does exactly
// this: endpoint http://HOST/storage/v1/ plus no authentication; the XML
// download host is then taken from the same URL, so downloads reach the
// emulator too. An https endpoint is a private endpoint of real GCS and keeps
// authentication.
func parseEndpoint(raw string) (ep string, emulator bool, err error) {
	e, err := url.Parse(raw)
	if err != nil || e.Host == "" || (e.Scheme != "http" && e.Scheme != "https") {
		return "", false, fmt.Errorf("endpoint %q must be http://HOST[:PORT] (emulator) or https://HOST[:PORT] (private endpoint)", raw)
	}
	if e.User != nil || e.RawQuery != "" || e.Fragment != "" {
		return "", false, fmt.Errorf("endpoint %q must be a bare http(s)://HOST[:PORT][/PATH]", redact.URL(raw))
	}
	if strings.Trim(e.Path, "/") == "" {
		e.Path = "/storage/v1/"
	} else if !strings.HasSuffix(e.Path, "/") {
		e.Path += "/"
	}
	return e.String(), e.Scheme == "http", nil
}

func chunkSize(partSize int64) int {
	const maxChunk = 1 << 30
	if partSize > maxChunk {
		return maxChunk
	}
	return int(partSize) // the SDK rounds it up to a multiple of 256 KiB
}

// object returns the full object name of key.
func (s *sink) object(key string) string { return sinks.JoinPrefix(s.prefix, key) }

// keyOf turns a full object name back into a key relative to the prefix.
func (s *sink) keyOf(name string) (string, bool) {
	if s.prefix == "" {
		return name, true
	}
	return strings.CutPrefix(name, s.prefix+"/")
}

func (s *sink) String() string { return s.url }

// emulatorClient is the unauthenticated HTTP client of an http:// endpoint
// (an emulator), which names a TLS server answering there as such.
func (s *sink) emulatorClient() *http.Client {
	s.transport = http.DefaultTransport.(*http.Transport).Clone()
	return &http.Client{Transport: sinks.DetectTLSEndpointTransport(s.transport)}
}

func (s *sink) Close() error {
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("%s: close client: %w", s.url, err)
	}
	return nil
}
