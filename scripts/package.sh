#!/usr/bin/env bash
# Builds the release archive of the Grafana plugin: querent-nlq-app-<version>.zip (+ .sha256).
#
#   scripts/package.sh            # make dist, add the linux/arm64 backend if the toolchain allows, zip
#   make package                  # the same
#
# Environment (all optional):
#   VERSION     version written into the manifests (default: Cargo.toml's package version)
#   TODAY       date written into the manifests (default: today, UTC, YYYY-MM-DD)
#   DIST_DIR    the plugin folder to package (default: dist)
#   OUT_DIR     where the archive goes (default: target/package)
#   SKIP_BUILD  set to 1 to package DIST_DIR as it is (no `make dist`, no cross build)
#
# The archive holds one folder named after the plugin id, as Grafana expects when installing a zip;
# its plugin.json files have `%VERSION%` and `%TODAY%` filled in (dist/ itself is left untouched).
set -euo pipefail
cd "$(dirname "$0")/.."

PLUGIN_ID="querent-nlq-app"
DIST_DIR="${DIST_DIR:-dist}"
OUT_DIR="${OUT_DIR:-target/package}"
VERSION="${VERSION:-$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)}"
TODAY="${TODAY:-$(date -u +%Y-%m-%d)}"

die() { echo "package: $*" >&2; exit 1; }
note() { echo "package: $*" >&2; }

[[ -n "$VERSION" ]] || die "cannot read the version from Cargo.toml (set VERSION)"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "VERSION \`$VERSION\` is not semver"
[[ "$TODAY" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] || die "TODAY \`$TODAY\` is not YYYY-MM-DD"

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    make dist
    # Backends for both Linux architectures where this machine can build them.
    for pair in "x86_64-unknown-linux-gnu:amd64:x86_64-linux-gnu-gcc" "aarch64-unknown-linux-gnu:arm64:aarch64-linux-gnu-gcc"; do
        IFS=: read -r triple arch linker <<<"$pair"
        out="$DIST_DIR/datasource/gpx_querent_linux_${arch}"
        [[ -x "$out" ]] && continue
        if ! rustup target list --installed 2>/dev/null | grep -qx "$triple"; then
            note "skipping linux/${arch}: rust target $triple not installed (rustup target add $triple)"
            continue
        fi
        host_triple="$(rustc -vV | sed -n 's/^host: //p')"
        if [[ "$triple" != "$host_triple" ]] && ! command -v "$linker" >/dev/null; then
            note "skipping linux/${arch}: no $linker (apt-get install gcc-${linker%-gcc})"
            continue
        fi
        linker_var="CARGO_TARGET_$(echo "$triple" | tr 'a-z-' 'A-Z_')_LINKER"
        if [[ "$triple" != "$host_triple" ]]; then export "$linker_var=$linker"; fi
        cargo build --release --locked --bin gpx_querent --target "$triple"
        install -m 0755 "target/$triple/release/gpx_querent" "$out"
    done
fi

[[ -f "$DIST_DIR/plugin.json" ]] || die "$DIST_DIR/plugin.json is missing (run make dist)"
[[ -f "$DIST_DIR/datasource/plugin.json" ]] || die "$DIST_DIR/datasource/plugin.json is missing (run make dist)"
grep -q "\"id\": *\"$PLUGIN_ID\"" "$DIST_DIR/plugin.json" || die "$DIST_DIR/plugin.json is not the $PLUGIN_ID manifest"
ls "$DIST_DIR"/datasource/gpx_querent_linux_* >/dev/null 2>&1 || die "no backend binary in $DIST_DIR/datasource (gpx_querent_linux_<arch>)"

stage="$OUT_DIR/$PLUGIN_ID"
rm -rf "$stage"
mkdir -p "$stage"
cp -a "$DIST_DIR/." "$stage/"
chmod 0755 "$stage"/datasource/gpx_querent_linux_*
while IFS= read -r -d '' manifest; do
    sed -i.bak -e "s/%VERSION%/$VERSION/g" -e "s/%TODAY%/$TODAY/g" "$manifest" && rm -f "$manifest.bak"
done < <(find "$stage" -name plugin.json -print0)
if grep -rlq -e '%VERSION%' -e '%TODAY%' --include=plugin.json "$stage"; then
    die "placeholders left in the manifests"
fi

archive="$OUT_DIR/$PLUGIN_ID-$VERSION.zip"
rm -f "$archive"
if command -v zip >/dev/null; then
    (cd "$OUT_DIR" && zip -qr -X "$PLUGIN_ID-$VERSION.zip" "$PLUGIN_ID")
elif command -v python3 >/dev/null; then
    (cd "$OUT_DIR" && python3 -m zipfile -c "$PLUGIN_ID-$VERSION.zip" "$PLUGIN_ID")
else
    die "neither zip nor python3 found to write the archive"
fi
(cd "$OUT_DIR" && sha256sum "$PLUGIN_ID-$VERSION.zip" >"$PLUGIN_ID-$VERSION.zip.sha256")
note "wrote $archive ($(find "$stage" -name 'gpx_querent_linux_*' -printf '%f ' ))"
echo "$archive"
