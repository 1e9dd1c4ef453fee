#!/bin/sh
# Test certificates for the TLS tests, made with the openssl CLI into the build
# tree (never committed: the private keys are throwaway test keys).
#   make_certs.sh OUTDIR
# OUTDIR/ca.pem, ca.key        a test CA
#        server.pem, server.key  signed by the CA; SAN IP:127.0.0.1, DNS:localhost
#        client.pem, client.key  signed by the CA; clientAuth (mutual TLS)
#        rogue.pem, rogue.key    self-signed, same names: trusted by nobody
set -eu
out=$1
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 3650 -subj "/CN=libipc test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$tmp/server.ext"
openssl req $ec -keyout server.key -out "$tmp/server.csr" -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in "$tmp/server.csr" -CA ca.pem -CAkey ca.key -set_serial 0x1001 -days 3650 \
  -extfile "$tmp/server.ext" -out server.pem 2>/dev/null

printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' > "$tmp/client.ext"
openssl req $ec -keyout client.key -out "$tmp/client.csr" -subj "/CN=libipc test client" 2>/dev/null
openssl x509 -req -in "$tmp/client.csr" -CA ca.pem -CAkey ca.key -set_serial 0x1002 -days 3650 \
  -extfile "$tmp/client.ext" -out client.pem 2>/dev/null

openssl req -x509 $ec -keyout rogue.key -out rogue.pem -days 3650 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -addext "extendedKeyUsage=serverAuth,clientAuth" 2>/dev/null
chmod 600 ./*.key
openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
