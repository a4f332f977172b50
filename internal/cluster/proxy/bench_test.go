package proxy

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// benchPool starts n proxies serving known_hosts and a worker's pool,
// with every proxy ready and seen live by the worker.
func benchPool(b *testing.B, n int) *Pool {
	c := newCluster(b)
	var names []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("proxy-%d", i)
		names = append(names, name)
		conn := c.connect(name)
		s := NewServer(conn, nil)
		s.Handle("known_hosts", 86400e9, nil)
		if err := s.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(s.Close)
		<-s.Ready()
	}
	wc := c.connect("worker-1")
	deadline := time.Now().Add(10 * time.Second)
	for len(wc.Live("proxy")) != n {
		if time.Now().After(deadline) {
			b.Fatalf("worker sees %v, want %v", wc.Live("proxy"), names)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return NewPool(wc)
}

// BenchmarkPoolAdd measures one check-and-insert round trip through the
// embedded NATS server: of a key the owner knows (the common case once
// the tables are warm), and of a new key, which the owner copies to its
// backup before it answers.
func BenchmarkPoolAdd(b *testing.B) {
	for _, bc := range []struct {
		name    string
		proxies int
		known   bool
	}{{"known", 2, true}, {"new", 2, false}} {
		b.Run(bc.name, func(b *testing.B) {
			pool := benchPool(b, bc.proxies)
			ctx := context.Background()
			req := Request{Table: "known_hosts", Key: "10.0.0.1", TS: 1e9}
			if _, err := pool.Add(ctx, &req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if !bc.known {
					req.Key = fmt.Sprintf("k%d", i)
				}
				if _, err := pool.Add(ctx, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
