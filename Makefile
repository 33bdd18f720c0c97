# SPDX-License-Identifier: GPL-2.0-or-later
# bridge, host-local, portmap and loopback CNI plugins in C.
#   make            build bin/bridge, bin/host-local, bin/portmap, bin/loopback
#   make test       install what is missing, build, run every test
#   make test-san   the same suite against an ASan+UBSan build
#   make FAULT=1    the fault-injection build (build-fault/, bin-fault/; with
#                   SAN=1: build-san-fault/, bin-san-fault/): see pkg/util/fault.h
#   make fuzz       every libFuzzer target (test/fuzz/) for FUZZ_SECONDS each
#                   (default 60) under ASan+UBSan, built with clang in build-fuzz/
#   make fuzz-ci    the same for 20 s each (what CI runs)
#   make demo       install what is missing, build, replay the seed tutorial
#   make bench      benchmark against the reference plugins in /usr/lib/cni
#   make test-kernels   the VLAN tests and a core subset on Debian's 6.1 and
#                   6.12 kernels, each in a VM (FULL=1: the whole suite),
#                   then the reboot test on each
#   make test-reboot    only the reboot test (KERNELS=6.12: one kernel)
#   make install    DESTDIR/PREFIX/CNI_BIN_DIR honoured
#   make dist       the release tarball, as the reference's releases ship:
#                   dist/cni-c-plugins-linux-<arch>-v<version>.tgz (the four
#                   stripped binaries, LICENSE, README.md) and its .sha256

PREFIX      ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
SAN         ?= 0
FAULT       ?= 0

PKGS      := libcjson libmnl libnftnl

ifeq ($(SAN),1)
BUILD     ?= build-san
BIN       ?= bin-san
OPT       := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANLD     := -fsanitize=address,undefined
HARDEN    := -fstack-protector-strong -fPIE
else
BUILD     ?= build
BIN       ?= bin
OPT       := -O2 -g
SANLD     :=
HARDEN    := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
endif

# Fault injection is a test-only build of its own: the release objects and
# binaries never see CNI_FAULT_INJECTION, nor pkg/util/fault.c.
ifeq ($(FAULT),1)
BUILD     := $(BUILD)-fault
BIN       := $(BIN)-fault
FAULTDEF  := -DCNI_FAULT_INJECTION
else
FAULTDEF  :=
endif

CC        ?= cc
# The one version: pkg/cni/version.h (what --version and the ELF note say).
VERSION   := $(shell sed -n 's/^\#define CNI_PLUGIN_VERSION "\(.*\)"/\1/p' pkg/cni/version.h)
DIST_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || uname -m)
DIST_DIR  ?= dist
DIST_NAME := cni-c-plugins-linux-$(DIST_ARCH)-v$(VERSION)
WARN      := -Wall -Wextra -Werror -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = -std=gnu11 -pthread $(OPT) $(WARN) $(HARDEN) $(FAULTDEF) -I. -Ipkg -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = -pie -pthread -Wl,-z,relro,-z,now -Wl,--as-needed $(SANLD) $(LDFLAGS)

PKG_SRC    := $(sort $(wildcard pkg/*/*.c))
ifneq ($(FAULT),1)
PKG_SRC    := $(filter-out pkg/util/fault.c,$(PKG_SRC))
endif
BRIDGE_SRC := $(sort $(wildcard plugins/bridge/*.c))
LO_SRC     := $(sort $(wildcard plugins/loopback/*.c))
PM_SRC     := $(sort $(wildcard plugins/portmap/*.c))
HL_SRC     := $(sort $(wildcard ipam/host-local/*.c ipam/host-local/*/*.c))
UNIT_SRC   := $(sort $(wildcard test/unit/test_*.c))
FUZZ_SRC   := $(sort $(wildcard test/fuzz/fuzz_*.c))
# host-local's own logic (everything but main.c) is unit-testable too
HL_LIB_SRC := $(filter-out ipam/host-local/main.c,$(HL_SRC))
BR_LIB_SRC := $(filter-out plugins/bridge/main.c,$(BRIDGE_SRC))
PM_LIB_SRC := $(filter-out plugins/portmap/main.c,$(PM_SRC))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBCNI     := $(BUILD)/libcni.a
LIBHL      := $(BUILD)/libhostlocal.a
LIBBR      := $(BUILD)/libbridge.a
LIBPM      := $(BUILD)/libportmap.a
UNIT_BINS  := $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRC))
# A unit test may have calls into the code under test wrapped (ld --wrap):
# it names them on a line "LDWRAP: name..." in its source or in a test/unit
# header it includes (killpoint.h wraps the file system calls).
ldwrap = $(foreach c,$(shell sed -n 's/.*LDWRAP: *//p' test/unit/$(1).c \
	   $(addprefix test/unit/,$(shell sed -n 's/^\#include "\([a-z_]*\.h\)"/\1/p' test/unit/$(1).c))),\
	   -Wl,--wrap=$(c))
TESTIPAM   := $(BIN)/test-ipam
# each fuzz target linked with a plain main that runs its corpus once
# (test/bats/fuzz_corpus.bats): the seeds and kept crashes as regressions
REPLAY_BINS := $(patsubst test/fuzz/%.c,$(BIN)/fuzz/%,$(FUZZ_SRC))

# The build id in host-local's ELF note, which the bridge must match exactly
# to run host-local in-process: a hash of every source host-local is made
# of. The header is rewritten only when the id changes.
BUILD_ID_SRC := $(sort $(wildcard pkg/*/*.[ch] ipam/host-local/*.[ch] ipam/host-local/*/*.[ch]))
BUILD_ID_H   := $(BUILD)/gen/build-id.h
# the libFuzzer build's own (make fuzz): objects by clang in build-fuzz/
FUZZ_DIR     := build-fuzz
FUZZ_ID_H    := $(FUZZ_DIR)/gen/build-id.h

# keep unit-test objects (they are intermediates of a pattern rule)
.SECONDARY:

.PHONY: all plugins deps test test-unit test-bats test-san test-kernels test-reboot demo bench install dist \
	clean format fuzz fuzz-ci fuzz-build FORCE
all: deps $(BIN)/bridge $(BIN)/host-local $(BIN)/portmap $(BIN)/loopback $(TESTIPAM) \
	$(BIN)/test-plugin $(BIN)/nftctl $(BIN)/udp-seen $(BIN)/raw-send $(REPLAY_BINS)
# just the plugins (what the fault build needs: test/bats/faults_every_step.bats,
# security.bats)
plugins: deps $(BIN)/bridge $(BIN)/host-local $(BIN)/portmap

# Installs only what is missing (a no-op once everything is there).
deps:
	@bash scripts/install-deps.sh build

$(BUILD_ID_H) $(FUZZ_ID_H): FORCE
	@mkdir -p $(dir $@)
	@id=$$(sha256sum $(BUILD_ID_SRC) | sha256sum | cut -c1-16) && \
	printf '/* generated by the Makefile */\n#define CNI_C_BUILD_ID "%s"\n' "$$id" >$@.tmp && \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(BUILD)/%.o: %.c | deps $(BUILD_ID_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBCNI): $(call obj,$(PKG_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(LIBHL): $(call obj,$(HL_LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(LIBBR): $(call obj,$(BR_LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
$(LIBPM): $(call obj,$(PM_LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BIN)/bridge: $(call obj,plugins/bridge/main.c) $(LIBBR) $(LIBHL) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BIN)/host-local: $(call obj,ipam/host-local/main.c) $(LIBHL) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BIN)/portmap: $(call obj,plugins/portmap/main.c) $(LIBPM) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
$(BIN)/loopback: $(call obj,$(LO_SRC)) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# A tiny IPAM plugin for tests: answers from files named in its env.
$(TESTIPAM): $(call obj,test/helpers/test-ipam.c) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# A tiny main plugin for the skeleton's tests (delegates to ipam.type).
$(BIN)/test-plugin: $(call obj,test/helpers/test-plugin.c) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# The nftables test driver: the bridge's nftables policy from the command line.
$(BIN)/nftctl: $(call obj,test/helpers/nftctl.c) $(LIBBR) $(LIBCNI)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/fuzz/%: $(BUILD)/test/fuzz/%.o $(BUILD)/test/fuzz/replay.o $(LIBPM) $(LIBBR) $(LIBHL) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)
# A UDP listener that prints the source it sees (masquerade tests).
$(BIN)/udp-seen: $(call obj,test/helpers/udp-seen.c)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
# Crafted IPv4 frames through AF_PACKET (the security tests' localnet case).
$(BIN)/raw-send: $(call obj,test/helpers/raw-send.c)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/test/%: $(BUILD)/test/unit/%.o $(LIBBR) $(LIBPM) $(LIBHL) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $(call ldwrap,$*) -o $@ $^ $(PKG_LIBS) -lcmocka

test:
	bash scripts/install-deps.sh test
	$(MAKE) all
	$(MAKE) FAULT=1 plugins
	$(MAKE) test-unit test-bats

test-unit: all $(UNIT_BINS)
	@bash scripts/check-layout.sh
	@CNI_TEST_BIN=$(abspath $(BIN)) bash scripts/run-unit.sh $(UNIT_BINS)

test-bats: all
	@CNI_TEST_BIN=$(abspath $(BIN)) bash scripts/run-bats.sh

test-san:
	bash scripts/install-deps.sh test
	$(MAKE) SAN=1 all
	$(MAKE) SAN=1 FAULT=1 plugins
	$(MAKE) SAN=1 test-unit test-bats

test-kernels:
	bash scripts/install-deps.sh vm
	$(MAKE) all
	bash scripts/test-kernels $(if $(filter 1,$(FULL)),--full) $(KERNELS)

test-reboot:
	bash scripts/install-deps.sh vm
	$(MAKE) all
	bash scripts/test-reboot $(KERNELS)

demo:
	bash scripts/install-deps.sh demo
	$(MAKE) all
	bash scripts/demo.sh

bench:
	bash scripts/install-deps.sh bench
	$(MAKE) all
	bash scripts/bench $(BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(CNI_BIN_DIR)
	install -m 0755 $(BIN)/bridge $(BIN)/host-local $(BIN)/portmap $(BIN)/loopback $(DESTDIR)$(CNI_BIN_DIR)/

# The reference's release layout: binaries at the top of the archive (so
# `tar -C /opt/cni/bin -xzf` installs them), a sha256sum file beside it.
# Built from a clean tree's release build; files owned by root, dated by
# the last commit, so the same commit gives the same bytes.
dist: all
	@test -n "$(VERSION)" || { echo "dist: no CNI_PLUGIN_VERSION in pkg/cni/version.h" >&2; exit 1; }
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist $(DIST_DIR)
	install -m 0755 $(BIN)/bridge $(BIN)/host-local $(BIN)/portmap $(BIN)/loopback $(BUILD)/dist/
	strip --strip-unneeded $(BUILD)/dist/bridge $(BUILD)/dist/host-local $(BUILD)/dist/portmap $(BUILD)/dist/loopback
	install -m 0644 LICENSE README.md $(BUILD)/dist/
	cd $(BUILD)/dist && tar --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$(git -C $(CURDIR) log -1 --format=%ct 2>/dev/null || echo 0) \
		-cf - ./bridge ./host-local ./loopback ./portmap ./LICENSE ./README.md | gzip -n -9 >$(abspath $(DIST_DIR))/$(DIST_NAME).tgz
	cd $(DIST_DIR) && sha256sum $(DIST_NAME).tgz >$(DIST_NAME).tgz.sha256
	@echo "dist: $(DIST_DIR)/$(DIST_NAME).tgz"

# libFuzzer: clang, ASan+UBSan, every library object instrumented.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   = -std=gnu11 -pthread -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link $(WARN) -I. -Ipkg -I$(FUZZ_DIR)/gen $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
FUZZ_LIB_SRC := $(PKG_SRC) $(HL_LIB_SRC) $(BR_LIB_SRC) $(PM_LIB_SRC)
FUZZ_BINS    := $(patsubst test/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))

$(FUZZ_DIR)/obj/%.o: %.c | $(FUZZ_ID_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/libfuzz.a: $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(FUZZ_LIB_SRC))
	$(AR) rcs $@ $^
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/test/fuzz/fuzz_%.o $(FUZZ_DIR)/libfuzz.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -pthread -o $@ $^ $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)
fuzz:
	bash scripts/install-deps.sh fuzz
	$(MAKE) fuzz-build
	bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)
fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=20

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san build-fault build-san-fault build-fuzz bin bin-san bin-fault bin-san-fault dist

-include $(shell find $(BUILD) $(FUZZ_DIR) -name '*.d' 2>/dev/null)
