// Package azblob is the Azure Blob Storage sink:
//
//	azblob://CONTAINER/PREFIX?account=NAME&endpoint=URL
//
// Both parameters are optional. The endpoint defaults to
// https://ACCOUNT.blob.core.windows.net/; for Azurite use
// endpoint=http://127.0.0.1:10000/devstoreaccount1. Credentials come from the
// environment, never from the URL: AZURE_STORAGE_CONNECTION_STRING (AccountKey
// or SharedAccessSignature), else AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY,
// else azidentity's DefaultAzureCredential (environment, workload identity,
// managed identity, az login).
//
// Objects are block blobs. The SHA-256 of the content is stored as metadata
// pilotlight_sha256 in the same request that makes the blob visible.
package azblob

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Azure block blob limits.
const (
	maxBlockSize = 4000 << 20 // one staged block
	maxBlocks    = 50000      // blocks in one committed blob
)

// Sink stores objects as block blobs in one container under a prefix.
type Sink struct {
	st          settings
	shown       string // URL without secrets
	cc          *container.Client
	log         *slog.Logger
	partSize    int64
	concurrency int
	bufs        sync.Pool // *[]byte of partSize, reused across Puts
}

var _ sinks.Sink = (*Sink)(nil)

// config is what tests inject instead of the process environment and the
// SDK's default retry timings.
type config struct {
	getenv func(string) string
	retry  policy.RetryOptions
}

// Open opens an azblob:// URL. It does not contact the service: a missing
// container or a rejected credential shows up at the first operation.
func Open(ctx context.Context, u *url.URL, opts sinks.Options) (sinks.Sink, error) {
	s, err := open(ctx, u, opts, config{getenv: os.Getenv})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func open(_ context.Context, u *url.URL, opts sinks.Options, cfg config) (*Sink, error) {
	opts = opts.WithDefaults()
	if opts.PartSize > maxBlockSize {
		return nil, fmt.Errorf("azblob: part size %d is over Azure's block limit of %d bytes: lower it", opts.PartSize, maxBlockSize)
	}
	st, err := resolve(u, cfg.getenv)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		st:          st,
		shown:       redact.URL(u.String()),
		log:         opts.Logger.With("sink", redact.URL(u.String())),
		partSize:    opts.PartSize,
		concurrency: opts.Concurrency,
	}
	if s.cc, err = newContainerClient(st, cfg); err != nil {
		return nil, fmt.Errorf("azblob %s: %w", s.shown, err)
	}
	s.log.Debug("azblob sink opened", "account", st.account, "container", st.container, "credential", st.credDesc)
	return s, nil
}

// newContainerClient builds the SDK client for the resolved credential.
func newContainerClient(st settings, cfg config) (*container.Client, error) {
	opts := &container.ClientOptions{ClientOptions: azcore.ClientOptions{
		Retry:            cfg.retry,
		Telemetry:        policy.TelemetryOptions{ApplicationID: "pilotlight"},
		PerRetryPolicies: []policy.Policy{tlsEndpointPolicy{}},
	}}
	containerURL := st.serviceURL + st.container
	switch st.kind {
	case credSharedKey:
		cred, err := container.NewSharedKeyCredential(st.account, st.key)
		if err != nil { // the SDK's message names only the decoding problem
			return nil, fmt.Errorf("%w: %s is not a valid base64 account key: %s", sinks.ErrAuth, st.credDesc, st.credFix)
		}
		return container.NewClientWithSharedKeyCredential(containerURL, cred, opts)
	case credSAS:
		return container.NewClientWithNoCredential(containerURL+"?"+st.sas, opts)
	default:
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("%w: DefaultAzureCredential: %s: %s", sinks.ErrAuth, redact.String(firstLine(err.Error()), st.secrets...), credHint)
		}
		return container.NewClient(containerURL, tokenCredential{cred}, opts)
	}
}

// tlsEndpointPolicy names a TLS server that answers a plain-HTTP endpoint
// as such (sinks.CheckPlainHTTPAnswer), instead of the reset connection or
// header-less HTTP 400 the SDK would report.
type tlsEndpointPolicy struct{}

func (tlsEndpointPolicy) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	return sinks.CheckPlainHTTPAnswer(req.Raw(), resp, err)
}

// tokenCredential marks token acquisition failures so that they map to
// sinks.ErrAuth rather than to a generic request error.
type tokenCredential struct{ azcore.TokenCredential }

func (c tokenCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, o)
	if err != nil {
		return tok, &credError{err}
	}
	return tok, nil
}

type credError struct{ err error }

func (e *credError) Error() string { return e.err.Error() }
func (e *credError) Unwrap() error { return e.err }

// String returns the sink URL without secrets.
func (s *Sink) String() string { return s.shown }

// Close releases nothing: the SDK's HTTP client is shared and idle
// connections close themselves.
func (s *Sink) Close() error { return nil }

// blobName is the full blob name of key.
func (s *Sink) blobName(key string) string { return sinks.JoinPrefix(s.st.prefix, key) }

// listBase is what every blob name of this sink starts with.
func (s *Sink) listBase() string {
	if s.st.prefix == "" {
		return ""
	}
	return s.st.prefix + "/"
}

// metaSHA finds the SHA-256 metadata. The SDK canonicalizes metadata names
// from response headers ("Pilotlight_sha256"), so compare without case.
func metaSHA(m map[string]*string) string {
	for k, v := range m {
		if v != nil && strings.EqualFold(k, sinks.MetadataSHA256Azure) {
			return *v
		}
	}
	return ""
}

// getBuf returns a partSize buffer from the sink's pool.
func (s *Sink) getBuf() *[]byte {
	if b, ok := s.bufs.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, s.partSize)
	return &b
}

func (s *Sink) putBuf(b *[]byte) { s.bufs.Put(b) }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
