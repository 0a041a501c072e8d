package config

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// Redacted returns a copy of c with every secret masked, for printing.
func (c Config) Redacted() Config {
	out := c
	out.Storage.Sinks = make([]string, len(c.Storage.Sinks))
	for i, u := range c.Storage.Sinks {
		out.Storage.Sinks[i] = redact.URL(u)
	}
	out.Replication = c.Replication.redacted()
	out.Snapshot = c.Snapshot.redacted()
	return out
}

// YAML renders c (call Redacted first when printing).
func (c Config) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
