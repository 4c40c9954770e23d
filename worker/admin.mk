# Builds orderhooks-admin; included by worker/worker.mk.

ADMIN_BIN    := $(BIN_DIR)/orderhooks-admin
ADMIN_SRCS   := $(sort $(wildcard worker/admin*.c))
ADMIN_OBJS   := $(ADMIN_SRCS:worker/%.c=$(BUILD)/admin/%.o)
ADMIN_HDRS   := $(wildcard worker/admin*.h)
ADMIN_CFLAGS := $(CORE_CFLAGS) -DOH_SQL_DIR='"$(CURDIR)/sql"'
# Only the core objects the admin command uses (not every core file).
ADMIN_CORE   := $(BUILD)/core/oh_money.o

worker: $(ADMIN_BIN)

$(BUILD)/admin/%.o: worker/%.c $(ADMIN_HDRS) $(CORE_HDRS) worker/admin.mk
	@mkdir -p $(dir $@)
	$(CC) $(ADMIN_CFLAGS) -c -o $@ $<

$(ADMIN_BIN): $(ADMIN_OBJS) $(ADMIN_CORE)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_LDFLAGS) -o $@ $(ADMIN_OBJS) $(ADMIN_CORE) \
	    -lpq -lcjson -lcrypto -lm
