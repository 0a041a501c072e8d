package s3

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotlight-dr/pilotlight/sinks"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	good := []struct {
		raw  string
		want location
	}{
		{"s3://my-bucket", location{bucket: "my-bucket"}},
		{"s3://my-bucket/", location{bucket: "my-bucket"}},
		{"s3://my.bucket.2/a/b/?region=eu-west-1", location{bucket: "my.bucket.2", prefix: "a/b", region: "eu-west-1"}},
		{"S3://bkt/p?endpoint=http://127.0.0.1:9000&path_style=true", location{bucket: "bkt", prefix: "p", endpoint: "http://127.0.0.1:9000", pathStyle: true}},
		{"s3://Legacy_Bucket/p?path_style=1&endpoint=https://s3.example.com", location{bucket: "Legacy_Bucket", prefix: "p", endpoint: "https://s3.example.com", pathStyle: true}},
	}
	for _, tc := range good {
		u, _ := url.Parse(tc.raw)
		got, err := parseURL(u)
		if err != nil {
			t.Errorf("parseURL(%q): %v", tc.raw, err)
			continue
		}
		got.display = ""
		if got != tc.want {
			t.Errorf("parseURL(%q) = %+v, want %+v", tc.raw, got, tc.want)
		}
	}
	bad := []struct{ raw, mention string }{
		{"s3://bkt/p?regoin=us-east-1", `unknown parameter "regoin"`},
		{"s3://bkt/p?region=", "empty region"},
		{"s3://bkt/p?path_style=maybe", "path_style"},
		{"s3://bkt/p?endpoint=ftp://host", "endpoint"},
		{"s3://bkt/p?endpoint=127.0.0.1:9000", "endpoint"},
		{"s3://AKIA:hunter2secret@bkt/p", "credentials in the URL"},
		{"s3://bkt:9000/p", "no port"},
		{"s3:///p", "missing bucket"},
		{"s3:bkt/p", "two slashes"},
		{"s3://b/p", "3 to 63"},
		{"s3://my_bucket/p", "not allowed"},
		{"s3://My-Bucket/p", "path_style=true"},
		{"s3://my..bucket/p", "'..'"},
		{"s3://192.168.1.1/p", "IP address"},
		{"s3://-bucket/p", "start and end"},
		{"s3://bkt/a//b", "prefix"},
		{"s3://bkt/a/../b", "prefix"},
		{"s3://bkt/x/.pilotlight-tmp/y", "reserves"},
		{"s3://bkt/p#frag", "fragment"},
	}
	for _, tc := range bad {
		u, err := url.Parse(tc.raw)
		if err != nil {
			t.Fatalf("url.Parse(%q): %v", tc.raw, err)
		}
		_, err = parseURL(u)
		if !errors.Is(err, sinks.ErrBadURL) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("parseURL(%q) = %v, want ErrBadURL mentioning %q", tc.raw, err, tc.mention)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("parseURL(%q) error shows the password: %v", tc.raw, err)
		}
	}
}

// TestOpenBadURL goes through the public Opener, as the registry does.
func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"s3://bkt/p?regoin=x", "s3://bkt/p?path_styel=true", "s3://B/p"} {
		u, _ := url.Parse(raw)
		s, err := Open(context.Background(), u, sinks.Options{})
		if !errors.Is(err, sinks.ErrBadURL) {
			t.Errorf("Open(%q) = %v, %v; want ErrBadURL", raw, s, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("Open(%q) error spans lines: %q", raw, err)
		}
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	raw := "s3://bkt/pre/fix?endpoint=http://127.0.0.1:9000&path_style=true&region=us-east-1"
	s, err := openTest(t, raw, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", sinks.Options{}, testConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.String(); !strings.HasPrefix(got, "s3://bkt/pre/fix?") || !strings.Contains(got, "region=us-east-1") {
		t.Errorf("String() = %q", got)
	}
	if strings.Contains(s.String(), "wJalr") {
		t.Errorf("String() shows the secret: %q", s.String())
	}
}

func TestReservedKeys(t *testing.T) {
	t.Parallel()
	for key, reserved := range map[string]bool{
		".pilotlight-tmp": true, ".pilotlight-tmp/x": true, "a/.pilotlight-tmp/x": true, "a/.pilotlight-tmp": true,
		".pilotlight-tmpx": false, "a/b.pilotlight-tmp": false, "x.pilotlight-tmp/y": false,
	} {
		if got := isReserved(key); got != reserved {
			t.Errorf("isReserved(%q) = %v, want %v", key, got, reserved)
		}
		if err := checkKey(key); reserved && !errors.Is(err, sinks.ErrBadURL) {
			t.Errorf("checkKey(%q) = %v, want ErrBadURL", key, err)
		}
	}
}

func TestPartition(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov"} {
		if got := partition(region); got != want {
			t.Errorf("partition(%q) = %q, want %q", region, got, want)
		}
	}
}
