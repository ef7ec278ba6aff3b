#!/bin/sh
# First start: a self-signed certificate (CA:FALSE, SAN dovecot/localhost) shared with the
# other containers, which trust it through ca_file.
set -eu
mkdir -p /run/dovecot-shared /srv/mail
if [ ! -f /run/dovecot-shared/cert.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=dovecot \
    -addext "subjectAltName=DNS:dovecot,DNS:postfix,DNS:localhost" \
    -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" \
    -keyout /run/dovecot-shared/key.pem -out /run/dovecot-shared/cert.pem
  chmod 644 /run/dovecot-shared/cert.pem /run/dovecot-shared/key.pem
fi
chown -R 65534:65534 /srv/mail
exec dovecot -F
