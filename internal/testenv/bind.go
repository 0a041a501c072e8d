package testenv

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// DNSServer is a BIND 9 server authoritative for Zone that accepts RFC 2136 updates signed
// with the TSIG key. Names are fully qualified, in the forms github.com/miekg/dns uses:
// Zone "example.test.", KeyName "drkey.", KeyAlgorithm dns.HmacSHA256 ("hmac-sha256.");
// KeySecret is base64.
type DNSServer struct {
	Addr         string `json:"addr"` // 127.0.0.1:PORT, UDP and TCP
	Zone         string `json:"zone"`
	KeyName      string `json:"key_name"`
	KeyAlgorithm string `json:"key_algorithm"`
	KeySecret    string `json:"key_secret"`
}

// BIND returns the test binary's BIND 9 server, starting it on first use.
func BIND(t testing.TB) *DNSServer {
	t.Helper()
	return server(t, KindBIND).DNS
}

// check asks for the zone's SOA record.
func (d *DNSServer) check(ctx context.Context) error {
	q := new(dns.Msg)
	q.SetQuestion(d.Zone, dns.TypeSOA)
	in, _, err := new(dns.Client).ExchangeContext(ctx, q, d.Addr)
	if err != nil {
		return fmt.Errorf("SOA %s @%s: %w", d.Zone, d.Addr, err)
	}
	if in.Rcode != dns.RcodeSuccess || len(in.Answer) == 0 {
		return fmt.Errorf("SOA %s @%s: rcode %s, %d answers", d.Zone, d.Addr, dns.RcodeToString[in.Rcode], len(in.Answer))
	}
	return nil
}

func startBIND(ctx context.Context, dir string, detached bool) (*record, error) {
	bin, err := findBinary("named")
	if err != nil {
		return nil, err
	}
	port, err := freePort(true)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	d := &DNSServer{Addr: "127.0.0.1:" + strconv.Itoa(port), Zone: "example.test.", KeyName: "drkey.",
		KeyAlgorithm: dns.HmacSHA256, KeySecret: base64.StdEncoding.EncodeToString(secret)}
	conf, err := writeBINDConfig(dir, port, d)
	if err != nil {
		return nil, err
	}
	// -g: foreground, log to stderr (our log file); -u root as RIG.md; no daemonizing.
	p, err := launch(dir, detached, nil, bin, "-g", "-c", conf, "-u", "root", "-p", strconv.Itoa(port))
	if err != nil {
		return nil, err
	}
	return ready(ctx, KindBIND, &record{DNS: d}, p)
}

// writeBINDConfig writes named.conf and the zone file and returns named.conf's path.
func writeBINDConfig(dir string, port int, d *DNSServer) (string, error) {
	zone := strings.TrimSuffix(d.Zone, ".")
	key := strings.TrimSuffix(d.KeyName, ".")
	zoneFile := filepath.Join(dir, zone+".db")
	conf := fmt.Sprintf(`key "%[1]s" { algorithm %[2]s; secret "%[3]s"; };
controls { };
options {
	directory "%[4]s";
	listen-on port %[5]d { 127.0.0.1; };
	listen-on-v6 { none; };
	pid-file "%[4]s/named.pid";
	session-keyfile "%[4]s/session.key";
	managed-keys-directory "%[4]s";
	recursion no;
	dnssec-validation no;
	notify no;
};
zone "%[6]s" { type master; file "%[7]s"; allow-update { key "%[1]s"; }; };
`, key, strings.TrimSuffix(d.KeyAlgorithm, "."), d.KeySecret, dir, port, zone, zoneFile)
	zoneData := fmt.Sprintf(`$TTL 300
@	IN SOA	ns1.%[1]s hostmaster.%[1]s ( 1 3600 600 86400 300 )
@	IN NS	ns1.%[1]s
ns1	IN A	127.0.0.1
`, d.Zone)
	confPath := filepath.Join(dir, "named.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return "", fmt.Errorf("write named.conf: %w", err)
	}
	if err := os.WriteFile(zoneFile, []byte(zoneData), 0o644); err != nil {
		return "", fmt.Errorf("write zone file: %w", err)
	}
	return confPath, nil
}
