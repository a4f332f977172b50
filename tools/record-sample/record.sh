#!/usr/bin/env bash
# record.sh OUT.pcap
#
# Records Heron's bundled sample trace: real clients and servers talking
# over a veth pair between two network namespaces, captured with tcpdump.
# The traffic covers the shapes conn.log distinguishes: HTTP over IPv4 and
# IPv6 (complete TCP connections), DNS over UDP and TCP, ping, a refused
# connection (REJ), an unanswered SYN (S0), an unanswered UDP datagram and
# fragmented UDP. Everything stays inside the namespaces this script makes.
#
# Needs root and Debian's iproute2 ethtool tcpdump nginx-light dnsmasq-base
# dnsutils curl iputils-ping python3. The committed testdata/sample.pcap was
# made with it; rerun it to refresh the trace (the result differs in
# timestamps, ports and sequence numbers, not in shape).
set -euo pipefail
out=$(realpath -m "${1:?usage: record.sh OUT.pcap}")
for tool in ip ethtool tcpdump nginx dnsmasq dig curl ping python3; do
  command -v $tool >/dev/null || { echo "record.sh: missing $tool (apt-get install iproute2 ethtool tcpdump nginx-light dnsmasq-base dnsutils curl iputils-ping python3)" >&2; exit 2; }
done
tag=hs$$
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

S=10.88.0.1 C=10.88.0.2 S6=fd00:88::1 C6=fd00:88::2
ip netns add $srv; ip netns add $cli
ip link add ${tag}a type veth peer name ${tag}b
ip link set ${tag}a netns $srv; ip link set ${tag}b netns $cli
ip -n $srv addr add $S/24 dev ${tag}a; ip -n $cli addr add $C/24 dev ${tag}b
ip -n $srv addr add $S6/64 dev ${tag}a nodad; ip -n $cli addr add $C6/64 dev ${tag}b nodad
for ns in $srv $cli; do ip -n $ns link set lo up; done
ip -n $srv link set ${tag}a mtu 1500 up; ip -n $cli link set ${tag}b mtu 1500 up
for pair in "$srv ${tag}a" "$cli ${tag}b"; do
  set -- $pair
  ip netns exec $1 ethtool -K $2 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1 || true
done

mkdir -p "$work/www"
python3 - "$work/www" <<'PY'
import sys, random
random.seed(11)
words = 'heron zeek packet flow connection monitor cluster worker logger proxy'.split()
for i in range(6):
    with open(f'{sys.argv[1]}/page{i}.html', 'w') as f:
        f.write('<html><body>' + ' '.join(random.choice(words) for _ in range(200 * (i + 1) ** 2)) + '</body></html>\n')
PY
head -c 300000 /dev/urandom > "$work/www/blob.bin"
chmod -R a+rX "$work/www"
cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 64; }
http {
  access_log off;
  sendfile off;
  default_type application/octet-stream;
  server { listen $S:80; listen [$S6]:80; root $work/www; }
}
NGX
ip netns exec $srv nginx -c "$work/nginx.conf"
printf '%s www.sample.test\n%s www.sample.test\n' $S $S6 > "$work/hosts"
ip netns exec $srv dnsmasq --no-daemon --no-resolv --no-hosts --addn-hosts="$work/hosts" \
  --listen-address=$S --bind-interfaces --port=53 --pid-file="$work/dnsmasq.pid" >/dev/null 2>&1 &
pids+=($!)
# A UDP echo-less sink: the server reads and never answers.
ip netns exec $srv python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("'$S'", 9999))
while True: s.recv(65535)
' &
pids+=($!)
sleep 1

ip netns exec $cli tcpdump -i ${tag}b -w "$out" -s 0 -U not arp 2>/dev/null &
pids+=($!)
sleep 1

for i in 0 1 2 3 4 5; do
  ip netns exec $cli curl -s -o /dev/null http://$S/page$i.html
done
ip netns exec $cli curl -s -o /dev/null http://$S/blob.bin
ip netns exec $cli curl -s -o /dev/null "http://[$S6]/page2.html"
ip netns exec $cli curl -s -o /dev/null http://$S/missing.html
for name in www.sample.test nothere.sample.test; do
  ip netns exec $cli dig +short @$S $name A >/dev/null || true
  ip netns exec $cli dig +short @$S $name AAAA >/dev/null || true
done
ip netns exec $cli dig +short +tcp @$S www.sample.test A >/dev/null || true
ip netns exec $cli ping -c 3 -i 0.2 $S >/dev/null
ip netns exec $cli ping -6 -c 2 -i 0.2 $S6 >/dev/null
# Fragmented UDP: 3000 bytes over a 1500-byte MTU.
ip netns exec $cli python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"F" * 3000, ("'$S'", 9999))
s.sendto(b"x" * 20, ("'$S'", 9999))
'
# Refused connection (RST from the server) and an unanswered SYN (the server
# namespace drops it with a blackhole route for a host that is not there).
ip netns exec $cli curl -s --max-time 1 -o /dev/null http://$S:8081/ || true
ip -n $cli route add blackhole 10.88.1.9/32 2>/dev/null || true
ip -n $cli route del blackhole 10.88.1.9/32 2>/dev/null || true
ip -n $cli route add 10.88.1.0/24 dev ${tag}b
ip -n $cli neigh add 10.88.1.9 lladdr 02:00:00:00:00:09 dev ${tag}b nud permanent
ip netns exec $cli curl -s --max-time 1.5 -o /dev/null http://10.88.1.9/ || true
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
sleep 0.5
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes)"
