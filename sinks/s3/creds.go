package s3

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// secretSet remembers the secret keys and session tokens the sink has used,
// so that no error text can carry one (defence in depth: S3 does not echo
// them, but a proxy or an SDK message might).
type secretSet struct {
	mu   sync.Mutex
	vals []string
}

const maxSecrets = 8 // rotated credentials: keep the last few

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if v == "" {
			continue
		}
		known := false
		for _, k := range s.vals {
			known = known || k == v
		}
		if !known {
			s.vals = append(s.vals, v)
			if len(s.vals) > maxSecrets {
				s.vals = s.vals[1:]
			}
		}
	}
}

// scrub masks every remembered secret in text.
func (s *secretSet) scrub(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return redact.String(text, s.vals...)
}

// credsError marks a failure to obtain credentials (nothing configured,
// unreadable profile, IMDS unreachable), as opposed to credentials S3 rejected.
type credsError struct{ err error }

func (e *credsError) Error() string { return e.err.Error() }
func (e *credsError) Unwrap() error { return e.err }

// recordingProvider wraps the credential chain: it remembers the secrets it
// hands out and marks its failures as credsError.
type recordingProvider struct {
	inner   aws.CredentialsProvider
	secrets *secretSet
}

func (p recordingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.inner.Retrieve(ctx)
	if err != nil {
		return c, &credsError{err}
	}
	p.secrets.add(c.SecretAccessKey, c.SessionToken)
	return c, nil
}
