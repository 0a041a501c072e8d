package sinks

import (
	"fmt"
	"strings"
)

// ValidateKey rejects keys that would escape the sink's prefix or that object
// stores treat differently from each other.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty object key", ErrBadURL)
	}
	if strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("%w: object key %q must not start or end with '/'", ErrBadURL, key)
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "", ".", "..":
			return fmt.Errorf("%w: object key %q has an empty, '.' or '..' segment", ErrBadURL, key)
		}
	}
	if strings.ContainsAny(key, "\x00\r\n") {
		return fmt.Errorf("%w: object key %q contains a control character", ErrBadURL, key)
	}
	return nil
}

// JoinPrefix joins a sink's URL prefix (may be "", with or without a trailing
// slash) and a key into the backend's full object name.
func JoinPrefix(prefix, key string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return key
	}
	return prefix + "/" + key
}
