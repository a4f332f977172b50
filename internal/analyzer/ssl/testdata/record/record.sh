#!/usr/bin/env bash
# record.sh DIR
#
# Records testdata/nginx-curl.pcap for the SSL analyzer's end-to-end test:
# real TLS between curl and nginx over a veth pair between two network
# namespaces, captured with tcpdump. It first makes a test CA and two
# server certificates with openssl (RSA 2048 and ECDSA P-256; test-only
# keys, committed beside the trace as DIR/certs), then runs:
#
#   - TLS 1.2 and TLS 1.3 to nginx on 443 with the RSA certificate,
#   - TLS 1.2 and TLS 1.3 to nginx on 8443 (not an SSL port: found by
#     signature) with the ECDSA certificate,
#   - TLS 1.2 twice in one curl run with the connection closed in between,
#     so that the second connection resumes the session with a ticket.
#
# Needs root and Debian's iproute2 tcpdump nginx-light curl openssl. Rerun
# it to refresh the trace (timestamps, ports, randoms and keys change; the
# test reads the certificates from DIR/certs, so it follows).
set -euo pipefail
dir=$(realpath -m "${1:?usage: record.sh DIR}")
for tool in ip tcpdump nginx curl openssl; do
  command -v $tool >/dev/null || { echo "record.sh: missing $tool (apt-get install iproute2 tcpdump nginx-light curl openssl)" >&2; exit 2; }
done
mkdir -p "$dir/certs"
certs=$dir/certs
tag=tls$$
srv=${tag}s cli=${tag}c
work=$(mktemp -d); chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for ns in $srv $cli; do
    ip netns pids $ns 2>/dev/null | while read -r p; do kill "$p" 2>/dev/null || true; done
    ip netns del $ns 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Certificates: a CA, an RSA and an ECDSA server certificate.
cd "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -sha256 \
  -subj "/C=US/O=Heron Test/CN=Heron Test CA" -addext "basicConstraints=critical,CA:TRUE,pathlen:0" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/C=US/ST=Test State/O=Heron, Test/CN=rsa.heron.test" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ecdsa.key
openssl req -new -key ecdsa.key -out ecdsa.csr -subj "/C=US/O=Heron Test/OU=Detection/CN=ecdsa.heron.test" 2>/dev/null
for k in rsa ecdsa; do
  printf 'subjectAltName=DNS:%s.heron.test,DNS:*.%s.heron.test,IP:10.89.0.1\nbasicConstraints=CA:FALSE\n' $k $k > $k.ext
  openssl x509 -req -in $k.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $k.pem -days 825 -sha256 -extfile $k.ext 2>/dev/null
  cat $k.pem ca.pem > $k.chain.pem
  rm -f $k.csr $k.ext
done
rm -f ca.srl ca.key
openssl x509 -in rsa.pem -outform DER -out rsa.der
openssl x509 -in ecdsa.pem -outform DER -out ecdsa.der
openssl x509 -in ca.pem -outform DER -out ca.der
cd - >/dev/null

S=10.89.0.1 C=10.89.0.2
ip netns add $srv; ip netns add $cli
ip link add ${tag}a type veth peer name ${tag}b
ip link set ${tag}a netns $srv; ip link set ${tag}b netns $cli
ip -n $srv addr add $S/24 dev ${tag}a; ip -n $cli addr add $C/24 dev ${tag}b
for ns in $srv $cli; do ip -n $ns link set lo up; done
ip -n $srv link set ${tag}a up; ip -n $cli link set ${tag}b up
for pair in "$srv ${tag}a" "$cli ${tag}b"; do
  set -- $pair
  ip netns exec $1 ethtool -K $2 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1 || true
done

mkdir -p "$work/www"; echo "hello over TLS" > "$work/www/index.html"; chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_tickets on;
  ssl_session_cache shared:tls:1m;
  server { listen $S:443 ssl; server_name rsa.heron.test; root $work/www;
           ssl_certificate $certs/rsa.chain.pem; ssl_certificate_key $certs/rsa.key; }
  server { listen $S:8443 ssl; server_name ecdsa.heron.test; root $work/www;
           ssl_certificate $certs/ecdsa.chain.pem; ssl_certificate_key $certs/ecdsa.key; }
}
NGX
ip netns exec $srv nginx -c "$work/nginx.conf"
sleep 1
ip netns exec $cli tcpdump -i ${tag}b -w "$dir/nginx-curl.pcap" -s 0 -U not arp 2>/dev/null &
pids+=($!)
sleep 1

get() { ip netns exec $cli curl -s -o /dev/null --cacert "$certs/ca.pem" "$@"; }
get --tlsv1.2 --tls-max 1.2 --resolve rsa.heron.test:443:$S https://rsa.heron.test/
get --tlsv1.3 --resolve rsa.heron.test:443:$S https://rsa.heron.test/
get --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 --resolve ecdsa.heron.test:8443:$S https://ecdsa.heron.test:8443/
get --tlsv1.3 --resolve ecdsa.heron.test:8443:$S https://ecdsa.heron.test:8443/
get --tlsv1.2 --tls-max 1.2 -H "Connection: close" --resolve rsa.heron.test:443:$S https://rsa.heron.test/ -o /dev/null https://rsa.heron.test/
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
sleep 0.5
rm -f "$certs"/*.key "$certs"/*.chain.pem
