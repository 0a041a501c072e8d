package azblob

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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

// fail maps an SDK error of operation o on key (may be "", or a list prefix)
// to a *sinks.OpError that wraps the matching sinks sentinel, names the
// problem and says how to fix it. Network-level failures are classified by
// sinks.ClassifyNet, like every cloud sink's; this maps Azure's answers.
func (s *Sink) fail(o op, key string, err error) error {
	if err == nil {
		return nil
	}
	e := sinks.OpError{Op: "azblob " + o.name, Key: key, Sink: s.shown}
	var respErr *azcore.ResponseError
	isResp := errors.As(err, &respErr)
	status := 0
	if isResp {
		status = respErr.StatusCode
	}
	set := func(kind, cause error, problem, fix string) {
		e.Kind, e.Err, e.Problem, e.Fix = kind, cause, problem, fix
	}
	var credErr *credError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		ctxErr := context.Canceled // the chain itself may name a request URL with a SAS
		if errors.Is(err, context.DeadlineExceeded) {
			ctxErr = context.DeadlineExceeded
		}
		ne, _ := sinks.NetError(e, s.st.serviceURL, ctxErr)
		return ne
	case errors.As(err, &credErr):
		set(sinks.ErrAuth, credErr.err, fmt.Sprintf("%s could not get a token (%s)", s.st.credDesc, firstLine(credErr.Error())), s.st.credFix)
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		set(sinks.ErrNotExist, respErr, "object does not exist", "")
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		set(sinks.ErrNoBucket, respErr, fmt.Sprintf("container %s does not exist in account %s", s.st.container, s.st.account), "create it or fix the URL")
	case bloberror.HasCode(err, bloberror.AuthenticationFailed), status == http.StatusUnauthorized:
		set(sinks.ErrAuth, respErr, fmt.Sprintf("account %s rejected %s (%s)", s.st.account, s.st.credDesc, codeOf(respErr)), s.st.credFix)
	case s.st.kind == credSharedKey && bloberror.HasCode(err, bloberror.AuthorizationFailure):
		// An account key grants every data operation, so this is not a
		// missing role: the signature was refused (Azurite reports a wrong
		// key this way) or a network rule blocks the client.
		set(sinks.ErrAuth, respErr, fmt.Sprintf("account %s refused %s (AuthorizationFailure): the key is wrong or a storage firewall blocks this client",
			s.st.account, s.st.credDesc), s.st.credFix)
	case status == http.StatusForbidden:
		set(sinks.ErrPermission, respErr, fmt.Sprintf("%s lacks permission (%s)", s.st.credDesc, codeOf(respErr)),
			fmt.Sprintf("grant %s on container %s, or use a SAS with permission %s", o.role, s.st.container, o.sasPerm))
	case status == http.StatusNotFound && o != opList:
		// HEAD responses carry no body; without an error code a 404 on a blob is a missing blob.
		set(sinks.ErrNotExist, respErr, fmt.Sprintf("object does not exist (%s)", codeOf(respErr)), "")
	case bloberror.HasCode(err, bloberror.InvalidBlockList):
		// Our block IDs are well formed, so the staged blocks were discarded:
		// another writer committed this name meanwhile. A new attempt can work.
		set(nil, respErr, "the staged blocks were discarded (InvalidBlockList): another writer committed this key meanwhile", "try again")
		return sinks.Transient(s.scrubbed(&e))
	case isTransientStatus(status), bloberror.HasCode(err, bloberror.ServerBusy, bloberror.OperationTimedOut, bloberror.InternalError):
		set(nil, respErr, fmt.Sprintf("service busy or failing (HTTP %d, %s)", status, codeOf(respErr)), "it is retried; if it keeps failing, try again later")
		return sinks.Transient(s.scrubbed(&e))
	case isResp:
		set(nil, respErr, fmt.Sprintf("HTTP %d (%s)", status, codeOf(respErr)), "")
	default:
		clean := s.scrub(err)
		if ne, ok := sinks.NetError(e, s.st.serviceURL, clean); ok {
			return s.scrubbed(ne)
		}
		set(nil, clean, sinks.Describe(clean), "")
	}
	return s.scrubbed(&e)
}

// scrubbed masks the sink's secrets in the message of err.
func (s *Sink) scrubbed(err error) error {
	var e *sinks.OpError
	if errors.As(err, &e) {
		e.Problem, e.Fix = redact.String(e.Problem, s.st.secrets...), redact.String(e.Fix, s.st.secrets...)
	}
	return err
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
