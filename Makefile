# orderhooks: top-level build.  `make` builds the nginx module, the worker
# and the admin command; `make test` runs every test (see README.md).

NGX_SRC     ?= /usr/share/nginx/src
BUILD       ?= $(CURDIR)/build
CC          ?= cc
PG_INCDIR   := $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)

# Plain C shared by the module, the worker and the unit tests.
CORE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra -Werror \
               -O2 -g -I$(CURDIR)/core -I$(PG_INCDIR)
CORE_LIBS   := -lcjson -lcrypto -lpcre2-8 -lm

# SANITIZE=1 builds the worker, admin and unit tests with ASan + UBSan.
ifeq ($(SANITIZE),1)
BUILD       := $(BUILD)/asan
CORE_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=all
CORE_LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRCS   := $(sort $(wildcard core/*.c))
CORE_HDRS   := $(wildcard core/*.h)
CORE_OBJS   := $(CORE_SRCS:core/%.c=$(BUILD)/core/%.o)

.PHONY: all module worker unit test test-t lint clean stack-up stack-down

all: module worker

$(BUILD)/core/%.o: core/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

include ngx_http_orderhooks_module/module.mk
include worker/worker.mk
include tests/unit/unit.mk
-include fuzz/fuzz.mk

# Every test: unit tests, then the Test::Nginx suites against a private
# PostgreSQL cluster.  TEST_NGINX_LIB=<dir> uses a real Test::Nginx
# checkout instead of the runner carried in t/compat.
export TEST_NGINX_LIB
test: all unit
	scripts/run-t-suites

test-t: all
	scripts/run-t-suites

lint:
	scripts/lint

clean:
	rm -rf $(BUILD)
