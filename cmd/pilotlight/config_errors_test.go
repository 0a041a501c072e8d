package main

import "testing"

// TestConfigErrorsNameKeyAndFix: a value of the wrong type and a tab in the
// indentation are each one line naming the line, the key and the fix.
func TestConfigErrorsNameKeyAndFix(t *testing.T) {
	for doc, want := range map[string]string{
		"replication:\n  stream: orders\n  rpo: 5\n":  `line 3: replication.rpo is "5"; want a duration such as 1s or 500ms`,
		"replication:\n  stream: orders\n\trpo: 5s\n": "line 3: yaml forbids tabs for indentation, and this line is indented with one: indent with spaces",
	} {
		r := pl(t, nil, nil, "config", "check", "--config", writeConfig(t, doc))
		r.want(t, 1, "config check", doc)
		oneLineError(t, r, want)
	}
}
