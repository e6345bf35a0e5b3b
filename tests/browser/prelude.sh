# tests/browser/prelude.sh: sourced after harness.sh by the browser tests.
# browser_require skips (or, in CI, fails) when Chromium, node or npm is
# missing; browser_npm installs playwright-core here when it is not yet.
HERE=$WR_HOME/tests/browser
CHROMIUM=${WR_CHROMIUM:-/usr/bin/chromium}
ARTIFACT_DIR=$BUILD/test-artifacts/browser
REQUIRE=${WR_REQUIRE_BROWSER:-${WR_REQUIRE_PG:-0}}

browser_require() {
	for need in "$CHROMIUM" node npm; do
		if ! command -v "$need" >/dev/null 2>&1; then
			[ "$REQUIRE" = 1 ] && bail "$need not found (./wr test installs chromium, nodejs and npm)"
			echo "1..0 # SKIP $need not found (./wr test installs it)"; exit 0
		fi
	done
}

browser_npm() { # after pg_start*, which makes $T_DIR
	if [ ! -f "$HERE/node_modules/playwright-core/package.json" ]; then
		(cd "$HERE" && npm ci --no-audit --no-fund) >"$T_DIR/npm.log" 2>&1 ||
			bail "npm ci in tests/browser failed: $(tail -5 "$T_DIR/npm.log")"
	fi
}
