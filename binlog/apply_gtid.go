package binlog

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// singleGTID parses one transaction's GTID (Begin.GTID) as a set: for MariaDB the
// position domain-server-seq, that is the domain's transactions 1..seq, which a
// checkpoint contains exactly when it has applied this one (positions have no gaps).
func singleGTID(flavor mysqlx.Flavor, gtid string) (mysqlx.GTIDSet, error) {
	g, err := mysqlx.Parse(flavor, gtid)
	if err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("transaction GTID %q: %w", gtid, err)
	}
	return g, nil
}

// addGTID returns applied with the transaction gtid added. MySQL: the exact union.
// MariaDB: the domain's position becomes gtid (the stream delivers a domain's
// transactions in order, so everything before it is applied already).
func addGTID(flavor mysqlx.Flavor, applied mysqlx.GTIDSet, gtid string) (mysqlx.GTIDSet, error) {
	if flavor == mysqlx.MySQL {
		text := gtid
		if !applied.IsEmpty() {
			text = applied.String() + "," + gtid
		}
		g, err := mysqlx.Parse(flavor, text)
		if err != nil {
			return mysqlx.GTIDSet{}, fmt.Errorf("add GTID %s: %w", gtid, err)
		}
		return g, nil
	}
	parts := strings.Split(gtid, "-")
	if len(parts) != 3 {
		return mysqlx.GTIDSet{}, fmt.Errorf("add GTID %q: want domain-server-seq", gtid)
	}
	domain, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("add GTID %q: domain: %w", gtid, err)
	}
	members := []string{gtid}
	for _, r := range applied.Ranges() {
		if r.Domain == uint32(domain) {
			continue
		}
		if r.First != 1 {
			return mysqlx.GTIDSet{}, fmt.Errorf("add GTID %s: checkpoint %s is not a position", gtid, applied)
		}
		members = append(members, fmt.Sprintf("%d-%d-%d", r.Domain, r.ServerID, r.Last))
	}
	g, err := mysqlx.Parse(flavor, strings.Join(members, ","))
	if err != nil {
		return mysqlx.GTIDSet{}, fmt.Errorf("add GTID %s: %w", gtid, err)
	}
	return g, nil
}
