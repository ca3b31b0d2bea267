# Front door. `make demo` and `make test` install what they need (Debian 12, as root) and build.
JOBS ?= $(shell nproc)
.PHONY: deps release dev demo test test-release test-dev test-web bench-web wasm bench fuzz fuzz-run tsan clean format format-check

deps:
	@./scripts/deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS)

dev: deps
	cmake --preset dev >/dev/null
	cmake --build build/dev -j $(JOBS)

demo: release
	./build/release/tools/v100 demo
	./build/release/tools/v100 match-demo

test-release: release
	cd build/release && ctest --output-on-failure -j $(JOBS)

test-dev: dev
	cd build/dev && ctest --output-on-failure -j $(JOBS) -LE slow

# Every test: the format check (seconds), the normal (release) build, the web client (WASM module +
# TypeScript SDK on Node and in chromium, a few minutes; before the sanitizer build so that it reuses
# the release objects and fails early) and the sanitizer (ASan+UBSan) build.
test: format-check test-release test-web test-dev

# The web client (web/, issue #15). `wasm`: the WebAssembly module of the portable core/hash/pq code
# (Debian's emscripten; its acorn comes from Debian's node-acorn through NODE_PATH). `test-web`: the
# native reference tool, the module, the TypeScript SDK (npm ci from the lockfile, tsc strict), the
# node tests (run-tests.mjs writes build/web-test/summary.json), then a subset of them in Debian's
# headless chromium driven by playwright-core (browser-test.mjs: a node:http server on 127.0.0.1 for
# the page, the module and the vectors; adds `chromium` to summary.json, saves chromium.png), the live
# test (live-test.mjs), the whole meeting (meeting-test.mjs: two chromium participants and a native
# one with real media; adds `meeting`, saves meeting-*.png) and the meeting page test (app-test.mjs),
# which leaves the deployable page in build/web/app-root (`v100 serve --web-root build/web/app-root`).
# Node: Debian 12's nodejs 18 is the floor (web/package.json engines); the tests import WebCrypto
# from node:crypto where 18 has no global one. The tools are npm's, pinned by web/package-lock.json,
# not Debian's node-typescript 4.8 / esbuild 0.17: the tsconfig needs TypeScript >= 5.0
# (verbatimModuleSyntax) and Debian has no playwright, the browser driver the page tests need.
# npm ci reaches the registry with the CA store of the node that runs it. Debian's nodejs reads the
# system store (/etc/ssl/certs, so a CA added with update-ca-certificates is trusted); other builds
# read their bundled store plus NODE_EXTRA_CA_CERTS. No --use-openssl-ca here: Debian's node does not
# need it, and on other builds it replaces the bundled store by the OpenSSL directory they were
# compiled with, which need not be the system's. A node_modules that is a symlink (a worktree sharing
# another checkout's install) is used as it is: npm ci would first empty the directory it points to,
# under every other checkout that shares it.
EMENV = NODE_PATH=/usr/share/nodejs
wasm:
	@./scripts/deps.sh web
	$(EMENV) cmake --preset wasm >/dev/null
	$(EMENV) cmake --build build/wasm -j $(JOBS)

test-web: wasm
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) --target v100_web_ref v100
	cd web && { [ -L node_modules ] || [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --engine-strict --no-audit --no-fund; } && npm run --silent build && npm run --silent bundle
	mkdir -p build/web-test/ref
	for k in pq sframe protocol xwing schedule identity roster group invitation bfv media ckks lookup; do ./build/release/tests/web/v100_web_ref $$k > build/web-test/ref/$$k.json || exit 1; done
	node web/scripts/run-tests.mjs
	node web/scripts/browser-test.mjs
	node web/scripts/live-test.mjs
	node web/scripts/meeting-test.mjs
	node web/scripts/app-test.mjs
	V100_BENCH_QUICK=1 node web/scripts/bench-web.mjs >/dev/null

# The browser's figures (issue #15, "Speed"; web/scripts/bench-web.mjs): WASM and SFrame medians
# beside the native `v100 bench` rows, join -> first remote picture, glass-to-glass and CPU of a
# four-page meeting on a real `v100 serve`. Writes build/web-test/bench.json. Not part of `make test`
# (test-web runs a two-page smoke of it, about 12 s, whose figures are not judged).
bench-web: test-web
	node web/scripts/bench-web.mjs

bench: release
	./build/release/tools/v100 bench

tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build build/tsan -j $(JOBS)
	cd build/tsan && ctest --output-on-failure -L tsan

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build build/fuzz -j $(JOBS)

# Coverage-guided libFuzzer run, FUZZ_SECONDS per target, on the checked-in corpus.
FUZZ_SECONDS ?= 20
# A target without seeds in fuzz/corpus/<name>/ stops the run (never an empty folder made on the
# fly); a crash prints the end of the target's log and fails (the exit status is the fuzzer's, not tail's).
fuzz-run: fuzz
	@for t in build/fuzz/fuzz/*_fuzz; do \
	  n=$$(basename $$t _fuzz); \
	  if [ -z "$$(ls -A fuzz/corpus/$$n 2>/dev/null)" ]; then echo "fuzz-run: no seeds in fuzz/corpus/$$n" >&2; exit 1; fi; \
	  mkdir -p fuzz/corpus-run/$$n; \
	  echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	  log=fuzz/corpus-run/$$n.log; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 fuzz/corpus-run/$$n fuzz/corpus/$$n >$$log 2>&1 \
	    || { tail -40 $$log; echo "fuzz-run: $$n failed (log: $$log)" >&2; exit 1; }; \
	  tail -1 $$log; \
	done

# C++ sources in the one style of .clang-format (clang-format 14, Debian 12's). `format` rewrites,
# `format-check` fails on any file that `format` would change (part of `make test`, so of CI).
FORMAT_FILES = find src tests bench tools fuzz web/wasm \( -name '*.cc' -o -name '*.h' \) -print0
format: deps
	$(FORMAT_FILES) | xargs -0 clang-format -i

format-check: deps
	@$(FORMAT_FILES) | xargs -0 clang-format --dry-run --Werror 2>&1 | head -40; \
	  if ! $(FORMAT_FILES) | xargs -0 clang-format --dry-run --Werror >/dev/null 2>&1; then \
	    echo "format-check: files differ from .clang-format; run 'make format'" >&2; exit 1; fi; \
	  echo "format-check: $$($(FORMAT_FILES) | tr -cd '\0' | wc -c) C++ files in the style of .clang-format"

clean:
	rm -rf build
