package http

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// heapLimit is how much the analyzer and its files may hold while a huge
// message streams through.
const heapLimit = 32 << 20

func heapNow() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestHugeBodyMemory streams a 10 GB response body (HERON_HUGE_BODY sets
// another size in bytes) through the analyzer and the files framework
// and checks that the heap stays bounded.
func TestHugeBodyMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: streams 10 GB")
	}
	size := int64(10 << 30)
	if s := os.Getenv("HERON_HUGE_BODY"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		size = n
	}
	// Without hashing, which costs time, not memory.
	h := newTestHostWith(false)
	r := &rig{Analyzer: newHTTP(h), h: h}
	r.DeliverStream([]byte("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"), true)
	r.DeliverStream([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "+strconv.FormatInt(size, 10)+"\r\n\r\n"), false)
	chunk := []byte(strings.Repeat("0123456789abcdef", 4096)) // 64 KiB
	base := heapNow()
	var peak uint64
	for sent := int64(0); sent < size; {
		n := min(int64(len(chunk)), size-sent)
		r.DeliverStream(chunk[:n], false)
		sent += n
		if sent%(1<<30) < int64(len(chunk)) {
			if h := heapNow(); h > peak {
				peak = h
			}
		}
	}
	if h := heapNow(); h > peak {
		peak = h
	}
	r.Done()
	if peak > base+heapLimit {
		t.Errorf("heap grew from %d to %d bytes while streaming %d bytes", base, peak, size)
	}
	if len(r.h.logs) != 1 || r.h.logs[0].ResponseBodyLen != uint64(size) {
		t.Fatalf("records %+v", r.h.logs)
	}
	if len(r.h.FileLogs) != 1 || r.h.FileLogs[0].SeenBytes != uint64(size) {
		t.Fatalf("file records %+v", r.h.FileLogs)
	}
	t.Logf("streamed %d bytes; heap %d -> peak %d", size, base, peak)
}

// TestManyHeadersMemory sends a request with a million header fields and
// checks that the heap stays bounded.
func TestManyHeadersMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a million headers")
	}
	r := newRig()
	r.DeliverStream([]byte("GET /h HTTP/1.1\r\nHost: h\r\n"), true)
	var b strings.Builder
	for i := 0; i < 1000; i++ {
		b.WriteString("X-Header-" + strconv.Itoa(i) + ": some value of a header field\r\n")
	}
	block := []byte(b.String())
	base := heapNow()
	var peak uint64
	for i := 0; i < 1000; i++ {
		r.DeliverStream(block, true)
		if i%100 == 99 {
			peak = max(peak, heapNow())
		}
	}
	r.DeliverStream([]byte("\r\n"), true)
	r.DeliverStream([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false)
	peak = max(peak, heapNow())
	r.Done()
	if peak > base+heapLimit {
		t.Errorf("heap grew from %d to %d bytes over a million headers", base, peak)
	}
	if len(r.h.logs) != 1 || r.h.logs[0].StatusCode.V != 200 {
		t.Fatalf("records %+v", r.h.logs)
	}
	t.Logf("heap %d -> peak %d", base, peak)
}

// TestFoldedHeaderMemory: one header folded over a million lines is cut
// at MIME::max_header_bytes.
func TestFoldedHeaderMemory(t *testing.T) {
	r := newRig()
	r.DeliverStream([]byte("GET /h HTTP/1.1\r\nX-Fold: start\r\n"), true)
	block := []byte(strings.Repeat(" more folded text\r\n", 1000))
	base := heapNow()
	for i := 0; i < 1000; i++ {
		r.DeliverStream(block, true)
	}
	peak := heapNow()
	r.DeliverStream([]byte("\r\n"), true)
	r.Done()
	if peak > base+heapLimit {
		t.Errorf("heap grew from %d to %d bytes", base, peak)
	}
	if !strings.Contains(strings.Join(r.h.Weirds, ","), "exceeded_mime_max_header_bytes") {
		t.Errorf("weirds %v", r.h.Weirds)
	}
}

// TestPipelineFloodMemory sends a million pipelined requests, with proxy
// headers, that get no reply: pending state stays bounded
// (HTTP::max_pending_requests and Heron's bounds).
func TestPipelineFloodMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: a million requests")
	}
	h := newTestHostWith(false)
	r := &rig{Analyzer: newHTTP(h), h: h}
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("GET /r" + strconv.Itoa(i) + " HTTP/1.1\r\nHost: h\r\nVia: proxy-" + strconv.Itoa(i) + "\r\n\r\n")
	}
	block := []byte(b.String())
	base := heapNow()
	var peak uint64
	for i := 0; i < 10000; i++ {
		r.DeliverStream(block, true)
		// The records written go to the log stream in a node; here they
		// are dropped.
		clear(h.logs)
		h.logs = h.logs[:0]
		h.Weirds = h.Weirds[:0]
		if i%1000 == 999 {
			peak = max(peak, heapNow())
		}
	}
	r.Done()
	if peak > base+heapLimit {
		t.Errorf("heap grew from %d to %d bytes over a million pipelined requests", base, peak)
	}
	t.Logf("heap %d -> peak %d", base, peak)
}
