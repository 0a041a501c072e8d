package testenv

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestBIND(t *testing.T) {
	t.Parallel()
	d := BIND(t)
	if d.Zone != "example.test." || d.KeyAlgorithm != dns.HmacSHA256 || d.KeySecret == "" {
		t.Fatalf("unexpected server description %+v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.check(ctx); err != nil {
		t.Fatal(err)
	}

	name := uniqueName(t) + "." + d.Zone
	rr, err := dns.NewRR(name + " 60 IN A 192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	// Unsigned and wrongly signed updates are refused.
	if rcode := dnsUpdate(ctx, t, d, rr, ""); rcode == dns.RcodeSuccess {
		t.Fatal("unsigned update accepted")
	}
	if rcode := dnsUpdate(ctx, t, d, rr, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="); rcode == dns.RcodeSuccess {
		t.Fatal("update with a wrong key accepted")
	}
	if got := lookupA(ctx, t, d, name); len(got) != 0 {
		t.Fatalf("refused update is visible: %v", got)
	}
	if rcode := dnsUpdate(ctx, t, d, rr, d.KeySecret); rcode != dns.RcodeSuccess {
		t.Fatalf("signed update: rcode %s", dns.RcodeToString[rcode])
	}
	if got := lookupA(ctx, t, d, name); len(got) != 1 || !got[0].Equal(net.ParseIP("192.0.2.10")) {
		t.Fatalf("after update, %s A = %v; want 192.0.2.10", name, got)
	}
}

// dnsUpdate sends an RFC 2136 insert of rr, TSIG-signed with secret unless it is empty.
func dnsUpdate(ctx context.Context, t *testing.T, d *DNSServer, rr dns.RR, secret string) int {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate(d.Zone)
	m.Insert([]dns.RR{rr})
	c := new(dns.Client)
	c.Net = "tcp"
	if secret != "" {
		m.SetTsig(d.KeyName, d.KeyAlgorithm, 300, time.Now().Unix())
		c.TsigSecret = map[string]string{d.KeyName: secret}
	}
	in, _, err := c.ExchangeContext(ctx, m, d.Addr)
	if err != nil && in == nil {
		if secret != "" && secret != d.KeySecret {
			return -1 // a bad key may also fail TSIG verification of the answer
		}
		t.Fatalf("update: %v", err)
	}
	return in.Rcode
}

func lookupA(ctx context.Context, t *testing.T, d *DNSServer, name string) []net.IP {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, dns.TypeA)
	in, _, err := new(dns.Client).ExchangeContext(ctx, q, d.Addr)
	if err != nil {
		t.Fatalf("query %s: %v", name, err)
	}
	var ips []net.IP
	for _, rr := range in.Answer {
		if a, ok := rr.(*dns.A); ok {
			ips = append(ips, a.A)
		}
	}
	return ips
}
