#!/bin/sh
# A self-signed certificate for nginx to start with, until a real one replaces it (compose's
# certs-init service runs this on every `up`; the native stack drill runs it too).
#   self-signed.sh [domain] [dir]    domain: $HOP_DOMAIN or localhost; dir: /certs
# Leaves an existing certificate alone, so it never overwrites one the ACME client or an operator
# put there. Writes fullchain.pem and privkey.pem (P-256 key, 30 days, SAN: the domain,
# localhost, 127.0.0.1).
set -eu
domain=${1:-${HOP_DOMAIN:-localhost}}
dir=${2:-/certs}
if [ -s "$dir/fullchain.pem" ] && [ -s "$dir/privkey.pem" ]; then
  echo "certs: $dir already holds a certificate; left as it is"
  exit 0
fi
# The certbot image ships openssl; a bare Alpine gets it from its package index.
command -v openssl >/dev/null 2>&1 || apk add --no-cache openssl >/dev/null
mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain,DNS:localhost,IP:127.0.0.1" \
  -keyout "$dir/privkey.pem.tmp" -out "$dir/fullchain.pem.tmp" 2>/dev/null
chmod 644 "$dir/fullchain.pem.tmp"
mv "$dir/privkey.pem.tmp" "$dir/privkey.pem"
mv "$dir/fullchain.pem.tmp" "$dir/fullchain.pem"
echo "certs: wrote a self-signed certificate for $domain to $dir (replace it: docs/runbook.md#tls-certificates)"
