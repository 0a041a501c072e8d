package config

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// checkSinkURL does the offline part of sink URL validation; the backends
// check the rest when they open it.
func checkSinkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", redact.URL(raw), redact.Error(err, raw))
	}
	for _, s := range []string{"file", "s3", "gs", "azblob"} {
		if strings.EqualFold(u.Scheme, s) {
			return nil
		}
	}
	return fmt.Errorf("%q has an unknown scheme %q; use file://, s3://, gs:// or azblob://", redact.URL(raw), u.Scheme)
}
