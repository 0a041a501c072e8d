package main

import (
	"io"
	"log/slog"

	"github.com/pilotlight-dr/pilotlight/internal/config"
	"github.com/pilotlight-dr/pilotlight/internal/redact"
)

// newLogger builds the process logger. Every string and error attribute is
// scrubbed of known secret values, whatever a library put in it.
func newLogger(w io.Writer, c config.Log, secrets []string) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Value.Kind() {
			case slog.KindString:
				a.Value = slog.StringValue(redact.String(a.Value.String(), secrets...))
			case slog.KindAny:
				if err, ok := a.Value.Any().(error); ok {
					a.Value = slog.StringValue(redact.String(err.Error(), secrets...))
				}
			}
			return a
		},
	}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
