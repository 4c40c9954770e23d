# Builds orderhooks-worker (plain C11 + libpq); orderhooks-admin comes from
# worker/admin.mk when present.

BIN_DIR       := $(BUILD)/bin
WORKER_BIN    := $(BIN_DIR)/orderhooks-worker
WORKER_SRCS   := $(sort $(filter-out worker/admin%.c,$(wildcard worker/*.c)))
WORKER_HDRS   := $(filter-out worker/admin%.h,$(wildcard worker/*.h))
WORKER_OBJS   := $(WORKER_SRCS:worker/%.c=$(BUILD)/worker/%.o)
WORKER_CFLAGS := $(CORE_CFLAGS) -Iworker
WORKER_LIBS   := -lpq -lcurl -lcjson -lcrypto -lsystemd -lm $(CORE_LIBS)

.PHONY: worker-test

worker: $(WORKER_BIN)
	@mkdir -p $(BIN_DIR)

$(BUILD)/worker/%.o: worker/%.c $(WORKER_HDRS) $(CORE_HDRS) worker/worker.mk
	@mkdir -p $(dir $@)
	$(CC) $(WORKER_CFLAGS) -c -o $@ $<

$(WORKER_BIN): $(WORKER_OBJS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_LDFLAGS) -o $@ $(WORKER_OBJS) $(CORE_OBJS) $(WORKER_LIBS)

# Worker integration tests against a private cluster (see docs/worker.md).
worker-test: worker
	scripts/worker-tests

-include worker/admin.mk
