#!/usr/bin/env bash
# Runs every test of Valence on a fresh Debian machine: installs what the tests start on loopback
# (CNCF registry, htpasswd, Azurite, an HCL parser for the Terraform checks, runc for real pods,
# chromium + chromium-driver for valence ui's page, zsh for the completion script) when
# missing — quick when already there — then runs `mvn -B verify` (as root: pods are runc containers).
# Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_missing=()
command -v java >/dev/null || apt_missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || apt_missing+=(maven)
command -v docker-registry >/dev/null || apt_missing+=(docker-registry)
command -v htpasswd >/dev/null || apt_missing+=(apache2-utils)
command -v npm >/dev/null || apt_missing+=(nodejs npm)
# real pods: the tests run each pod as a runc container (as root), and open the store folder with an ACL
command -v runc >/dev/null || [ -x /usr/sbin/runc ] || apt_missing+=(runc)
command -v setfacl >/dev/null || apt_missing+=(acl)
# valence ui's browser test: headless Chromium driven by Selenium through Debian's chromedriver
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
[ -x /usr/bin/chromedriver ] || apt_missing+=(chromium-driver)
# valence completion zsh, loaded in a real zsh
[ -x /usr/bin/zsh ] || apt_missing+=(zsh)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "installing: ${apt_missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

npm_missing=()
command -v azurite-blob >/dev/null || npm_missing+=(azurite@3)
command -v hcl2json >/dev/null || npm_missing+=(@cdktf/hcl2json@0.21.0)
if [ ${#npm_missing[@]} -gt 0 ]; then
  echo "installing (npm): ${npm_missing[*]}"
  as_root npm install -g --no-audit --no-fund --loglevel=error "${npm_missing[@]}" >/dev/null
fi

# the tests that need a browser fail, not skip, when it is missing here (the packages above install it)
export VALENCE_REQUIRE_BROWSER=1 VALENCE_REQUIRE_ZSH=1
exec mvn -B verify "$@"
