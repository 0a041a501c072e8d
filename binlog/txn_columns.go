package binlog

import (
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/go-mysql-org/go-mysql/replication"
)

// columnsOf describes the columns of a table map event. Names, ENUM/SET values and
// most charsets are only present when the source logs binlog_row_metadata=FULL.
func columnsOf(t *replication.TableMapEvent) []ColumnMeta {
	n := int(t.ColumnCount)
	cols := make([]ColumnMeta, n)
	names := t.ColumnNameString()
	unsigned := t.UnsignedMap()
	collations := t.CollationMap()
	enumSetCollations := t.EnumSetCollationMap()
	enums, sets := t.EnumStrValueMap(), t.SetStrValueMap()
	for i := range cols {
		c := &cols[i]
		c.Type, c.Meta = t.ColumnType[i], t.ColumnMeta[i]
		if c.Type == mysql.MYSQL_TYPE_STRING {
			if real := byte(c.Meta >> 8); real == mysql.MYSQL_TYPE_ENUM || real == mysql.MYSQL_TYPE_SET {
				c.Type = real
			}
		}
		if i < len(names) {
			c.Name = names[i]
		}
		c.Unsigned = unsigned[i]
		_, c.Nullable = t.Nullable(i)
		if v, ok := collations[i]; ok {
			c.Collation = v
		} else if v, ok := enumSetCollations[i]; ok {
			c.Collation = v
		}
		c.EnumValues, c.SetValues = enums[i], sets[i]
	}
	return cols
}
