package azblob

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// Environment variables read by Open. Their values are secrets (except the
// account name) and never appear in an error or a log line.
const (
	envConnString = "AZURE_STORAGE_CONNECTION_STRING"
	envAccount    = "AZURE_STORAGE_ACCOUNT"
	envKey        = "AZURE_STORAGE_KEY"
)

// credHint is appended to authentication errors.
const credHint = "set " + envConnString + ", or " + envAccount + " and " + envKey +
	", or sign in for DefaultAzureCredential (az login, managed identity, workload identity)"

// credKind says which credential a sink uses.
type credKind int

const (
	credToken     credKind = iota // azidentity.DefaultAzureCredential
	credSharedKey                 // account key from the connection string or AZURE_STORAGE_KEY
	credSAS                       // SharedAccessSignature from the connection string
)

// settings is everything resolved from the URL and the environment.
type settings struct {
	container  string
	prefix     string // no leading or trailing slash; "" for the whole container
	account    string
	serviceURL string // ends with "/"
	kind       credKind
	key        string // credSharedKey only
	sas        string // credSAS only, without the leading "?"
	credDesc   string // which credential, for error messages (no secret)
	credFix    string // what to check when it is rejected
	secrets    []string
}

var (
	containerRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){2,62}$`)
	accountRe   = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
)

// resolve reads the sink URL and, through getenv, the credential variables.
func resolve(u *url.URL, getenv func(string) string) (settings, error) {
	shown := redact.URL(u.String())
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", sinks.ErrBadURL, shown, fmt.Sprintf(format, args...))
	}
	if u.Opaque != "" || u.Host == "" {
		return settings{}, bad("missing container: use azblob://CONTAINER/PREFIX")
	}
	if u.User != nil {
		return settings{}, bad("credentials do not belong in the URL: set %s, or %s and %s", envConnString, envAccount, envKey)
	}
	if !containerRe.MatchString(u.Host) {
		return settings{}, bad("%q is not a valid container name (3-63 lowercase letters, digits and single hyphens)", u.Host)
	}
	q, err := sinks.QueryParams(u, "account", "endpoint")
	if err != nil {
		return settings{}, err
	}
	st := settings{container: u.Host, prefix: strings.Trim(u.Path, "/"), account: q.Get("account")}
	if st.prefix != "" {
		if err := sinks.ValidateKey(st.prefix); err != nil {
			return settings{}, bad("bad prefix %q: use slash-separated names without empty, '.' or '..' segments", st.prefix)
		}
	}
	if st.account != "" && !accountRe.MatchString(st.account) {
		return settings{}, bad("%q is not a valid storage account name (3-24 lowercase letters and digits)", st.account)
	}
	endpoint := q.Get("endpoint")
	if endpoint != "" {
		if endpoint, err = normalizeEndpoint(endpoint); err != nil {
			return settings{}, bad("%v", err)
		}
	}
	if cs := getenv(envConnString); cs != "" {
		err = st.fromConnString(cs, endpoint)
	} else {
		err = st.fromEnv(getenv, endpoint)
	}
	if errors.Is(err, sinks.ErrAuth) {
		return settings{}, fmt.Errorf("azblob %q: %w", shown, err)
	}
	if err != nil {
		return settings{}, fmt.Errorf("%w %q: %w", sinks.ErrBadURL, shown, err)
	}
	if st.kind == credToken && !strings.HasPrefix(st.serviceURL, "https://") {
		return settings{}, fmt.Errorf("%w: endpoint %s is not https, so token credentials cannot be used: %s", sinks.ErrAuth, st.serviceURL, credHint)
	}
	return st, nil
}

// fromEnv handles AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY, or no secret at
// all (DefaultAzureCredential).
func (st *settings) fromEnv(getenv func(string) string, endpoint string) error {
	envAcct, key := getenv(envAccount), getenv(envKey)
	if key != "" && st.account != "" && envAcct != "" && envAcct != st.account {
		return fmt.Errorf("%s is the key of account %q (%s), but the URL names account %q", envKey, envAcct, envAccount, st.account)
	}
	if st.account == "" {
		st.account = envAcct
	}
	if st.account == "" && endpoint != "" {
		st.account = accountFromEndpoint(endpoint)
	}
	if st.account == "" {
		return fmt.Errorf("no storage account: add ?account=NAME to the URL or set %s", envAccount)
	}
	st.serviceURL = endpoint
	if st.serviceURL == "" {
		st.serviceURL = "https://" + st.account + ".blob.core.windows.net/"
	}
	if key != "" {
		st.kind, st.key = credSharedKey, key
		st.credDesc = "the shared key in " + envKey
		st.credFix = "check " + envKey + " and " + envAccount
		st.secrets = []string{key, url.QueryEscape(key)}
		return nil
	}
	st.kind = credToken
	st.credDesc = "DefaultAzureCredential (environment, workload identity, managed identity, az login)"
	st.credFix = credHint
	return nil
}

// normalizeEndpoint checks an ?endpoint= value and gives it a trailing slash.
func normalizeEndpoint(raw string) (string, error) {
	e, err := url.Parse(raw)
	if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" || e.User != nil || e.RawQuery != "" {
		return "", fmt.Errorf("endpoint %q must be an http(s) URL without credentials or query, e.g. https://ACCOUNT.blob.core.windows.net/", redact.URL(raw))
	}
	return strings.TrimRight(e.String(), "/") + "/", nil
}

// accountFromEndpoint guesses the account from ACCOUNT.blob.HOST or, for
// emulators, from the first path segment (http://127.0.0.1:10000/ACCOUNT).
func accountFromEndpoint(endpoint string) string {
	e, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	if name, rest, ok := strings.Cut(e.Hostname(), "."); ok && strings.HasPrefix(rest, "blob.") && accountRe.MatchString(name) {
		return name
	}
	if seg, _, _ := strings.Cut(strings.Trim(e.Path, "/"), "/"); accountRe.MatchString(seg) {
		return seg
	}
	return ""
}
