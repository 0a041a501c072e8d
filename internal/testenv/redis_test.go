package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedis(t *testing.T) {
	t.Parallel()
	r := Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING %s: %v", r.Addr, err)
	}
	key := uniqueName(t)
	if err := c.Set(ctx, key, "token-42", time.Minute).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := c.Get(ctx, key).Result(); err != nil || got != "token-42" {
		t.Fatalf("GET: %q, %v", got, err)
	}
	if port := r.Addr[len("127.0.0.1:"):]; port == "6379" {
		t.Fatalf("test Redis uses the standard port: %s", r.Addr)
	}
}
