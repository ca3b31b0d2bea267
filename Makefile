# Front door. `make demo` and `make test` install what they need (Debian 12, as root) and build.
JOBS ?= $(shell nproc)
.PHONY: deps release dev demo test test-release test-dev test-web wasm bench fuzz fuzz-run tsan clean format

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

# Every test: the normal (release) build and the sanitizer (ASan+UBSan) build. The web tests
# (`make test-web`) are not in it yet: they need Node >= 20 (Debian 12's nodejs is 18, without a
# global WebCrypto) and the npm registry for `npm ci`, which a fresh Debian 12 root does not give.
test: test-release test-dev

# The web client (web/, issue #15). `wasm`: the WebAssembly module of the portable core/hash/pq code
# (Debian's emscripten; its acorn comes from Debian's node-acorn through NODE_PATH). `test-web`: the
# native reference tool, the module, the TypeScript SDK (npm ci from the lockfile, tsc strict) and the
# node tests; writes build/web-test/summary.json.
EMENV = NODE_PATH=/usr/share/nodejs
wasm:
	@./scripts/deps.sh web
	$(EMENV) cmake --preset wasm >/dev/null
	$(EMENV) cmake --build build/wasm -j $(JOBS)

test-web: wasm
	cmake --preset release >/dev/null
	cmake --build build/release -j $(JOBS) --target v100_web_ref
	cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npx tsc -p tsconfig.json && npm run --silent bundle
	mkdir -p build/web-test/ref
	for k in pq sframe protocol; do ./build/release/tests/web/v100_web_ref $$k > build/web-test/ref/$$k.json || exit 1; done
	node web/scripts/run-tests.mjs

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
fuzz-run: fuzz
	@for t in build/fuzz/fuzz/*_fuzz; do \
	  n=$$(basename $$t _fuzz); mkdir -p fuzz/corpus-run/$$n fuzz/corpus/$$n; \
	  echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 fuzz/corpus-run/$$n fuzz/corpus/$$n 2>&1 | tail -1 || exit 1; \
	done

format:
	find src tests bench tools fuzz web/wasm -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build
