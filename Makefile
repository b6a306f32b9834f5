# attend — build, test, demo, install. Every target installs the Debian packages it needs when missing.
SWIFT   ?= swift
PREFIX  ?= /usr/local
APT_PKGS = libpng-dev libjpeg-dev libopenblas-dev pkg-config zlib1g-dev
# What the tests check the product with (exiftool reads back the metadata `attend batch --embed/--sidecars` writes).
TEST_APT_PKGS = libimage-exiftool-perl patch
RELEASE_BIN = .build/release/attend
DEMO_PHOTOS ?= samples/astronaut.png samples/camera.png samples/chelsea.png samples/coffee.png samples/rocket.jpg
DEMO_SHEET ?= samples/camera.png
# A Python with Pillow, for the benchmark's comparison (optional): python3 -m venv ../pillow-venv && ../pillow-venv/bin/pip install pillow
PILLOW_PYTHON ?= ../pillow-venv/bin/python

.PHONY: all deps test-deps apt-install build demo test install bench bench-image clean fuzz fuzz-build fuzz-smoke test-asan

all: build

# Installs the system libraries the package links, only when one is missing (needs root, as on CI).
deps:
	@$(MAKE) --no-print-directory apt-install PKGS="$(APT_PKGS)"

test-deps:
	@$(MAKE) --no-print-directory apt-install PKGS="$(TEST_APT_PKGS)"

apt-install:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c release --product attend

# Captions the sample photographs (public domain / CC0, samples/README.md) with the default model, draws where each
# word of one caption looked, and captions the synthetic scenes with the shapes model.
demo: build
	$(RELEASE_BIN) caption $(DEMO_PHOTOS)
	$(RELEASE_BIN) overlay $(DEMO_SHEET) --out /tmp/attend-demo-attention.png
	@echo "wrote /tmp/attend-demo-attention.png (one tile per word: where the model looked)"
	$(RELEASE_BIN) caption --model shapes samples/scene-01.png samples/scene-02.png

# The whole suite. The release binary is built first: the command-line tests (and the synthetic
# training run) use it through ATTEND_BIN. Then every fuzz target for FUZZ_SMOKE_SECONDS, so the harnesses
# keep building and the committed corpus seeds still pass under the sanitizers.
test: build test-deps
	ATTEND_BIN=$(CURDIR)/$(RELEASE_BIN) $(SWIFT) test
	$(MAKE) fuzz-smoke

# MARK: fuzzing and sanitizers (docs/RELIABILITY.md)
# libFuzzer targets, one per parser (Sources/AttendFuzzing), in their own build: only the modules the harnesses
# need (no Hummingbird), Swift with -sanitize=fuzzer,address, the C shims with -fsanitize=fuzzer-no-link,address,undefined.
FUZZ_SCRATCH ?= .build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_TARGETS ?=
fuzz-build: deps
	nice -n 10 $(SWIFT) build -c release --product attend-fuzz --scratch-path $(FUZZ_SCRATCH) \
	    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DATTEND_FUZZ -Xcc -fsanitize=fuzzer-no-link,address,undefined -Xswiftc -use-ld=lld

# Each target for FUZZ_SECONDS (FUZZ_TARGETS: a few by name); the corpora grow in $(FUZZ_SCRATCH)/corpus.
fuzz: fuzz-build
	FUZZ_DIR=$(CURDIR)/$(FUZZ_SCRATCH) scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	FUZZ_DIR=$(CURDIR)/$(FUZZ_SCRATCH) scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

# The image, model-file, upload/fuzz-replay and service tests under AddressSanitizer and UndefinedBehaviorSanitizer,
# in a debug build of their own. Not part of `make test` (docs/RELIABILITY.md says what it costs).
ASAN_SCRATCH ?= .build-asan
ASAN_TESTS ?= AttendImageTests|ModelFileTests|AttendFuzzingTests|AttendServeTests
# swiftc has no -sanitize=undefined on Linux: Swift code gets AddressSanitizer (its own overflow and bounds checks
# are on in a debug build), the C code (the shims) AddressSanitizer and UndefinedBehaviorSanitizer. Leak checking
# is off here: XCTest on Linux keeps every test-case instance (and what its properties hold) until exit, which
# LeakSanitizer reports; the product's code is leak-checked by every fuzz run.
test-asan: deps
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 nice -n 10 $(SWIFT) test --scratch-path $(ASAN_SCRATCH) \
	    --sanitize address -Xcc -fsanitize=undefined -Xswiftc -use-ld=lld --filter '$(ASAN_TESTS)'

# The default model against its PyTorch mirror with the encoder in ONNX Runtime, alternating, every ratio
# (the README's speed table). Needs the peer venv at TORCH_PYTHON (the script says how to make it) and Flickr8k
# at FLICKR8K; not part of `make test`. BENCH_ROUNDS rounds, at BENCH_THREADS threads each.
TORCH_PYTHON ?= ../torch-peer/bin/python
FLICKR8K ?= ../shared/data/flickr8k
BENCH_ROUNDS ?= 3
BENCH_THREADS ?= 2 1
bench: build
	ATTEND_BIN=$(RELEASE_BIN) TORCH_PYTHON=$(TORCH_PYTHON) FLICKR8K=$(FLICKR8K) scripts/bench_lite0.sh $(BENCH_ROUNDS) $(BENCH_THREADS)

# Decode-to-224×224 of a generated 4000×3000 JPEG: DCT-scaled vs full decode, and Pillow on the same file.
bench-image: build
	$(RELEASE_BIN) bench-image --jpeg /tmp/attend-bench-image.jpg --out /tmp/attend-bench-224.png
	@if [ -x "$(PILLOW_PYTHON)" ]; then \
	    $(PILLOW_PYTHON) scripts/bench_image_pillow.py /tmp/attend-bench-image.jpg --compare /tmp/attend-bench-224.png; \
	else echo "(no Pillow at PILLOW_PYTHON=$(PILLOW_PYTHON): skipped the comparison)"; fi

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/attend/models
	install -m 755 $(RELEASE_BIN) $(DESTDIR)$(PREFIX)/bin/attend
	cp -R models/. $(DESTDIR)$(PREFIX)/share/attend/models/

clean:
	rm -rf .build

# The synthetic-scenes model shipped in models/: 2,000 generated scenes, a 4.5-minute training budget on the
# CPU, scored on 200 held-out scenes (the figures go into the model's metadata). The flags are the recipe
# of shapesTrainingSettings() in Sources/AttendTrain/SyntheticTraining.swift; keep them in step.
.PHONY: shapes-model
shapes-model: build
	$(RELEASE_BIN) train --synthetic 2000 --config shapes --epochs 20 --batch 32 --lr 2e-3 --warmup 50 \
	    --dropout 0.3 --attention-penalty 0 --budget-minutes 4.5 --seed 1 --threads 2 --out models/shapes.attend
