#!/usr/bin/env bash
# record.sh OUT.pcap
#
# Records the trace of the DNS detection test: a real DNS server (dnsmasq)
# answering on port 5300, which is not a DNS port, over UDP and TCP; and
# non-DNS traffic on port 53 (UDP datagrams in text and in a binary
# format, and a TCP conversation in text). Two network namespaces joined by a veth pair, IPv4 only,
# captured with tcpdump; nothing leaves the namespaces.
#
# Needs root and Debian's iproute2 ethtool tcpdump dnsmasq-base dnsutils
# python3. The committed dns-port5300.pcap was made with it; a rerun
# differs in timestamps, ports and ids, not in shape.
set -euo pipefail
out=$(realpath -m "${1:?usage: record.sh OUT.pcap}")
for tool in ip ethtool tcpdump dnsmasq dig python3; do
  command -v $tool >/dev/null || { echo "record.sh: missing $tool (apt-get install iproute2 ethtool tcpdump dnsmasq-base dnsutils python3)" >&2; exit 2; }
done
tag=hd$$
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

S=10.89.0.1 C=10.89.0.2
ip netns add $srv; ip netns add $cli
ip link add ${tag}a type veth peer name ${tag}b
ip link set ${tag}a netns $srv; ip link set ${tag}b netns $cli
for pair in "$srv ${tag}a $S" "$cli ${tag}b $C"; do
  set -- $pair
  ip netns exec $1 sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n $1 addr add $3/24 dev $2
  ip -n $1 link set lo up
  ip -n $1 link set $2 mtu 1500 up
  ip netns exec $1 ethtool -K $2 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1 || true
done

cat > "$work/hosts" <<EOF
$S www.heron.test
10.89.0.80 web.heron.test
EOF
ip netns exec $srv dnsmasq --no-daemon --no-resolv --no-hosts --addn-hosts="$work/hosts" \
  --txt-record=heron.test,"v=spf1 -all","second string" --mx-host=heron.test,mail.heron.test,10 \
  --listen-address=$S --bind-interfaces --port=5300 --pid-file="$work/dnsmasq.pid" >/dev/null 2>&1 &
pids+=($!)
# Port 53, not DNS: a UDP service answering in text, a TCP one with a banner.
ip netns exec $srv python3 -c '
import socket, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("'$S'", 53))
def udp():
    while True:
        data, peer = u.recvfrom(65535)
        u.sendto(b"HELLO FROM A NON-DNS SERVICE\r\n", peer)
threading.Thread(target=udp, daemon=True).start()
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("'$S'", 53)); t.listen(4)
while True:
    c, _ = t.accept()
    c.sendall(b"220 not a name server\r\n")
    c.recv(1024)
    c.sendall(b"221 bye\r\n")
    c.close()
' &
pids+=($!)
sleep 1

ip netns exec $cli tcpdump -i ${tag}b -w "$out" -s 0 -U not arp 2>/dev/null &
pids+=($!)
sleep 1

dig() { ip netns exec $cli dig +tries=1 +time=2 -p 5300 @$S "$@" >/dev/null || true; }
dig www.heron.test A
dig web.heron.test A
dig heron.test TXT
dig heron.test MX
dig nothere.heron.test A
dig +tcp www.heron.test A
ip netns exec $cli python3 -c '
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(2)
u.sendto(b"GET / HTTP/1.0\r\n\r\n", ("'$S'", 53))
u.recv(1024)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.settimeout(2)
b.sendto(b"\x13\x37\x00\x00ZZZZZZZZ binary protocol", ("'$S'", 53))
b.recv(1024)
t = socket.create_connection(("'$S'", 53), timeout=2)
t.recv(1024)
t.sendall(b"QUIT\r\n")
t.recv(1024)
t.close()
'
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
sleep 0.5
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes)"
