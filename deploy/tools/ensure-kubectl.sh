#!/bin/sh
# Makes sure kubectl is on PATH: the deploy tests render the Kustomize overlays with it.
# Does nothing when kubectl is already there; otherwise installs Debian's kubernetes-client.
# Where it cannot install (no apt-get, no root, no such package) it only says so, and the
# rendering tests skip; a failing install is an error.
set -eu

if command -v kubectl >/dev/null 2>&1; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-kubectl: kubectl is missing and there is no apt-get; install kubectl" \
       "to run the Kubernetes manifest tests (they skip without it)." >&2
  exit 0
fi

as_root=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "ensure-kubectl: kubectl is missing; as root, 'apt-get install kubernetes-client'" \
         "installs it (the Kubernetes manifest tests skip without it)." >&2
    exit 0
  fi
fi

echo "ensure-kubectl: installing kubectl (Debian package kubernetes-client)" >&2
$as_root apt-get update -qq
if ! apt-cache show kubernetes-client >/dev/null 2>&1; then
  echo "ensure-kubectl: this system's package lists have no kubernetes-client; install" \
       "kubectl to run the Kubernetes manifest tests (they skip without it)." >&2
  exit 0
fi
$as_root env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
if ! command -v kubectl >/dev/null 2>&1; then
  echo "ensure-kubectl: kubernetes-client is installed but kubectl is not on PATH" >&2
  exit 1
fi
