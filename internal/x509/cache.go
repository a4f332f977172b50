package x509

import (
	"sync"

	"github.com/heron-nsm/heron/internal/zeek"
)

// Cache is Zeek's certificate event cache (base/files/x509/
// certificate-event-cache.zeek with x509_set_certificate_cache): a
// certificate seen CachingRequiredEncounters times within
// CachingRequiredEncountersInterval is kept decoded, by the SHA-256 of
// its bytes, and later copies are not decoded again. What is logged does
// not change, with one exception Zeek has too: a cached certificate's
// decoding weirds are not raised again.
//
// It is safe for concurrent use. Entries not used for
// CertificateCacheMinimumEvictionInterval go; the cache holds at most
// CertificateCacheMaxEntries.
type Cache struct {
	mu          sync.Mutex
	required    int
	window      zeek.Interval
	evictAfter  zeek.Interval
	maxEntries  int
	encountered map[[32]byte]encounter
	cached      map[[32]byte]*cacheEntry
	lastSweep   zeek.Time
}

type encounter struct {
	first zeek.Time
	n     int
}

type cacheEntry struct {
	d    *Decoded
	used zeek.Time
}

// Zeek's defaults for the cache options.
const (
	DefaultCachingRequiredEncounters = 10
	DefaultCachingInterval           = 62 * zeek.Second
	DefaultCacheEvictionInterval     = 62 * zeek.Second
	DefaultCacheMaxEntries           = 10000
)

// NewCache returns a cache with Zeek's default options. required 0
// disables caching.
func NewCache(required int) *Cache {
	return &Cache{
		required:    required,
		window:      DefaultCachingInterval,
		evictAfter:  DefaultCacheEvictionInterval,
		maxEntries:  DefaultCacheMaxEntries,
		encountered: map[[32]byte]encounter{},
		cached:      map[[32]byte]*cacheEntry{},
	}
}

// Lookup returns the cached decoding of a certificate (by the SHA-256 of
// its bytes) or nil. The result is shared: do not modify it.
func (c *Cache) Lookup(now zeek.Time, sha [32]byte) *Decoded {
	if c == nil || c.required == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maybeSweep(now)
	e := c.cached[sha]
	if e == nil {
		return nil
	}
	if now.Sub(e.used) >= c.evictAfter {
		delete(c.cached, sha)
		return nil
	}
	e.used = now
	return e.d
}

// Seen counts one more encounter of a certificate that was decoded (d
// nil when it did not decode), and caches d once the certificate has been
// seen often enough (Zeek's file_hash and file_state_remove handlers).
func (c *Cache) Seen(now zeek.Time, sha [32]byte, d *Decoded) {
	if c == nil || c.required == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cached[sha]; ok {
		return
	}
	e, ok := c.encountered[sha]
	if !ok || now.Sub(e.first) >= c.window {
		e = encounter{first: now}
	}
	e.n++
	c.encountered[sha] = e
	if d != nil && e.n >= c.required && len(c.cached) < c.maxEntries {
		delete(c.encountered, sha)
		shared := *d
		shared.Weirds = nil
		c.cached[sha] = &cacheEntry{d: &shared, used: now}
	}
}

// maybeSweep drops stale entries at most every window.
func (c *Cache) maybeSweep(now zeek.Time) {
	if now.Sub(c.lastSweep) < c.window {
		return
	}
	c.lastSweep = now
	for k, e := range c.encountered {
		if now.Sub(e.first) >= c.window {
			delete(c.encountered, k)
		}
	}
	for k, e := range c.cached {
		if now.Sub(e.used) >= c.evictAfter {
			delete(c.cached, k)
		}
	}
}
