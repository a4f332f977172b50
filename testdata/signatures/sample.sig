# Signatures for the bundled sample trace (testdata/sample.pcap): HTTP page
# requests and DNS queries for the sample domain. Used by the signature
# tests in internal/node and as an example of a user signature file.

signature http-page {
  ip-proto == tcp
  dst-port == 80
  payload /GET \/page[0-9]/
  event "HTTP page request"
}

signature dns-sample-query {
  ip-proto == udp
  dst-port == 53
  payload /.*sample/
  event "DNS query for the sample domain"
}

# Five signatures that all match the same client and server: Zeek's
# vertical scan detection (Multiple_Signatures at 5).
signature page0 {
  dst-port == 80
  payload /GET \/page0/
  event "page 0"
}
signature page1 {
  dst-port == 80
  payload /GET \/page1/
  event "page 1"
}
signature page2 {
  dst-port == 80
  payload /GET \/page2/
  event "page 2"
}
signature page3 {
  dst-port == 80
  payload /GET \/page3/
  event "page 3"
}
