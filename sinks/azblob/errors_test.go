package azblob

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/sas"

	"github.com/pilotlight-dr/pilotlight/internal/testenv"
	"github.com/pilotlight-dr/pilotlight/sinks"
	"github.com/pilotlight-dr/pilotlight/sinks/sinktest"
)

// opErrors runs every operation that reaches the service and returns their errors by name.
func opErrors(t *testing.T, s *Sink, key string) map[string]error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errs := map[string]error{}
	_, errs["Stat"] = s.Stat(ctx, key)
	if rc, err := s.Open(ctx, key); err == nil {
		rc.Close()
	} else {
		errs["Open"] = err
	}
	_, errs["Put"] = s.Put(ctx, key, strings.NewReader("x"))
	_, errs["Put multi-block"] = s.Put(ctx, key+"-big", strings.NewReader(strings.Repeat("y", 3*mib)))
	errs["List"] = s.List(ctx, "", func(sinks.Object) error { return nil })
	errs["Delete"] = s.Delete(ctx, key)
	return errs
}

// checkErr checks that err wraps want, fits on one line and leaks none of secrets.
func checkErr(t *testing.T, what string, err, want error, secrets ...string) {
	t.Helper()
	if !sinktest.CheckError(t, what, err, want, nil, nil) {
		return
	}
	for _, text := range errorTexts(err) { // every wrapped error, not only the message
		for _, sec := range secrets {
			if sec != "" && strings.Contains(text, sec) {
				t.Errorf("%s: error chain text %q contains a secret", what, text)
			}
		}
	}
}

// errorTexts is the text of err and of every error it wraps.
func errorTexts(err error) []string {
	if err == nil {
		return nil
	}
	out := []string{err.Error()}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, errorTexts(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, errorTexts(e)...)
		}
	}
	return out
}

func randomKey(t *testing.T) string {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestErrorsWrongKey(t *testing.T) {
	t.Parallel()
	az := testenv.Azurite(t)
	wrong := randomKey(t)
	for name, env := range map[string]func(string) string{
		"AZURE_STORAGE_KEY": envOf(envAccount, az.Account, envKey, wrong),
		"connection string": envOf(envConnString, strings.Replace(az.ConnectionString(), az.Key, wrong, 1)),
	} {
		s, err := openWith(t, sinkURL(az, az.NewContainer(t), "p"), sinks.Options{PartSize: mib}, env)
		if err != nil {
			t.Fatal(err)
		}
		for op, err := range opErrors(t, s, "some/key") {
			checkErr(t, name+" "+op, err, sinks.ErrAuth, wrong, az.Key)
		}
	}
	_, err := openWith(t, sinkURL(az, "c123", ""), sinks.Options{}, envOf(envAccount, az.Account, envKey, "not base64!"))
	checkErr(t, "undecodable key", err, sinks.ErrAuth, "not base64!")
}

func TestErrorsMissingContainer(t *testing.T) {
	t.Parallel()
	az := testenv.Azurite(t)
	s, err := openWith(t, sinkURL(az, "no-such-container", "p"), sinks.Options{PartSize: mib}, keyEnv(az))
	if err != nil {
		t.Fatal(err)
	}
	for op, err := range opErrors(t, s, "k") {
		checkErr(t, op, err, sinks.ErrNoBucket, az.Key)
		if err != nil && !strings.Contains(err.Error(), "container no-such-container does not exist in account devstoreaccount1") {
			t.Errorf("%s: %q does not name the container and the account", op, err)
		}
	}
}

func TestErrorsUnreachable(t *testing.T) {
	t.Parallel()
	az := testenv.Azurite(t)
	for _, endpoint := range []string{"http://127.0.0.1:1/devstoreaccount1", "http://blob.no-such-host.invalid/devstoreaccount1"} {
		raw := "azblob://c123/p?endpoint=" + url.QueryEscape(endpoint)
		s, err := openWith(t, raw, sinks.Options{PartSize: mib}, keyEnv(az))
		if err != nil {
			t.Fatal(err)
		}
		for op, err := range opErrors(t, s, "k") {
			checkErr(t, endpoint+" "+op, err, sinks.ErrUnreachable, az.Key)
		}
	}
}

func TestErrorsNotExist(t *testing.T) {
	t.Parallel()
	s := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	_, err := s.Stat(ctx, "missing/blob")
	checkErr(t, "Stat", err, sinks.ErrNotExist)
	_, err = s.Open(ctx, "missing/blob")
	checkErr(t, "Open", err, sinks.ErrNotExist)
	if err := s.Delete(ctx, "missing/blob"); err != nil {
		t.Errorf("Delete of a missing blob = %v, want nil", err)
	}
}

// TestErrorsSAS uses a read-and-list SAS: reads work, writes are refused
// with ErrPermission naming what to grant, and the SAS never shows.
func TestErrorsSAS(t *testing.T) {
	t.Parallel()
	writer := newTestSink(t, sinks.Options{})
	ctx := context.Background()
	obj, err := writer.Put(ctx, "readable", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	sasURL, err := rawContainer(t, writer).GetSASURL(sas.ContainerPermissions{Read: true, List: true}, time.Now().Add(time.Hour), nil)
	if err != nil {
		t.Fatal(err)
	}
	su, _ := url.Parse(sasURL)
	sig := su.Query().Get("sig")
	az := testenv.Azurite(t)
	env := envOf(envConnString, "BlobEndpoint="+az.Endpoint+";SharedAccessSignature="+su.RawQuery)
	s, err := openWith(t, sinkURL(az, writer.st.container, "backups/db1"), sinks.Options{PartSize: mib}, env)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := s.Stat(ctx, "readable"); err != nil || st.SHA256 != obj.SHA256 {
		t.Fatalf("Stat through a read SAS = %+v, %v", st, err)
	}
	_, err = s.Put(ctx, "new", strings.NewReader("x"))
	checkErr(t, "Put", err, sinks.ErrPermission, sig, url.QueryEscape(sig))
	if err != nil && !strings.Contains(err.Error(), "Storage Blob Data Contributor") {
		t.Errorf("Put error %q does not say what to grant", err)
	}
	checkErr(t, "Delete", s.Delete(ctx, "readable"), sinks.ErrPermission, sig, url.QueryEscape(sig))
	if s.String() != writer.String() || strings.Contains(s.String(), sig) {
		t.Errorf("String() = %q", s.String())
	}
}

// TestErrorsNetworkFaults: a refused port, https:// to the plain-HTTP
// Azurite and http:// to a TLS front of it fail every operation with
// ErrUnreachable and the words every cloud sink uses (sinks.ClassifyNet).
func TestErrorsNetworkFaults(t *testing.T) {
	t.Parallel()
	az := testenv.Azurite(t)
	ctr := az.NewContainer(t)
	for _, f := range sinktest.NetFaults(t, az.Endpoint) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			s, err := openWith(t, "azblob://"+ctr+"/p?endpoint="+url.QueryEscape(f.Endpoint), sinks.Options{PartSize: mib}, keyEnv(az))
			if err != nil {
				t.Fatal(err)
			}
			for op, err := range opErrors(t, s, "k") {
				sinktest.CheckNetFault(t, op, err, f, az.Key)
				if !strings.HasPrefix(err.Error(), "azblob ") {
					t.Errorf("%s: %q does not start with the operation", op, err)
				}
			}
		})
	}
}
