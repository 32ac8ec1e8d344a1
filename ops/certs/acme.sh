#!/bin/sh
# compose profile `acme` (certbot image): gets a Let's Encrypt certificate for $HOP_DOMAIN over
# http-01 (the challenge files go to the webroot nginx serves on :80), renews it twice a day, and
# copies each new one into /certs, where nginx reads it (nginx reloads itself every 6 hours).
# ACME_STAGING=1 uses Let's Encrypt's staging CA (untrusted certificates, generous rate limits).
set -eu
: "${HOP_DOMAIN:?set HOP_DOMAIN in .env to the public name of this host}"
: "${ACME_EMAIL:?set ACME_EMAIL in .env (expiry notices)}"
deploy='cp -L "$RENEWED_LINEAGE/privkey.pem" /certs/privkey.pem.new && cp -L "$RENEWED_LINEAGE/fullchain.pem" /certs/fullchain.pem.new && chmod 600 /certs/privkey.pem.new && mv /certs/privkey.pem.new /certs/privkey.pem && mv /certs/fullchain.pem.new /certs/fullchain.pem'
staging=""
[ -n "${ACME_STAGING:-}" ] && staging="--staging"
if [ ! -e "/etc/letsencrypt/live/$HOP_DOMAIN/fullchain.pem" ]; then
  # shellcheck disable=SC2086
  certbot certonly --webroot -w /var/www/acme -d "$HOP_DOMAIN" --email "$ACME_EMAIL" --agree-tos \
    --non-interactive --keep-until-expiring --deploy-hook "$deploy" $staging
fi
while :; do
  certbot renew --webroot -w /var/www/acme --deploy-hook "$deploy" --quiet || echo "acme: renewal failed; retrying in 12h"
  sleep 12h
done
