# failures.awk: from a `go test -v` log, the lines each failing test logged, grouped by
# test, so that a failure is readable even when hundreds of passing tests logged too.
# go test -v interleaves parallel tests' output under "=== RUN/CONT/NAME <test>" headers;
# this follows those headers and keeps each test's lines until its verdict.
/^=== (RUN|CONT|NAME|PAUSE) / { cur = $3; next }
/^[[:space:]]*--- FAIL: / { failed[$3] = 1; next }
/^(ok|FAIL|PASS$)/ { cur = ""; next }
/^[[:space:]]*--- (PASS|SKIP): / { next }
cur != "" { buf[cur] = buf[cur] $0 "\n" }
END {
	for (t in failed) {
		printf "=== %s\n%s", t, buf[t]
	}
}
