// Command replprobe measures replication for internal/bench/replicate.sh, the same way for
// MariaDB's native replica and for a pilotlight standby, so that their figures compare:
//
//	replprobe setup -primary ADDR
//	    creates the probe table plbench.probe on the primary (before the replicas are copied)
//	replprobe wait -primary ADDR (-native ADDR | -pilotlight ADDR -stream S -pid PID) -since UNIX_NANOS
//	    reads the primary's @@gtid_binlog_pos once, polls the replica's position until it holds
//	    that position and prints the seconds from -since (taken by the caller just before it
//	    started the applier) until then
//	replprobe lag -primary ADDR -native ADDR -pilotlight ADDR -stream S -pid PID
//	    inserts a row (seq, UTC_TIMESTAMP(6)) into plbench.probe on the primary every -interval
//	    and polls each replica every -poll for the rows it has; lag = time seen - insert time.
//	    On SIGTERM/SIGINT it stops inserting, reads the primary's position and measures each
//	    replica's catch-up time (signal to position reached, at most -catchup-timeout), then
//	    prints a JSON report of lag p50/p99/max and catch-up per replica.
//
// A replica's position is @@gtid_slave_pos on the native replica and the stream's gtid_set in
// pilotlight.checkpoint on the pilotlight standby; it holds the primary's position when every
// domain of the primary's position has reached its sequence number. ADDR is host:port; the
// user is -user (root, no password, on the throwaway servers). A stopped applier (pilotlight's
// -pid gone, or the native SQL thread stopped by an error) fails the command at once.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: replprobe setup|wait|lag [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "setup":
		err = setupCmd(os.Args[2:])
	case "wait":
		err = waitCmd(os.Args[2:])
	case "lag":
		err = lagCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (setup, wait, lag)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "replprobe:", err)
		os.Exit(1)
	}
}

type common struct {
	user, primary, native, pilotlight, stream string
	pid                                       int
}

func (c *common) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.user, "user", "root", "MySQL user (no password) on every server")
	fs.StringVar(&c.primary, "primary", "", "primary host:port")
	fs.StringVar(&c.native, "native", "", "native replica host:port")
	fs.StringVar(&c.pilotlight, "pilotlight", "", "pilotlight standby host:port")
	fs.StringVar(&c.stream, "stream", "bench", "pilotlight stream id")
	fs.IntVar(&c.pid, "pid", 0, "pid of pilotlight replicate: fail at once if it exits")
}

func (c *common) open(addr string) (*sql.DB, error) {
	db, err := sql.Open("mysql", c.user+"@tcp("+addr+")/?parseTime=true&loc=UTC&timeout=5s")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	return db, db.Ping()
}

// replica is one replica under measurement and the query that reads its position.
type replica struct {
	name     string
	db       *sql.DB
	posQuery string
	posArgs  []any
	alive    func(context.Context) error // nil while the applier runs
}

func (c *common) replicas() ([]*replica, error) {
	var out []*replica
	if c.native != "" {
		db, err := c.open(c.native)
		if err != nil {
			return nil, fmt.Errorf("native replica: %w", err)
		}
		out = append(out, &replica{name: "native", db: db, posQuery: "SELECT @@GLOBAL.gtid_slave_pos",
			alive: func(ctx context.Context) error { return sqlThreadError(ctx, db) }})
	}
	if c.pilotlight != "" {
		db, err := c.open(c.pilotlight)
		if err != nil {
			return nil, fmt.Errorf("pilotlight standby: %w", err)
		}
		out = append(out, &replica{name: "pilotlight", db: db,
			posQuery: "SELECT gtid_set FROM pilotlight.checkpoint WHERE stream_id = ?", posArgs: []any{c.stream},
			alive: func(context.Context) error {
				if c.pid > 0 && syscall.Kill(c.pid, 0) != nil {
					return fmt.Errorf("pilotlight replicate (pid %d) has exited", c.pid)
				}
				return nil
			}})
	}
	if len(out) == 0 {
		return nil, errors.New("name a replica: -native or -pilotlight")
	}
	return out, nil
}

// sqlThreadError is the native replica's last SQL thread error once that thread has stopped
// with one (a replica that does not apply would otherwise look merely slow).
func sqlThreadError(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || !rows.Next() {
		return err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	st := map[string]string{}
	for i, c := range cols {
		st[c] = vals[i].String
	}
	if st["Last_SQL_Errno"] != "" && st["Last_SQL_Errno"] != "0" {
		return fmt.Errorf("native replica SQL thread stopped: %s %s", st["Last_SQL_Errno"], st["Last_SQL_Error"])
	}
	return nil
}

// position reads the replica's GTID position; a missing checkpoint row is an empty position.
func (r *replica) position(ctx context.Context) (string, error) {
	var pos string
	err := r.db.QueryRowContext(ctx, r.posQuery, r.posArgs...).Scan(&pos)
	var me *mysql.MySQLError
	if errors.Is(err, sql.ErrNoRows) || (errors.As(err, &me) && me.Number == 1146) {
		return "", nil // no checkpoint yet (pilotlight creates its table when it starts)
	}
	return pos, err
}

// mariaPos parses a MariaDB GTID position "0-1-100,1-2-7" into domain -> sequence number.
func mariaPos(s string) (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("GTID %q: want domain-server-sequence", part)
		}
		d, err1 := strconv.ParseUint(f[0], 10, 32)
		n, err2 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("GTID %q: not numbers", part)
		}
		if n > out[d] {
			out[d] = n
		}
	}
	return out, nil
}

// behind counts the transactions of target that have is missing (0: target reached).
func behind(target, has map[uint64]uint64) uint64 {
	var n uint64
	for d, seq := range target {
		if has[d] < seq {
			n += seq - has[d]
		}
	}
	return n
}

func primaryPos(ctx context.Context, db *sql.DB) (map[uint64]uint64, error) {
	var s string
	if err := db.QueryRowContext(ctx, "SELECT @@GLOBAL.gtid_binlog_pos").Scan(&s); err != nil {
		return nil, fmt.Errorf("primary position: %w", err)
	}
	return mariaPos(s)
}

// waitFor polls r every poll until it holds target or the deadline passes; it returns the
// time it was seen there and the transactions still missing (0 when reached).
func waitFor(ctx context.Context, r *replica, target map[uint64]uint64, poll time.Duration, deadline time.Time) (time.Time, uint64, error) {
	var missing uint64
	for {
		s, err := r.position(ctx)
		if err != nil {
			return time.Time{}, 0, fmt.Errorf("%s position: %w", r.name, err)
		}
		has, err := mariaPos(s)
		if err != nil {
			return time.Time{}, 0, fmt.Errorf("%s position: %w", r.name, err)
		}
		now := time.Now()
		if missing = behind(target, has); missing == 0 {
			return now, 0, nil
		}
		if r.alive != nil {
			if err := r.alive(ctx); err != nil {
				return now, missing, err
			}
		}
		if now.After(deadline) {
			return now, missing, nil
		}
		select {
		case <-ctx.Done():
			return now, missing, ctx.Err()
		case <-time.After(poll):
		}
	}
}

func setupCmd(args []string) error {
	var c common
	fs := flag.NewFlagSet("setup", flag.ExitOnError)
	c.flags(fs)
	_ = fs.Parse(args)
	db, err := c.open(c.primary)
	if err != nil {
		return fmt.Errorf("primary: %w", err)
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS plbench",
		"CREATE TABLE IF NOT EXISTS plbench.probe (seq BIGINT PRIMARY KEY, ts DATETIME(6) NOT NULL) ENGINE=InnoDB",
	} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	return nil
}

func waitCmd(args []string) error {
	var c common
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	c.flags(fs)
	since := fs.Int64("since", 0, "start time, Unix nanoseconds (default: now)")
	poll := fs.Duration("poll", 10*time.Millisecond, "position poll interval")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	_ = fs.Parse(args)
	start := time.Now()
	if *since > 0 {
		start = time.Unix(0, *since)
	}
	pdb, err := c.open(c.primary)
	if err != nil {
		return fmt.Errorf("primary: %w", err)
	}
	defer pdb.Close()
	reps, err := c.replicas()
	if err != nil {
		return err
	}
	if len(reps) != 1 {
		return errors.New("wait measures one replica: give -native or -pilotlight, not both")
	}
	ctx := context.Background()
	target, err := primaryPos(ctx, pdb)
	if err != nil {
		return err
	}
	at, missing, err := waitFor(ctx, reps[0], target, *poll, start.Add(*timeout))
	if err != nil {
		return err
	}
	if missing > 0 {
		return fmt.Errorf("%s still misses %d transactions after %s", reps[0].name, missing, *timeout)
	}
	_, err = fmt.Printf("%.3f\n", at.Sub(start).Seconds())
	return err
}

// lagReport is one replica's part of the lag command's output.
type lagReport struct {
	Samples  int     `json:"samples"` // probe rows seen on the replica
	Missing  int     `json:"missing"` // probe rows not seen by the end (counted at their lower bound)
	P50      float64 `json:"p50_seconds"`
	P99      float64 `json:"p99_seconds"`
	Max      float64 `json:"max_seconds"`
	Mean     float64 `json:"mean_seconds"`
	AtLeast  bool    `json:"lower_bound"` // some rows never appeared: the figures are lower bounds
	CaughtUp bool    `json:"caught_up"`
	CatchUp  float64 `json:"catchup_seconds"`     // signal to position reached (or to giving up)
	Behind   uint64  `json:"behind_transactions"` // missing transactions when it gave up
}

func lagCmd(args []string) error {
	var c common
	fs := flag.NewFlagSet("lag", flag.ExitOnError)
	c.flags(fs)
	interval := fs.Duration("interval", 100*time.Millisecond, "probe insert interval")
	poll := fs.Duration("poll", 10*time.Millisecond, "replica poll interval")
	catchup := fs.Duration("catchup-timeout", 2*time.Minute, "longest wait for a replica to catch up")
	_ = fs.Parse(args)

	pdb, err := c.open(c.primary)
	if err != nil {
		return fmt.Errorf("primary: %w", err)
	}
	defer pdb.Close()
	reps, err := c.replicas()
	if err != nil {
		return err
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)

	// Inserter: one probe row per interval, until the signal.
	var mu sync.Mutex
	inserted := map[int64]time.Time{} // seq -> ts as written (UTC_TIMESTAMP(6) read back)
	insCtx, stopInserts := context.WithCancel(context.Background())
	defer stopInserts()
	insDone := make(chan error, 1)
	go func() {
		tick := time.NewTicker(*interval)
		defer tick.Stop()
		for seq := int64(1); ; seq++ {
			var ts time.Time
			// The row's timestamp is the primary's clock at the INSERT; the replicas are on the
			// same machine, so "seen" times compare with it directly.
			if _, err := pdb.ExecContext(insCtx, "INSERT INTO plbench.probe (seq, ts) VALUES (?, UTC_TIMESTAMP(6))", seq); err != nil {
				if insCtx.Err() != nil {
					insDone <- nil
				} else {
					insDone <- fmt.Errorf("probe insert: %w", err)
				}
				return
			}
			if err := pdb.QueryRowContext(insCtx, "SELECT ts FROM plbench.probe WHERE seq = ?", seq).Scan(&ts); err == nil {
				mu.Lock()
				inserted[seq] = ts
				mu.Unlock()
			}
			select {
			case <-insCtx.Done():
				insDone <- nil
				return
			case <-tick.C:
			}
		}
	}()

	// Pollers: each replica's probe rows as they appear.
	type seen struct {
		mu  sync.Mutex
		lag map[int64]time.Duration
	}
	seenBy := make([]*seen, len(reps))
	pollCtx, stopPolls := context.WithCancel(context.Background())
	defer stopPolls()
	var pollers sync.WaitGroup
	pollErr := make(chan error, len(reps))
	for i, r := range reps {
		s := &seen{lag: map[int64]time.Duration{}}
		seenBy[i] = s
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			next := int64(1) // lowest seq not seen yet
			for pollCtx.Err() == nil {
				rows, err := r.db.QueryContext(pollCtx, "SELECT seq, ts FROM plbench.probe WHERE seq >= ?", next)
				if err == nil {
					for rows.Next() {
						var seq int64
						var ts time.Time
						if rows.Scan(&seq, &ts) != nil {
							continue
						}
						now := time.Now()
						s.mu.Lock()
						if _, ok := s.lag[seq]; !ok {
							s.lag[seq] = now.Sub(ts)
						}
						for {
							if _, ok := s.lag[next]; !ok {
								break
							}
							next++
						}
						s.mu.Unlock()
					}
					err = rows.Close()
				}
				if err != nil && pollCtx.Err() == nil {
					pollErr <- fmt.Errorf("%s probe poll: %w", r.name, err)
					return
				}
				select {
				case <-pollCtx.Done():
				case <-time.After(*poll):
				}
			}
		}()
	}

	var end time.Time
	select {
	case <-sigs:
		end = time.Now()
		go func() { // a second signal is an abort: the caller is tearing down
			<-sigs
			os.Exit(1)
		}()
	case err := <-insDone:
		return fmt.Errorf("probe stopped: %v", err)
	case err := <-pollErr:
		return err
	}
	stopInserts()
	if err := <-insDone; err != nil {
		return err
	}
	ctx := context.Background()
	target, err := primaryPos(ctx, pdb)
	if err != nil {
		return err
	}
	reports := make([]lagReport, len(reps))
	var wg sync.WaitGroup
	errs := make([]error, len(reps))
	for i, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, missing, err := waitFor(ctx, r, target, *poll, end.Add(*catchup))
			errs[i] = err
			reports[i].CaughtUp = missing == 0
			reports[i].CatchUp = at.Sub(end).Seconds()
			reports[i].Behind = missing
		}()
	}
	wg.Wait()
	time.Sleep(3 * *poll) // one more probe poll after the positions were reached
	stopPolls()
	pollers.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	giveUp := time.Now()
	out := map[string]any{"probes": len(inserted), "interval_seconds": interval.Seconds(),
		"poll_seconds": poll.Seconds(), "catchup_timeout_seconds": catchup.Seconds()}
	for i, r := range reps {
		var lags []float64
		rep := &reports[i]
		seenBy[i].mu.Lock()
		for seq, ts := range inserted {
			if d, ok := seenBy[i].lag[seq]; ok {
				lags = append(lags, d.Seconds())
			} else {
				rep.Missing++
				lags = append(lags, giveUp.Sub(ts).Seconds())
			}
		}
		seenBy[i].mu.Unlock()
		rep.Samples = len(lags) - rep.Missing
		rep.AtLeast = rep.Missing > 0
		sort.Float64s(lags)
		rep.P50, rep.P99 = percentile(lags, 0.50), percentile(lags, 0.99)
		if len(lags) > 0 {
			rep.Max = lags[len(lags)-1]
			var sum float64
			for _, l := range lags {
				sum += l
			}
			rep.Mean = sum / float64(len(lags))
		}
		out[r.name] = rep
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// percentile is the nearest-rank percentile of sorted values (0 when there are none).
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}
