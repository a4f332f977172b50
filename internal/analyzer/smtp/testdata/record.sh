#!/usr/bin/env bash
# record.sh OUTDIR
#
# Records the SMTP test trace of internal/analyzer/smtp: real SMTP clients
# (swaks, Python's smtplib) talking to a real SMTP server (aiosmtpd, with
# STARTTLS and AUTH) over a veth pair between two network namespaces,
# captured with tcpdump. The server listens on 25 and 587 (SMTP's
# registered ports) and on 2525, which is not one of them, so that
# analysis there relies on detection by signature. The traffic:
#
#   - on 25 (swaks): one message to two recipients, multipart/mixed with
#     a text body and two base64 attachments (a binary file and a text
#     file, whose MD5 sums go to OUTDIR/smtp.sums), Cc and X-Mailer;
#   - on 587 (swaks -tls): EHLO, STARTTLS (TLS 1.2, so that the server's
#     self-signed certificate, made here, is seen), then a message inside
#     TLS;
#   - on 2525 (smtplib): AUTH PLAIN, NOOP, VRFY, a quoted-printable
#     message with Received, X-Originating-IP, Reply-To, In-Reply-To and
#     User-Agent headers to two recipients of which the server refuses
#     one, RSET, then a second message in the same session
#     (multipart/alternative with an attachment), and QUIT;
#   - on 2525 again (a raw socket): EHLO, then MAIL, two RCPTs and DATA
#     pipelined in one segment, the message, and QUIT.
#
# Writes OUTDIR/smtp.pcap. Needs root and Debian's iproute2 ethtool
# tcpdump openssl python3-aiosmtpd swaks (with libnet-ssleay-perl and
# libio-socket-ssl-perl for STARTTLS). The committed files were made with
# it; rerun it to refresh them (timestamps, ports and keys change, the
# shape does not).
set -euo pipefail
outdir=$(realpath -m "${1:?usage: record.sh OUTDIR}")
mkdir -p "$outdir"
out=$outdir/smtp.pcap
py=/usr/bin/python3
for tool in ip ethtool tcpdump openssl swaks $py md5sum; do
  command -v $tool >/dev/null || { echo "record.sh: missing $tool" >&2; exit 2; }
done
$py -c 'import aiosmtpd' 2>/dev/null || { echo "record.sh: missing python3-aiosmtpd" >&2; exit 2; }
tag=sm$$
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

S=10.90.0.1 C=10.90.0.2
ip netns add $srv; ip netns add $cli
ip link add ${tag}a type veth peer name ${tag}b
ip link set ${tag}a netns $srv; ip link set ${tag}b netns $cli
ip -n $srv addr add $S/24 dev ${tag}a; ip -n $cli addr add $C/24 dev ${tag}b
for ns in $srv $cli; do
  ip -n $ns link set lo up
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $srv link set ${tag}a mtu 1500 up; ip -n $cli link set ${tag}b mtu 1500 up
for pair in "$srv ${tag}a" "$cli ${tag}b"; do
  set -- $pair
  ip netns exec $1 ethtool -K $2 tx off rx off tso off gso off gro off sg off >/dev/null 2>&1 || true
done

# The server's certificate and the files the messages carry.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mx.heron.test/O=Heron test" \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1
head -c 6000 /dev/urandom | gzip -c > "$work/report.bin"
$py - "$work" <<'PY'
import sys, random
random.seed(25)
words = 'heron mail smtp mime base64 fuid attachment relay header envelope'.split()
with open(sys.argv[1] + '/notes.txt', 'w') as f:
    for _ in range(60):
        f.write(' '.join(random.choice(words) for _ in range(12)) + '\n')
PY
(cd "$work" && md5sum report.bin notes.txt) > "$outdir/smtp.sums"
chmod -R a+rX "$work"

cat > "$work/server.py" <<'PY'
import signal, ssl, sys
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

addr, work = sys.argv[1], sys.argv[2]

class Handler:
    queued = 0
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('nobody@'):
            return '550 5.1.1 <%s>: Recipient address rejected' % address
        envelope.rcpt_tos.append(address)
        return '250 2.1.5 Ok'
    async def handle_DATA(self, server, session, envelope):
        Handler.queued += 1
        return '250 2.0.0 Ok: queued as HERON%04d' % Handler.queued

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b'heron-pass'
    return AuthResult(success=ok)

ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(work + '/cert.pem', work + '/key.pem')
servers = []
for port in (25, 587, 2525):
    c = Controller(Handler(), hostname=addr, port=port, server_hostname='mx.heron.test',
                   ident='Heron test MTA', tls_context=ctx, authenticator=authenticator,
                   auth_require_tls=False)
    c.start()
    servers.append(c)
open(work + '/ready', 'w').close()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
for c in servers:
    c.stop()
PY
ip netns exec $srv $py "$work/server.py" $S "$work" &
pids+=($!)
for _ in $(seq 50); do [ -f "$work/ready" ] && break; sleep 0.2; done
[ -f "$work/ready" ] || { echo "record.sh: the server did not start" >&2; exit 1; }

ip netns exec $cli tcpdump -i ${tag}b -w "$out" -s 0 -U not arp 2>/dev/null &
pids+=($!)
sleep 1

ip netns exec $cli swaks --server $S --port 25 --helo client.heron.test \
  --from alice@heron.test --to bob@heron.test,carol@heron.test \
  --header "Subject: quarterly report" --add-header "Cc: Dave <dave@heron.test>" \
  --add-header "X-Mailer: swaks" \
  --attach-type text/plain --attach-body "The report and the notes are attached." \
  --attach-type application/octet-stream --attach @"$work/report.bin" \
  --attach-type text/plain --attach @"$work/notes.txt" >/dev/null
ip netns exec $cli swaks --server $S --port 587 --helo client.heron.test -tls --tls-protocol tlsv1_2 \
  --from alice@heron.test --to bob@heron.test --header "Subject: over TLS" \
  --body "This message travels inside TLS." >/dev/null
ip netns exec $cli $py - $S <<'PY'
import smtplib, sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

s = smtplib.SMTP(sys.argv[1], 2525, local_hostname='client.heron.test')
s.ehlo()
s.login('alice', 'heron-pass')
s.noop()
s.verify('bob')

m = EmailMessage()
m['Received'] = 'from relay2.heron.test (relay2.heron.test [192.0.2.77]) by mx.heron.test; ' + formatdate()
m['Received'] = 'from laptop (unknown [198.51.100.23]) by relay2.heron.test; ' + formatdate()
m['From'] = 'Alice Example <alice@heron.test>'
m['To'] = 'Bob <bob@heron.test>, "Nobody, really" <nobody@heron.test>'
m['Reply-To'] = 'alice+replies@heron.test'
m['Subject'] = 'Re: numbers'
m['Date'] = formatdate()
m['Message-ID'] = make_msgid(domain='heron.test')
m['In-Reply-To'] = '<earlier@heron.test>'
m['User-Agent'] = 'heron-recorder/1.0'
m['X-Originating-IP'] = '[203.0.113.9]'
m.set_content('Grüße aus dem Netz: ' + 'ünïcödé text, ' * 20 + '\n', cte='quoted-printable')
s.send_message(m, from_addr='alice@heron.test', to_addrs=['bob@heron.test', 'nobody@heron.test'])
s.rset()

m = EmailMessage()
m['From'] = 'alice@heron.test'
m['To'] = 'carol@heron.test'
m['Subject'] = 'picture'
m.set_content('plain version\n')
m.add_alternative('<html><body><p>html version</p></body></html>\n', subtype='html')
m.add_attachment(bytes(range(256)) * 8, maintype='application', subtype='octet-stream', filename='bytes.dat')
s.send_message(m, from_addr='alice@heron.test', to_addrs=['carol@heron.test'])
s.quit()
PY
ip netns exec $cli $py - $S <<'PY'
import socket, sys

s = socket.create_connection((sys.argv[1], 2525))
f = s.makefile('rb')

def reply():
    while True:
        line = f.readline()
        if not line or line[3:4] != b'-':
            return line

reply()
s.sendall(b'EHLO pipeliner.heron.test\r\n')
reply()
s.sendall(b'MAIL FROM:<pipe@heron.test>\r\nRCPT TO:<bob@heron.test>\r\n'
          b'RCPT TO:<carol@heron.test>\r\nDATA\r\n')
for _ in range(4):
    reply()
s.sendall(b'From: pipe@heron.test\r\nTo: bob@heron.test, carol@heron.test\r\n'
          b'Subject: pipelined\r\n\r\n..a line that starts with a dot\r\nbye\r\n.\r\n')
reply()
s.sendall(b'QUIT\r\n')
reply()
s.close()
PY
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
sleep 0.5
echo "record.sh: wrote $out ($(stat -c %s "$out") bytes)"
