# The two commands of the README:
#   make demo   build the site in release and serve it on http://127.0.0.1:8000/
#   make test   every test: format and lints, Rust (CPU reference, GPU kernels on Vulkan), then the
#               page in Chromium

WASM := target/wasm32-unknown-unknown/web/onelab.wasm
# The features Rust's wasm32 target emits, and SIMD (.cargo/config.toml), for binaryen's optimiser.
WASM_FEATURES := --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
# Mesa warns on every Vulkan start when this is unset; give it a private directory.
export XDG_RUNTIME_DIR ?= $(shell d=/tmp/onelab-xdg-$$(id -u); mkdir -p -m 700 $$d; echo $$d)

.PHONY: demo test web

demo:
	bash scripts/setup.sh build
	$(MAKE) web
	node scripts/serve.mjs 8000

test:
	bash scripts/setup.sh test
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
	cargo test
	$(MAKE) web
	node --test tests/browser/

web:
	cargo build --profile web --target wasm32-unknown-unknown -p onelab --lib
	wasm-bindgen --target web --no-typescript --out-dir www/pkg $(WASM)
	node_modules/.bin/wasm-opt -O3 $(WASM_FEATURES) www/pkg/onelab_bg.wasm -o www/pkg/onelab_bg.wasm
	mkdir -p www/vendor
	cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css www/vendor/
	# The page fetches the corpus gzipped (17 MB instead of 25 on a first visit), whatever the host.
	gzip -9nkf www/corpus/corpus.bin www/corpus/manifest.json
