package azblob

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
	"github.com/pilotlight-dr/pilotlight/sinks"
)

// op names a sink operation and what it needs from Azure RBAC or a SAS.
type op struct {
	name    string
	role    string // built-in role that grants it
	sasPerm string // SAS permission letters
}

var (
	opPut    = op{"put", "Storage Blob Data Contributor", "w (c for new blobs)"}
	opOpen   = op{"open", "Storage Blob Data Reader", "r"}
	opStat   = op{"stat", "Storage Blob Data Reader", "r"}
	opList   = op{"list", "Storage Blob Data Reader", "l"}
	opDelete = op{"delete", "Storage Blob Data Contributor", "d"}
)

// azError is a one-line message (without secrets) over the sentinel and the
// underlying error, so that errors.Is and errors.As still work.
type azError struct {
	msg  string
	errs []error
}

func (e *azError) Error() string   { return e.msg }
func (e *azError) Unwrap() []error { return e.errs }

// fail maps an SDK error of operation o on key (may be "", or a list prefix)
// to a one-line error that wraps the matching sinks sentinel, names the
// problem and says how to fix it.
func (s *Sink) fail(o op, key string, err error) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf("azblob %s %q in %s", o.name, key, s.shown)
	mk := func(sentinel, cause error, format string, args ...any) error {
		msg := redact.String(what+": "+fmt.Sprintf(format, args...), s.st.secrets...)
		errs := []error{}
		if sentinel != nil {
			errs = append(errs, sentinel)
		}
		if cause != nil {
			errs = append(errs, cause)
		}
		return &azError{msg: msg, errs: errs}
	}
	var respErr *azcore.ResponseError
	isResp := errors.As(err, &respErr)
	status := 0
	if isResp {
		status = respErr.StatusCode
	}
	var credErr *credError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ctxErr := context.Canceled
		if errors.Is(err, context.DeadlineExceeded) {
			ctxErr = context.DeadlineExceeded
		}
		return mk(nil, ctxErr, "%v", ctxErr)
	case errors.As(err, &credErr):
		return mk(sinks.ErrAuth, credErr.err, "%s could not get a token (%s): %s",
			s.st.credDesc, firstLine(credErr.Error()), s.st.credFix)
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return mk(sinks.ErrNotExist, respErr, "object does not exist")
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		return mk(sinks.ErrNoBucket, respErr, "container %s does not exist in account %s: create it or fix the URL",
			s.st.container, s.st.account)
	case bloberror.HasCode(err, bloberror.AuthenticationFailed), status == http.StatusUnauthorized:
		return mk(sinks.ErrAuth, respErr, "account %s rejected %s (%s): %s",
			s.st.account, s.st.credDesc, codeOf(respErr), s.st.credFix)
	case s.st.kind == credSharedKey && bloberror.HasCode(err, bloberror.AuthorizationFailure):
		// An account key grants every data operation, so this is not a
		// missing role: the signature was refused (Azurite reports a wrong
		// key this way) or a network rule blocks the client.
		return mk(sinks.ErrAuth, respErr, "account %s refused %s (AuthorizationFailure): the key is wrong or a storage firewall blocks this client; %s",
			s.st.account, s.st.credDesc, s.st.credFix)
	case status == http.StatusForbidden:
		return mk(sinks.ErrPermission, respErr, "%s lacks permission (%s): grant %s on container %s, or use a SAS with permission %s",
			s.st.credDesc, codeOf(respErr), o.role, s.st.container, o.sasPerm)
	case status == http.StatusNotFound && o != opList:
		// HEAD responses carry no body; without an error code a 404 on a blob is a missing blob.
		return mk(sinks.ErrNotExist, respErr, "object does not exist (%s)", codeOf(respErr))
	case bloberror.HasCode(err, bloberror.InvalidBlockList):
		// Our block IDs are well formed, so the staged blocks were discarded:
		// another writer committed this name meanwhile. A new attempt can work.
		return sinks.Transient(mk(nil, respErr, "the staged blocks were discarded (InvalidBlockList): another writer committed this key meanwhile; try again"))
	case isTransientStatus(status), bloberror.HasCode(err, bloberror.ServerBusy, bloberror.OperationTimedOut, bloberror.InternalError):
		return sinks.Transient(mk(nil, respErr, "service busy or failing (HTTP %d, %s): try again", status, codeOf(respErr)))
	case isResp:
		return mk(nil, respErr, "HTTP %d (%s)", status, codeOf(respErr))
	}
	if netErr, ok := unreachable(err); ok {
		return mk(sinks.ErrUnreachable, netErr, "cannot reach %s: %v: check the endpoint, DNS, firewall and TLS settings",
			s.st.serviceURL, netErr)
	}
	clean := s.scrub(err)
	if isReset(err) {
		return sinks.Transient(mk(nil, clean, "connection lost: %s", firstLine(clean.Error())))
	}
	return mk(nil, clean, "%s", firstLine(clean.Error()))
}

// scrubbed stands in for an error whose text names the request URL, which
// carries the SAS when there is one.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub returns err without secrets in its text or in the text of what it
// wraps: a *url.Error in the chain gives way to the error it carries, under
// a text naming the request without its query.
func (s *Sink) scrub(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	target := ue.URL
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.RawQuery, u.User = "", nil
		target = u.String()
	} else {
		target, _, _ = strings.Cut(target, "?")
	}
	msg := fmt.Sprintf("%s %s: %v", ue.Op, target, ue.Err)
	return &scrubbed{msg: redact.String(msg, s.st.secrets...), err: ue.Err}
}

// cannotHaveStaged reports errors after which a Put cannot have left blocks
// it could remove: the service refused the credentials or the container, or
// cannot be reached (cleanup would fail the same way, after more retries).
func cannotHaveStaged(err error) bool {
	for _, sentinel := range []error{sinks.ErrAuth, sinks.ErrPermission, sinks.ErrNoBucket, sinks.ErrUnreachable} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}

func codeOf(e *azcore.ResponseError) string {
	if e == nil || e.ErrorCode == "" {
		return "no error code"
	}
	return e.ErrorCode
}

func isTransientStatus(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// unreachable finds a DNS, connect or TLS failure in err and returns it
// without the request URL (which may carry a SAS).
func unreachable(err error) (error, bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr, true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return opErr, true
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		certErr   x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
	)
	switch {
	case errors.As(err, &verifyErr):
		return verifyErr, true
	case errors.As(err, &unknownCA):
		return unknownCA, true
	case errors.As(err, &hostErr):
		return hostErr, true
	case errors.As(err, &certErr):
		return certErr, true
	case errors.As(err, &recordErr):
		return recordErr, true
	case errors.As(err, &alertErr):
		return alertErr, true
	}
	return nil, false
}

// isReset reports a connection that broke after it was established.
func isReset(err error) bool {
	var netErr net.Error
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}
