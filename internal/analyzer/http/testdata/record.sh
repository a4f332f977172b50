#!/usr/bin/env bash
# record.sh OUTDIR
#
# Records the HTTP test trace of internal/analyzer/http: real curl talking
# to real nginx over a veth pair between two network namespaces, captured
# with tcpdump. nginx listens on port 80 and on 8731, which is not one of
# HTTP's registered ports, so that analysis there relies on detection by
# signature. The traffic:
#
#   - on 8731: a 200 KB binary download (its MD5 and SHA-256 are written
#     to OUTDIR/nginx.sums for the extraction test), a gzip-compressed
#     HTML page (chunked), a HEAD request, a 404, a byte range (206), a
#     file served with a hostile Content-Disposition name, and three
#     requests over one keep-alive connection;
#   - on 80: a small page; on 8080 (a Python server that reads the
#     body): a multipart/form-data upload of two files.
#
# Writes OUTDIR/nginx.pcap. Needs root and Debian's iproute2 ethtool
# tcpdump nginx-light curl python3. The committed files were made with it;
# rerun it to refresh them (timestamps, ports and sequence numbers change,
# the shape does not).
set -euo pipefail
outdir=$(realpath -m "${1:?usage: record.sh OUTDIR}")
mkdir -p "$outdir"
out=$outdir/nginx.pcap
for tool in ip ethtool tcpdump nginx curl python3 md5sum sha256sum; do
  command -v $tool >/dev/null || { echo "record.sh: missing $tool" >&2; exit 2; }
done
tag=ht$$
srv=${tag}s cli=${tag}c
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  for ns in $srv $cli; do
    ip netns pids $ns 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null || true; done
    ip netns del $ns 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

S=10.89.0.1 C=10.89.0.2
ip netns add $srv; ip netns add $cli
ip link add ${tag}a type veth peer name ${tag}b
ip link set ${tag}a netns $srv; ip link set ${tag}b netns $cli
ip -n $srv addr add $S/24 dev ${tag}a; ip -n $cli addr add $C/24 dev ${tag}b
for ns in $srv $cli; do ip -n $ns link set lo up; done
ip -n $srv link set ${tag}a mtu 1500 up; ip -n $cli link set ${tag}b mtu 1500 up
for pair in "$srv ${tag}a" "$cli ${tag}b"; do
  set -- $pair
  ip netns exec $1 ethtool -K $2 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1 || true
done

mkdir -p "$work/www"
python3 - "$work/www" <<'PY'
import sys, random
random.seed(6)
words = 'heron zeek file fuid mime magic extract hash gzip chunk range'.split()
d = sys.argv[1]
with open(f'{d}/index.html', 'w') as f:
    f.write('<!DOCTYPE html><html><head><title>heron</title></head><body>'
            + ' '.join(random.choice(words) for _ in range(3000)) + '</body></html>\n')
with open(f'{d}/small.html', 'w') as f:
    f.write('<html><body>small page</body></html>\n')
with open(f'{d}/notes.txt', 'w') as f:
    f.write('plain text notes\n' * 40)
PY
head -c 200000 /dev/urandom > "$work/www/download.bin"
cp "$work/www/download.bin" "$work/www/evil.bin"
(cd "$work/www" && md5sum download.bin && sha256sum download.bin) > "$outdir/nginx.sums"
printf 'first upload file\n' > "$work/up1.txt"
printf '<html>second upload</html>\n' > "$work/up2.html"
chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  sendfile off;
  keepalive_requests 100;
  default_type application/octet-stream;
  types { text/html html; text/plain txt; }
  gzip on;
  gzip_min_length 100;
  server {
    listen $S:80; listen $S:8731;
    root $work/www;
    location = /evil.bin {
      add_header Content-Disposition 'attachment; filename="../../../../etc/passwd"';
    }
  }
}
NGX
ip netns exec $srv nginx -c "$work/nginx.conf"
# A server that reads request bodies before it answers (nginx answers an
# upload to a static location before the body arrives).
ip netns exec $srv python3 -c '
import http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"stored\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("'$S'", 8080), H).serve_forever()
' &
pids+=($!)
sleep 1

ip netns exec $cli tcpdump -i ${tag}b -w "$out" -s 0 -U not arp 2>/dev/null &
pids+=($!)
sleep 1

base=http://$S:8731
ip netns exec $cli curl -s -o /dev/null $base/download.bin
ip netns exec $cli curl -s -o /dev/null -H 'Accept-Encoding: gzip' $base/index.html
ip netns exec $cli curl -s -o /dev/null -I $base/small.html
ip netns exec $cli curl -s -o /dev/null $base/missing.html
ip netns exec $cli curl -s -o /dev/null -r 100-1099 $base/notes.txt
ip netns exec $cli curl -s -o /dev/null $base/evil.bin
ip netns exec $cli curl -s -o /dev/null -o /dev/null -o /dev/null $base/small.html $base/notes.txt $base/small.html
ip netns exec $cli curl -s -o /dev/null -F "a=@$work/up1.txt" -F "b=@$work/up2.html" http://$S:8080/upload
ip netns exec $cli curl -s -o /dev/null http://$S/small.html
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
sleep 0.5
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes)"
