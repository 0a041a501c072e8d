package binlog

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/pilotlight-dr/pilotlight/internal/mysqlx"
)

// The status variables below were read from a MariaDB 10.11 binlog, each with the
// SET statements mariadb-binlog printed for it.
func TestDecodeSessionContext(t *testing.T) {
	for _, c := range []struct {
		name, vars string
		want       []string // assignments that must be in the SET, name = value
		absent     []string
	}{
		{"defaults", "0000000001010000205400000000060373746404210021000800",
			[]string{"foreign_key_checks = 1", "unique_checks = 1", "sql_auto_is_null = 0", "check_constraint_checks = 1",
				"explicit_defaults_for_timestamp = 1", "sql_mode = 1411383296", "character_set_client = 33",
				"collation_connection = 33", "collation_server = 8", "collation_database = DEFAULT", "timestamp = 1796685326"},
			[]string{"time_zone", "sql_if_exists", "lc_time_names", "auto_increment"}},
		{"foreign_key_checks=0", "0000000005010000205400000000060373746404210021000800812300000000000000",
			[]string{"foreign_key_checks = 0", "unique_checks = 1"}, nil},
		{"unique_checks=0", "0000000009010000205400000000060373746404210021000800812600000000000000",
			[]string{"unique_checks = 0", "foreign_key_checks = 1"}, nil},
		{"sql_auto_is_null=1", "0000400001010000205400000000060373746404210021000800812900000000000000",
			[]string{"sql_auto_is_null = 1"}, nil},
		{"check_constraint_checks=0", "0000800001010000205400000000060373746404210021000800812c00000000000000",
			[]string{"check_constraint_checks = 0"}, nil},
		{"explicit_defaults_for_timestamp=0", "0000000000010000205400000000060373746404210021000800812f00000000000000",
			[]string{"explicit_defaults_for_timestamp = 0"}, nil},
		{"sql_if_exists=1", "0000000011010000205400000000060373746404210021000800813200000000000000",
			[]string{"sql_if_exists = 1"}, nil},
		{"insert_history", "0000000041010000205400000000060373746404210021000800815500000000000000",
			[]string{"system_versioning_insert_history = 1"}, nil},
		{"time_zone", "000000000101000020540000000006037374640421002100080005062b30353a3030813800000000000000",
			[]string{"time_zone = '+05:00'"}, nil},
		{"lc_time_names", "0000000001010000205400000000060373746404210021000800070400813b00000000000000",
			[]string{"lc_time_names = 4"}, nil},
		{"auto_increment", "00000000010100002054000000000603737464030500030004210021000800813e00000000000000",
			[]string{"auto_increment_increment = 5", "auto_increment_offset = 3"}, nil},
		{"latin1", "0000000001010000205400000000060373746404080008000800814100000000000000",
			[]string{"character_set_client = 8", "collation_connection = 8"}, nil},
		{"collation_database", "00000000010100002054000000000603737464042d002d000800082e00814700000000000000",
			[]string{"collation_database = 46"}, nil},
		{"sql_mode 64-bit", "00000000010104000080050000000603737464042d002d000800082e00814900000000000000",
			[]string{"sql_mode = 23622320132"}, nil},
		{"microseconds", "00000000010100002054000000000603737464042100210008008040e201815800000000000000",
			[]string{"timestamp = 1796685326.123456"}, nil},
	} {
		b, err := hex.DecodeString(c.vars)
		if err != nil {
			t.Fatal(err)
		}
		sc := decodeSessionContext(b, 1796685326)
		if sc.Truncated {
			t.Errorf("%s: truncated", c.name)
		}
		set, restore := sc.contextSQL(mysqlx.MariaDB, func(uint16) string { return "" })
		for _, w := range c.want {
			if !strings.Contains(set, "@@session."+w) {
				t.Errorf("%s: %q lacks %q", c.name, set, w)
			}
		}
		for _, a := range c.absent {
			if strings.Contains(set, a) {
				t.Errorf("%s: %q sets %s", c.name, set, a)
			}
		}
		if !strings.Contains(restore, "@@session.timestamp = DEFAULT") || !strings.Contains(restore, applySessionMariaDB) {
			t.Errorf("%s: restore %q does not return to the applier's session", c.name, restore)
		}
	}
	// An unknown code stops the decoder without inventing anything after it.
	sc := decodeSessionContext([]byte{0x01, 0, 0, 0, 0x20, 0, 0, 0, 0, 0xfe, 1, 2, 3}, 0)
	if !sc.Truncated || sc.SQLMode != 0x20000000 {
		t.Errorf("unknown code: %+v", sc)
	}
	if got := decodeSessionContext([]byte{0x05, 9, 'a'}, 7); !got.Truncated || got.TimeZone != "" ||
		!got.Time.Equal(time.Unix(7, 0)) {
		t.Errorf("short time zone: %+v", got)
	}
	if set, _ := decodeSessionContext(mustHex(t, "00000000010100002054000000000603737464042100210008000800"), 1).
		contextSQL(mysqlx.MariaDB, func(id uint16) string { return map[uint16]string{33: "utf8mb3"}[id] }); !strings.Contains(set,
		"@@session.character_set_client = 'utf8mb3', @@session.collation_connection = 33") {
		t.Errorf("character_set_client is named by its character set: %s", set)
	}
	inv, _ := hex.DecodeString("0b04726f6f74093132372e302e302e31")
	if got := decodeSessionContext(inv, 0); got.InvokerUser != "root" || got.InvokerHost != "127.0.0.1" {
		t.Errorf("invoker: %+v", got)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
