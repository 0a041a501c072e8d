// Package binlog is pilotlight's replication: streaming the primary's
// binlog, assembling transactions, applying them exactly once to the
// standby, and the checkpoint that makes that exact: the standby's executed
// GTID set, written in the same standby transaction as the rows it covers.
package binlog
