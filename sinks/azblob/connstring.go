package azblob

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

// parseConnString splits an Azure Storage connection string
// ("Key=Value;Key=Value") into a map with lower-cased keys. Its errors never
// quote the string: it holds secrets.
func parseConnString(cs string) (map[string]string, error) {
	out := map[string]string{}
	for i, part := range strings.Split(cs, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%s is malformed: segment %d is not Key=Value", envConnString, i+1)
		}
		out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return out, nil
}

// fromConnString fills st from AZURE_STORAGE_CONNECTION_STRING. The URL's
// ?account= and ?endpoint= may repeat what the string says but not contradict it.
func (st *settings) fromConnString(cs, endpoint string) error {
	st.secrets = append(st.secrets, cs)
	m, err := parseConnString(cs)
	if err != nil {
		return fmt.Errorf("%w: %w", sinks.ErrAuth, err)
	}
	if strings.EqualFold(m["usedevelopmentstorage"], "true") {
		return fmt.Errorf("%s: UseDevelopmentStorage=true is not supported; give the emulator's AccountName, AccountKey and BlobEndpoint", envConnString)
	}
	acct := m["accountname"]
	if acct != "" && st.account != "" && acct != st.account {
		return fmt.Errorf("the URL names account %q but %s is for account %q", st.account, envConnString, acct)
	}
	if st.account == "" {
		st.account = acct
	}
	blobEndpoint := m["blobendpoint"]
	if blobEndpoint != "" {
		if blobEndpoint, err = normalizeEndpoint(blobEndpoint); err != nil {
			return fmt.Errorf("BlobEndpoint in %s: %w", envConnString, err)
		}
		if endpoint != "" && endpoint != blobEndpoint {
			return fmt.Errorf("?endpoint=%s differs from BlobEndpoint=%s in %s: drop one", endpoint, blobEndpoint, envConnString)
		}
	}
	switch {
	case blobEndpoint != "":
		st.serviceURL = blobEndpoint
	case endpoint != "":
		st.serviceURL = endpoint
	case st.account != "":
		proto, suffix := m["defaultendpointsprotocol"], m["endpointsuffix"]
		if proto == "" {
			proto = "https"
		}
		if suffix == "" {
			suffix = "core.windows.net"
		}
		st.serviceURL = proto + "://" + st.account + ".blob." + suffix + "/"
	default:
		return fmt.Errorf("%s has neither AccountName nor BlobEndpoint", envConnString)
	}
	if st.account == "" {
		st.account = accountFromEndpoint(st.serviceURL)
	}
	if key := m["accountkey"]; key != "" {
		if st.account == "" {
			return fmt.Errorf("%s has an AccountKey but no AccountName", envConnString)
		}
		st.kind, st.key = credSharedKey, key
		st.credDesc = "the AccountKey in " + envConnString
		st.credFix = "check AccountName and AccountKey in " + envConnString
		st.secrets = append(st.secrets, key, url.QueryEscape(key))
		return nil
	}
	if sas := strings.TrimPrefix(m["sharedaccesssignature"], "?"); sas != "" {
		st.kind, st.sas = credSAS, sas
		st.credDesc = "the SharedAccessSignature in " + envConnString
		st.credFix = "check the SAS in " + envConnString + " (expiry, start time, signature)"
		st.secrets = append(st.secrets, sas)
		if q, err := url.ParseQuery(sas); err == nil {
			for _, v := range q["sig"] {
				st.secrets = append(st.secrets, v, url.QueryEscape(v))
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %s has neither AccountKey nor SharedAccessSignature", sinks.ErrAuth, envConnString)
}
