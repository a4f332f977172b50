#!/usr/bin/env bash
# tools/test.sh — Heron's test command (README, and what CI runs).
#
# On a fresh Debian machine it first installs what the tests use (as root,
# with apt-get), then checks formatting, vets, runs staticcheck, builds
# without cgo, and runs every test. Tests that need ../shared (the Zeek
# corpus and zeek-parity) skip with a message when it is absent.
#
#   tools/test.sh           everything
#   tools/test.sh -short    skip the long corpus runs
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use: tcpdump (reference reader for traces),
# python3 (zeek-parity), git; iproute2 (network namespaces and veth pairs),
# tcpreplay (replaying traces onto them), ethtool (offload switches),
# util-linux (setpriv, to run capture tests without privileges), netbase
# (/etc/services and /etc/protocols for port and protocol names in filters),
# python3-aiosmtpd (a real SMTP server for heronctl's mail) and msmtp (a
# sendmail that relays to it), gcc and libpcap-dev (the libpcap packet source,
# built with -tags libpcap), openssh-server and openssh-client (heronctl
# managing a second host over SSH).
pkgs=(tcpdump python3 git iproute2 tcpreplay ethtool util-linux netbase python3-aiosmtpd msmtp
  gcc libpcap-dev openssh-server openssh-client)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "== note: ${missing[*]} not installed (run as root to install); tests needing them skip"
  fi
fi

export GOFLAGS=${GOFLAGS:-}
gobin=$(go env GOPATH)/bin
if [ ! -x "$gobin/staticcheck" ]; then
  echo "== installing staticcheck"
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

echo "== gofmt"
unformatted=$(gofmt -l cmd internal tools)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
"$gobin/staticcheck" ./...
echo "== build without cgo"
CGO_ENABLED=0 go build ./...
echo "== go test"
# One package at a time: many tests run real processes (cluster nodes,
# sshd, tcpreplay) with time limits, and two packages of them at once on a
# two-core machine only make those limits tight.
go test -count=1 -p 1 -timeout 30m "$@" ./...
if command -v gcc >/dev/null && [ -e /usr/include/pcap/pcap.h ]; then
  echo "== go test -tags libpcap (the libpcap packet source)"
  CGO_ENABLED=1 go vet -tags libpcap ./internal/pktsrc/pcaplive/ ./cmd/heron/
  CGO_ENABLED=1 go test -count=1 -tags libpcap "$@" ./internal/pktsrc/pcaplive/
  CGO_ENABLED=1 go test -count=1 -tags libpcap "$@" \
    -run 'TestPcap|TestComponentsPacketSources|TestLiveSourceErrors' ./cmd/heron/
else
  echo "== note: gcc or libpcap-dev missing; the libpcap packet source is not tested"
fi
echo "== all tests passed"
