#!/usr/bin/env bash
# Installs the synthesisers scripts/make-corpus.py speaks with, as root on Debian 12 (bookworm):
# espeak-ng and its MBROLA voices (MBROLA is in contrib, its voices in non-free: free for
# non-commercial, non-military use), SVOX Pico (non-free) and festival with the voices of the
# cross-synthesiser speakers. Only needed to regenerate www/corpus, which is committed: neither
# the tests nor the page need it. Adds Debian's contrib and non-free components if missing.
set -euo pipefail
sources=/etc/apt/sources.list.d/onelab-corpus.sources
if ! apt-cache show mbrola-us1 >/dev/null 2>&1; then
  cat > "$sources" <<SOURCES
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng mbrola $(apt-cache pkgnames mbrola- | sort) \
  libttspico-utils festival festvox-kdlpc16k festvox-italp16k festvox-itapc16k festvox-czech-dita \
  festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru \
  festvox-ca-ona-hts >/dev/null
