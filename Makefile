# SPDX-License-Identifier: GPL-2.0-or-later
# bridge, host-local, portmap and loopback CNI plugins in C.
#   make            build bin/bridge, bin/host-local, bin/portmap, bin/loopback
#   make test       install what is missing, build, run every test
#   make test-san   the same suite against an ASan+UBSan build
#   make demo       install what is missing, build, replay the seed tutorial
#   make bench      benchmark against the reference plugins in /usr/lib/cni
#   make install    DESTDIR/PREFIX/CNI_BIN_DIR honoured

PREFIX      ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
SAN         ?= 0

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

CC        ?= cc
WARN      := -Wall -Wextra -Werror -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
ALL_CFLAGS = -std=gnu11 -pthread $(OPT) $(WARN) $(HARDEN) -I. -Ipkg $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
ALL_LDFLAGS = -pie -pthread -Wl,-z,relro,-z,now -Wl,--as-needed $(SANLD) $(LDFLAGS)

PKG_SRC    := $(sort $(wildcard pkg/*/*.c))
BRIDGE_SRC := $(sort $(wildcard plugins/bridge/*.c))
LO_SRC     := $(sort $(wildcard plugins/loopback/*.c))
PM_SRC     := $(sort $(wildcard plugins/portmap/*.c))
HL_SRC     := $(sort $(wildcard ipam/host-local/*.c ipam/host-local/*/*.c))
UNIT_SRC   := $(sort $(wildcard test/unit/test_*.c))
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
TESTIPAM   := $(BIN)/test-ipam

# keep unit-test objects (they are intermediates of a pattern rule)
.SECONDARY:

.PHONY: all deps test test-unit test-bats test-san demo bench install clean format
all: deps $(BIN)/bridge $(BIN)/host-local $(BIN)/portmap $(BIN)/loopback $(TESTIPAM) $(BIN)/test-plugin $(BIN)/nftctl

# Installs only what is missing (a no-op once everything is there).
deps:
	@bash scripts/install-deps.sh build

$(BUILD)/%.o: %.c | deps
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

$(BUILD)/test/%: $(BUILD)/test/unit/%.o $(LIBBR) $(LIBPM) $(LIBHL) $(LIBCNI)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

test: 
	bash scripts/install-deps.sh test
	$(MAKE) all
	$(MAKE) test-unit test-bats

test-unit: all $(UNIT_BINS)
	@bash scripts/check-layout.sh
	@bash scripts/run-unit.sh $(UNIT_BINS)

test-bats: all
	@CNI_TEST_BIN=$(abspath $(BIN)) bash scripts/run-bats.sh

test-san:
	bash scripts/install-deps.sh test
	$(MAKE) SAN=1 all
	$(MAKE) SAN=1 test-unit test-bats

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

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-san bin bin-san

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
